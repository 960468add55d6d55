package verify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// A trusted root that lists no CA, log or TSA: bundles signed with a bare
// key verify with the key alone.
const keyOnlyRoot = `{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`

// A DSSE envelope whose payload is not an in-toto statement (here an SPDX
// document) verifies only for a Verifier that accepts its payload type; the
// payload is then the artifact.
func ExampleAllowPayloadType() {
	key, _ := signer.Generate(signer.ECDSAP256)
	cred, _ := signer.FromKey(key)
	root, _ := trustroot.ParseJSON([]byte(keyOnlyRoot))
	b, _ := sign.NewBundleBuilder(cred)
	const spdx = "application/spdx+json"
	sbom := `{"spdxVersion":"SPDX-2.3"}`
	bun, err := b.SignDSSE(context.Background(), spdx, []byte(sbom))
	if err != nil {
		panic(err)
	}
	p := policy.PublicKey(cred.PublicKey())

	strict, _ := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	_, err = strict.Verify(bun, verify.ArtifactReader(strings.NewReader(sbom)), p)
	var verr *verify.Error
	errors.As(err, &verr)
	fmt.Println("by default, fails at:", verr.Step)

	v, _ := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()), verify.AllowPayloadType(spdx))
	res, err := v.Verify(bun, verify.ArtifactReader(strings.NewReader(sbom)), p)
	if err != nil {
		panic(err)
	}
	fmt.Println("verified payload type:", res.PayloadType)
	// Output:
	// by default, fails at: signature
	// verified payload type: application/spdx+json
}
