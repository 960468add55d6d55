package signer_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"slices"

	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// Keyless signing: an ephemeral key, certified by Fulcio for the identity
// in an OIDC ID token. The Fulcio here is a local test server; in real use
// the trusted root comes from trustroot.FromTUF (or your deployment) and
// the URL is your Fulcio's, such as https://fulcio.sigstore.dev.
func ExampleNewFulcio() {
	fulcio := startTestFulcio() // a Fulcio-like CA; see fulcio_kit_test.go
	defer fulcio.Close()
	root, err := trustroot.ParseJSON(fulcio.ca.trustedRootJSON())
	if err != nil {
		log.Fatal(err)
	}
	idToken := newToken() // from your OIDC provider; see TokenSource

	f, err := signer.NewFulcio(root, fulcio.URL, signer.StaticToken(idToken))
	if err != nil {
		log.Fatal(err)
	}
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		log.Fatal(err)
	}
	keyOnly, err := signer.FromKey(key)
	if err != nil {
		log.Fatal(err)
	}
	chain, err := f.Certificate(context.Background(), keyOnly)
	if err != nil {
		log.Fatal(err)
	}
	cred, err := signer.FromCertificateChain(key, chain)
	if err != nil {
		log.Fatal(err)
	}
	leaf := cred.Certificates()[0]
	fmt.Println("certificates:", len(chain))
	fmt.Println("identity:", leaf.EmailAddresses)
	fmt.Println("code signing:", slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageCodeSigning))
	// Output:
	// certificates: 2
	// identity: [alice@example.com]
	// code signing: true
}

// recordedToken returns the (long expired) ID token of a request recorded
// from Fulcio v1.8.8 in scripts/services/samples.
func recordedToken() string {
	data, err := os.ReadFile("../scripts/services/samples/fulcio-csr-request.json")
	if err != nil {
		log.Fatal(err)
	}
	var req struct {
		Credentials struct{ OIDCIdentityToken string }
	}
	if err := json.Unmarshal(data, &req); err != nil {
		log.Fatal(err)
	}
	return req.Credentials.OIDCIdentityToken
}

// Tokens are checked before they are sent: an expired one never reaches
// Fulcio (here, a host that does not exist).
func ExampleStaticToken() {
	root, err := trustroot.FromFile("../scripts/services/samples/trusted_root.json")
	if err != nil {
		log.Fatal(err)
	}
	f, err := signer.NewFulcio(root, "https://fulcio.invalid", signer.StaticToken(recordedToken()))
	if err != nil {
		log.Fatal(err)
	}
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		log.Fatal(err)
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		log.Fatal(err)
	}
	_, err = f.Certificate(context.Background(), cred)
	fmt.Println(errors.Is(err, signer.ErrInvalidToken))
	fmt.Println(err)
	// Output:
	// true
	// signer: invalid OIDC ID token: token expired: expired at 2026-11-22T03:42:55Z
}

// Showing whose certificate will be requested. The claims are not
// verified: Fulcio does that.
func ExampleTokenIdentity() {
	issuer, subject, email, err := signer.TokenIdentity(recordedToken())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(issuer, subject, email)
	// Output:
	// http://127.0.0.1:8088 alice alice@example.com
}

// In a GitHub Actions job with "permissions: id-token: write", or anywhere
// else with SIGSTORE_ID_TOKEN set.
func ExampleGitHubActionsToken() {
	tokens := signer.TokenFromEnv()
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		tokens = signer.GitHubActionsToken()
	}
	root, err := trustroot.PublicGood() // or trustroot.FromTUF(ctx)
	if err != nil {
		log.Fatal(err)
	}
	f, err := signer.NewFulcio(root, "https://fulcio.sigstore.dev", tokens)
	if err != nil {
		log.Fatal(err)
	}
	_ = f // f.Certificate(ctx, cred), or hand f to package sign as its CertificateProvider
}
