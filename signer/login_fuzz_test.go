package signer_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/signer"
)

// FuzzDeviceAuthorizationResponse: whatever a provider answers to the
// device authorization request, the login either fails at that step with a
// *LoginError, or shows the person a user code of printable ASCII and
// http(s) verification URIs (no terminal escapes reach the prompt). Seeds:
// testdata/fuzz/FuzzDeviceAuthorizationResponse.
func FuzzDeviceAuthorizationResponse(f *testing.F) {
	f.Add([]byte(`{"device_code":"d","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","expires_in":300,"interval":5}`))
	f.Add([]byte(`{"device_code":"d","user_code":"\u001b[2J","verification_uri":"https://example.com/device"}`))
	f.Add([]byte(`{"device_code":"d","user_code":"A","verification_url":"javascript:alert(1)"}`))
	f.Add([]byte(`{"device_code":"d","user_code":"A","verification_uri":"https://e.com","verification_uri_complete":"https://e.com/?\n"}`))
	f.Add([]byte(`{"expires_in":"soon"}`))
	f.Add([]byte(`[]`))
	p := newTestProvider()
	defer p.Close()
	errStop := errors.New("prompt shown")
	f.Fuzz(func(t *testing.T, body []byte) {
		p.set(func(p *testProvider) { p.rawDevice = body })
		l, err := signer.NewDeviceLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginTimeout(5*time.Second),
			signer.WithDevicePrompt(func(_ context.Context, c signer.DeviceCode) error {
				for _, s := range []string{c.UserCode, c.VerificationURI, c.VerificationURIComplete} {
					for i := 0; i < len(s); i++ {
						if s[i] < 0x20 || s[i] > 0x7e {
							t.Fatalf("prompt shown %q", s)
						}
					}
				}
				for _, s := range []string{c.VerificationURI, c.VerificationURIComplete} {
					if u, err := url.Parse(s); s != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http")) {
						t.Fatalf("prompt shown the URI %q", s)
					}
				}
				if c.UserCode == "" || c.VerificationURI == "" {
					t.Fatalf("prompt shown %+v", c)
				}
				return errStop
			}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.IDToken(context.Background())
		var le *signer.LoginError
		if !errors.As(err, &le) {
			t.Fatalf("error %v is not a *LoginError", err)
		}
		if le.Step != "device prompt" && le.Step != "device authorization" {
			t.Fatalf("failed at step %q: %v", le.Step, err)
		}
	})
}

// FuzzLoginCallback: whatever query the browser brings back to the
// loopback listener ("STATE" in it stands for the login's state), the
// login returns a token only if it carried the right state and a code the
// provider accepts, and otherwise a *LoginError, without waiting for the
// login timeout. Seeds: testdata/fuzz/FuzzLoginCallback.
func FuzzLoginCallback(f *testing.F) {
	f.Add("state=STATE&code=nope")
	f.Add("state=STATE&error=access_denied&error_description=%1b%5b2J")
	f.Add("state=STATE&state=other&code=x")
	f.Add("state=STATE%00&code=x")
	f.Add("code=x")
	f.Add("")
	f.Add("state=STATE&error=&code=")
	p := newTestProvider()
	defer p.Close()
	f.Fuzz(func(t *testing.T, query string) {
		var redirect string
		done := make(chan struct{})
		// A query the listener's HTTP server refuses (or no client can
		// send) never reaches the login: the "person" gives up once the
		// request is done.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginTimeout(5*time.Second),
			signer.WithBrowser(func(authURL string) error {
				u, _ := url.Parse(authURL)
				redirect = u.Query().Get("redirect_uri")
				q := strings.ReplaceAll(query, "STATE", url.QueryEscape(u.Query().Get("state")))
				go func() {
					defer close(done)
					resp, err := http.Get(redirect + "?" + q)
					defer cancel()
					if err == nil {
						resp.Body.Close()
					}
				}()
				return nil
			}))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := l.IDToken(ctx)
		<-done
		var le *signer.LoginError
		switch {
		case err == nil:
			t.Fatalf("a token (%d bytes) from a code the provider never issued", len(tok))
		case !errors.As(err, &le):
			t.Fatalf("error %v is not a *LoginError", err)
		}
		// (That the listener is closed is TestBrowserLogin*'s to check: the
		// fuzzer's parallel workers may take the freed port at once.)
	})
}
