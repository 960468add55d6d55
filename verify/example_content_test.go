package verify_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
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

// An RSA key that signs with RSA-PSS (signer.WithRSAPSS) is trusted with its
// declared algorithm: the bundle cannot say it, and a Verifier told only the
// key expects RSA PKCS #1 v1.5.
func ExampleWithPublicKeyDetails() {
	key, _ := rsa.GenerateKey(rand.Reader, 2048) // or an HSM's or KMS's RSA key
	cred, _ := signer.FromKey(key, signer.WithRSAPSS())
	root, _ := trustroot.ParseJSON([]byte(keyOnlyRoot))
	v, err := verify.New(root, verify.WithPublicKeyDetails(cred.Hint(), cred.PublicKey(), "PKIX_RSA_PSS_2048_SHA256"))
	if err != nil {
		panic(err)
	}
	b, _ := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
	bun, err := b.SignArtifact(context.Background(), strings.NewReader("release-1.0.tar.gz contents"))
	if err != nil {
		panic(err)
	}
	_, err = v.Verify(bun, verify.ArtifactReader(strings.NewReader("release-1.0.tar.gz contents")), policy.PublicKey(cred.PublicKey()))
	fmt.Println("verified:", err == nil)
	// Output:
	// verified: true
}
