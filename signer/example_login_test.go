package signer_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/sigil-dev/sigil/signer"
)

// A person signs in with their browser: the login opens the provider's
// authorization page, the provider redirects back to a listener on
// 127.0.0.1, and the login exchanges the code (with its PKCE verifier) for
// an ID token, which it checks. The provider here is a local stand-in that
// signs the user in at once, and the "browser" is an HTTP client; in real
// use leave WithBrowser out (the default opens the system's browser) and
// take the issuer from the signing configuration (cfg.OIDCProvider).
func ExampleNewBrowserLogin() {
	provider := newTestProvider() // see login_kit_test.go
	defer provider.Close()

	login, err := signer.NewBrowserLogin(
		signer.WithLoginIssuer(provider.URL),
		signer.WithBrowser(func(authURL string) error {
			go http.Get(authURL) // the person's browser, following the redirects back
			return nil
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	// A TokenSource: give it to signer.NewFulcio, or use it directly.
	tok, err := login.IDToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	_, _, email, err := signer.TokenIdentity(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", email)
	// Output:
	// signed in as alice@example.com
}

// A device login, for a machine without a browser: the prompt shows the
// person a URL and a code to enter on their phone or laptop, and the login
// polls the provider until they approve. Here the local stand-in approves
// at once; the default prompt prints to standard error.
func ExampleNewDeviceLogin() {
	provider := newTestProvider() // see login_kit_test.go
	defer provider.Close()

	login, err := signer.NewDeviceLogin(
		signer.WithLoginIssuer(provider.URL),
		signer.WithDevicePrompt(func(_ context.Context, c signer.DeviceCode) error {
			u, _ := url.Parse(c.VerificationURI)
			fmt.Printf("open %s and enter %s\n", u.Path, c.UserCode)
			return nil
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := login.IDToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	_, _, email, err := signer.TokenIdentity(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed in as", email)
	// Output:
	// open /device and enter WDJB-MJHT
	// signed in as alice@example.com
}

// In CI the environment provides the token (SIGSTORE_ID_TOKEN, or GitHub
// Actions with "id-token: write"); on a laptop a person signs in. One
// source serves both: the login runs only when the environment has no
// token.
func ExampleAmbientToken() {
	login, err := signer.NewBrowserLogin() // the public-good provider, the system's browser
	if err != nil {
		log.Fatal(err)
	}
	tokens := signer.AmbientToken(login) // for signer.NewFulcio(root, fulcioURL, tokens)

	// As a CI job would have it:
	defer os.Setenv("SIGSTORE_ID_TOKEN", os.Getenv("SIGSTORE_ID_TOKEN"))
	os.Setenv("SIGSTORE_ID_TOKEN", newToken()) // see fulcio_kit_test.go

	tok, err := tokens.IDToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	iss, _, email, err := signer.TokenIdentity(tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("from the environment:", email, iss)
	// Output:
	// from the environment: alice@example.com https://accounts.sigil.test
}
