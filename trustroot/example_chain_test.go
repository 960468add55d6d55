package trustroot_test

import (
	"fmt"

	"github.com/sigil-dev/sigil/trustroot"
)

// ParseJSON verifies no signature: each chain's links are checked by
// VerifyChain, once, when a verifier first relies on the authority.
func ExampleCertificateAuthority_VerifyChain() {
	root, err := trustroot.PublicGood()
	if err != nil {
		panic(err)
	}
	for _, ca := range root.CertificateAuthorities() {
		fmt.Println(ca.URI, len(ca.Certificates), "certificates:", ca.VerifyChain())
	}
	// Output:
	// https://fulcio.sigstore.dev 1 certificates: <nil>
	// https://fulcio.sigstore.dev 2 certificates: <nil>
}
