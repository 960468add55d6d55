package signer_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/oidctoken"
	"github.com/sigil-dev/sigil/signer"
)

// loginErr asserts err is a *LoginError at step wrapping want.
func loginErr(t *testing.T, p *testProvider, err error, step string, want error) *signer.LoginError {
	t.Helper()
	var le *signer.LoginError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a *LoginError", err, err)
	}
	if le.Step != step || !errors.Is(err, want) {
		t.Fatalf("error %q: step %q, want %q wrapping %v", err, le.Step, step, want)
	}
	if p != nil {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, secret := range p.issued {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q quotes a code or token the provider issued", err)
			}
		}
	}
	return le
}

// listenerClosed asserts nothing listens at the redirect URI's address.
func listenerClosed(t *testing.T, redirect string) {
	t.Helper()
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" {
		t.Fatalf("redirect_uri %q", redirect)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after IDToken returned", u.Host)
	}
}

// recordingBrowser is browser() that also records the redirect_uri.
func recordingBrowser(got chan<- string, redirect *string) func(string) error {
	open := browser(got)
	return func(authURL string) error {
		u, _ := url.Parse(authURL)
		*redirect = u.Query().Get("redirect_uri")
		return open(authURL)
	}
}

func TestBrowserLogin(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	page := make(chan string, 1)
	var redirect string
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithBrowser(recordingBrowser(page, &redirect)))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := l.IDToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	iss, _, email, err := signer.TokenIdentity(tok)
	if err != nil || iss != p.URL || email != "alice@example.com" {
		t.Fatalf("token of %q %q: %v", iss, email, err)
	}
	if got := <-page; !strings.HasPrefix(got, "200 Signed in.") {
		t.Errorf("browser shows %q", got)
	}
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") || !strings.HasSuffix(redirect, "/auth/callback") {
		t.Errorf("redirect_uri %q", redirect)
	}
	listenerClosed(t, redirect)

	// The token is reused while it is valid: no second login.
	again, err := l.IDToken(context.Background())
	if err != nil || again != tok || p.logins != 1 {
		t.Fatalf("second IDToken: same token %v, %d logins, %v", again == tok, p.logins, err)
	}
}

func TestBrowserLoginFixedPort(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	page := make(chan string, 1)
	var redirect string
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithRedirectPort(port),
		signer.WithBrowser(recordingBrowser(page, &redirect)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.IDToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-page
	if want := "http://127.0.0.1:" + strconv.Itoa(port) + "/auth/callback"; redirect != want {
		t.Errorf("redirect_uri %q, want %q", redirect, want)
	}
	listenerClosed(t, redirect)
}

func TestBrowserLoginFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(p *testProvider)
		step  string
		want  error
		code  string
	}{
		{"wrong state", func(p *testProvider) { p.wrongState = true }, "callback", signer.ErrLoginState, ""},
		{"denied consent", func(p *testProvider) { p.authError = "access_denied" }, "callback", signer.ErrLoginDenied, "access_denied"},
		{"other authorization error", func(p *testProvider) { p.authError = "invalid_scope" }, "callback", signer.ErrLoginRefused, "invalid_scope"},
		{"PKCE verifier mismatch", func(p *testProvider) { p.dropVerifier = true }, "token exchange", signer.ErrLoginRefused, "invalid_grant"},
		{"nonce mismatch", func(p *testProvider) { p.nonce = "replayed" }, "id token", oidctoken.ErrNonce, ""},
		{"token from another issuer", func(p *testProvider) { p.tokenIssuer = "https://evil.example" }, "id token", oidctoken.ErrIssuer, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProvider()
			defer p.Close()
			p.set(tc.setup)
			page := make(chan string, 1)
			var redirect string
			l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithBrowser(recordingBrowser(page, &redirect)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.IDToken(context.Background())
			le := loginErr(t, p, err, tc.step, tc.want)
			if le.OAuthError != tc.code {
				t.Errorf("OAuthError %q, want %q", le.OAuthError, tc.code)
			}
			if tc.want == oidctoken.ErrNonce || tc.want == oidctoken.ErrIssuer {
				if !errors.Is(err, signer.ErrInvalidToken) {
					t.Errorf("%v does not wrap ErrInvalidToken", err)
				}
			}
			<-page
			listenerClosed(t, redirect)
		})
	}
}

// The person never comes back (closed the tab): the login times out, and
// the listener is closed.
func TestBrowserLoginTimeout(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	var redirect string
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginTimeout(200*time.Millisecond),
		signer.WithBrowser(func(u string) error {
			pu, _ := url.Parse(u)
			redirect = pu.Query().Get("redirect_uri")
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.IDToken(context.Background())
	loginErr(t, p, err, "callback", signer.ErrLoginTimeout)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v does not wrap context.DeadlineExceeded", err)
	}
	listenerClosed(t, redirect)

	// A cancelled context ends it the same way.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = l.IDToken(ctx)
	loginErr(t, p, err, "callback", signer.ErrLoginTimeout)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}
}

// No browser: the URL goes to the code prompt, with the out-of-band
// redirect; the person signs in elsewhere and types the code.
func TestBrowserLoginOutOfBand(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	var prompted string
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL),
		signer.WithBrowser(func(string) error { return errors.New("no display") }),
		signer.WithCodePrompt(func(ctx context.Context, authURL string) (string, error) {
			prompted = authURL
			resp, err := http.Get(authURL)
			if err != nil {
				return "", err
			}
			defer resp.Body.Close()
			page, _ := io.ReadAll(resp.Body)
			_, code, _ := strings.Cut(string(page), "Your code: ")
			return code + "\n", nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := l.IDToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(prompted)
	if got := u.Query().Get("redirect_uri"); got != "urn:ietf:wg:oauth:2.0:oob" {
		t.Errorf("redirect_uri %q", got)
	}
	if _, _, email, _ := signer.TokenIdentity(tok); email != "alice@example.com" {
		t.Errorf("email %q", email)
	}
}

func TestDeviceLogin(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	p.set(func(p *testProvider) { p.pending = 1 })
	var shown signer.DeviceCode
	l, err := signer.NewDeviceLogin(signer.WithLoginIssuer(p.URL),
		signer.WithDevicePrompt(func(_ context.Context, c signer.DeviceCode) error { shown = c; return nil }))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := l.IDToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if shown.UserCode != "WDJB-MJHT" || shown.VerificationURI != p.URL+"/device" || shown.Expiry.IsZero() {
		t.Errorf("prompt got %+v", shown)
	}
	if _, _, email, _ := signer.TokenIdentity(tok); email != "alice@example.com" {
		t.Errorf("email %q", email)
	}
	if len(p.polls) != 2 {
		t.Errorf("%d polls, want 2 (pending, then the token)", len(p.polls))
	}
}

// slow_down adds 5 s to the interval for this and every later poll (RFC
// 8628 section 3.5).
func TestDeviceLoginSlowDown(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 7 s for polls")
	}
	p := newTestProvider()
	defer p.Close()
	p.set(func(p *testProvider) { p.slowDowns = 1 })
	l, err := signer.NewDeviceLogin(signer.WithLoginIssuer(p.URL),
		signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := l.IDToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(p.polls) != 2 {
		t.Fatalf("%d polls, want 2", len(p.polls))
	}
	first, gap := p.polls[0].Sub(start), p.polls[1].Sub(p.polls[0])
	if first < time.Second || gap < 6*time.Second {
		t.Errorf("first poll after %v (want >= 1 s, the server's interval), next after %v (want >= 6 s)", first, gap)
	}
}

func TestDeviceLoginFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(p *testProvider)
		step  string
		want  error
		code  string
	}{
		{"denied consent", func(p *testProvider) { p.pending, p.outcome = 1, "access_denied" }, "device token", signer.ErrLoginDenied, "access_denied"},
		{"expired_token", func(p *testProvider) { p.outcome = "expired_token" }, "device token", signer.ErrLoginExpired, "expired_token"},
		{"expires_in passes", func(p *testProvider) { p.expiresIn, p.pending = 2, 100 }, "device token", signer.ErrLoginExpired, ""},
		{"user code with a terminal escape", func(p *testProvider) { p.userCode = "\x1b[2J" }, "device authorization", signer.ErrProviderResponse, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProvider()
			defer p.Close()
			p.set(tc.setup)
			l, err := signer.NewDeviceLogin(signer.WithLoginIssuer(p.URL),
				signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.IDToken(context.Background())
			if le := loginErr(t, p, err, tc.step, tc.want); le.OAuthError != tc.code {
				t.Errorf("OAuthError %q, want %q", le.OAuthError, tc.code)
			}
		})
	}
}

func TestDeviceLoginTimeout(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	p.set(func(p *testProvider) { p.pending = 100 })
	l, err := signer.NewDeviceLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginTimeout(1500*time.Millisecond),
		signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.IDToken(context.Background())
	loginErr(t, p, err, "device token", signer.ErrLoginTimeout)
}

// A provider that is down or too slow is ErrProviderUnavailable, at the
// step that found out.
func TestLoginProviderUnavailable(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	for _, device := range []bool{false, true} {
		l := newLogin(t, device, signer.WithLoginIssuer(downURL))
		_, err := l.IDToken(context.Background())
		loginErr(t, nil, err, "discovery", signer.ErrProviderUnavailable)
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer failing.Close()
	l := newLogin(t, false, signer.WithLoginIssuer(failing.URL))
	_, err := l.IDToken(context.Background())
	le := loginErr(t, nil, err, "discovery", signer.ErrProviderUnavailable)
	var se *signer.ServiceError
	if !errors.As(le, &se) || se.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%v: no ServiceError with status 503", err)
	}

	p := newTestProvider()
	defer p.Close()
	p.set(func(p *testProvider) { p.tokenDelay = 2 * time.Second })
	page := make(chan string, 1)
	l, err = signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithBrowser(browser(page)),
		signer.WithLoginHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.IDToken(context.Background())
	loginErr(t, p, err, "token exchange", signer.ErrProviderUnavailable)
	<-page
}

func newLogin(t *testing.T, device bool, opts ...signer.LoginOption) *signer.Login {
	t.Helper()
	var l *signer.Login
	var err error
	if device {
		l, err = signer.NewDeviceLogin(append(opts, signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))...)
	} else {
		l, err = signer.NewBrowserLogin(append(opts, signer.WithBrowser(func(string) error { return nil }))...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLoginDiscoveryChecks(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	// The issuer asked for must be the one the discovery document names.
	l := newLogin(t, false, signer.WithLoginIssuer(strings.Replace(p.URL, "127.0.0.1", "localhost", 1)))
	_, err := l.IDToken(context.Background())
	loginErr(t, p, err, "discovery", signer.ErrProviderResponse)
}

func TestLoginOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		device bool
		opt    signer.LoginOption
	}{
		{"plain http issuer", false, signer.WithLoginIssuer("http://oauth2.example.com/auth")},
		{"issuer with a query", false, signer.WithLoginIssuer("https://oauth2.example.com/auth?x=1")},
		{"empty client ID", false, signer.WithLoginClientID("")},
		{"zero timeout", false, signer.WithLoginTimeout(0)},
		{"port out of range", false, signer.WithRedirectPort(70000)},
		{"redirect port for the device flow", true, signer.WithRedirectPort(8080)},
		{"browser for the device flow", true, signer.WithBrowser(signer.OpenBrowser)},
		{"device prompt for the browser flow", false, signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil })},
		{"nil HTTP client", false, signer.WithLoginHTTPClient(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.device {
				_, err = signer.NewDeviceLogin(tc.opt)
			} else {
				_, err = signer.NewBrowserLogin(tc.opt)
			}
			if err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if _, err := signer.NewBrowserLogin(signer.WithLoginClientID("a"), signer.WithLoginClientID("b")); err == nil {
		t.Error("an option given twice was accepted")
	}
	if _, err := signer.NewBrowserLogin(signer.WithLoginIssuer("http://127.0.0.1:5556"), signer.WithLoginIssuer("https://a.example")); err == nil {
		t.Error("WithLoginIssuer twice was accepted")
	}
}

func TestAmbientToken(t *testing.T) {
	fallback := signer.TokenFunc(func(context.Context) (string, error) { return "from-login", nil })
	ctx := context.Background()
	t.Setenv("SIGSTORE_ID_TOKEN", "")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")

	if tok, err := signer.AmbientToken(fallback).IDToken(ctx); err != nil || tok != "from-login" {
		t.Errorf("no ambient token: got %q, %v; want the fallback's", tok, err)
	}
	if _, err := signer.AmbientToken(nil).IDToken(ctx); !errors.Is(err, signer.ErrNoAmbientToken) {
		t.Errorf("no ambient token, no fallback: %v", err)
	}

	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer request-token" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"value":"from-github"}`))
	}))
	defer gh.Close()
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", gh.URL+"/token")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token")
	if tok, err := signer.AmbientToken(fallback).IDToken(ctx); err != nil || tok != "from-github" {
		t.Errorf("GitHub Actions: got %q, %v", tok, err)
	}
	// A failing GitHub Actions request is an error, not a reason to fall back.
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "wrong")
	if tok, err := signer.AmbientToken(fallback).IDToken(ctx); err == nil {
		t.Errorf("GitHub Actions refusing: got %q, want an error", tok)
	}

	t.Setenv("SIGSTORE_ID_TOKEN", "from-env\n")
	if tok, err := signer.AmbientToken(fallback).IDToken(ctx); err != nil || tok != "from-env" {
		t.Errorf("SIGSTORE_ID_TOKEN: got %q, %v", tok, err)
	}
}
