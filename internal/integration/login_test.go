package integration_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

// Interactive logins against the stack's real OpenID provider (zitadel/oidc
// v3, scripts/services): a scripted person (testservices.SignInBrowser,
// ApproveDevice: an HTTP client going through the provider's login and
// consent pages) completes them, and the token gets a Fulcio certificate
// and a bundle that verifies with the identity policy.

// browserAs returns a WithBrowser opener that hands the authorization URL,
// after edit (nil: none), to the scripted person, in the background as a
// browser would; the page they end on arrives on the returned channel.
func browserAs(t *testing.T, e *env, edit func(q url.Values)) (func(string) error, <-chan string) {
	pages := make(chan string, 1)
	return func(authURL string) error {
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		if edit != nil {
			q := u.Query()
			edit(q)
			u.RawQuery = q.Encode()
		}
		go func() {
			page, err := e.s.SignInBrowser(context.Background(), u.String())
			if err != nil {
				page = "error: " + err.Error()
			}
			pages <- page
		}()
		return nil
	}, pages
}

// signKeyless signs an artifact with an ephemeral key certified by the
// stack's Fulcio for the tokens' identity, logs it in Rekor v2 with a TSA
// timestamp, and verifies the bundle with the provider user's identity.
func signKeyless(t *testing.T, e *env, tokens signer.TokenSource) {
	t.Helper()
	f, err := signer.NewFulcio(e.root, e.s.FulcioURL, tokens)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")), sign.WithCertificateProvider(f),
		sign.WithTimestamper(e.tsa(t, e.s.TSAURL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)),
		sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("signed after an interactive login\n")
	bun, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(roundTrip(t, bun), verify.ArtifactReader(bytes.NewReader(artifact)),
		policy.Identity(e.s.OIDCProviderURL, e.s.OIDCProviderEmail))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.TlogEntries) != 1 || res.SCTs < 1 {
		t.Errorf("%d log entries, %d SCTs", len(res.TlogEntries), res.SCTs)
	}
	// Another identity is refused at the policy step.
	_, err = v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)),
		policy.Identity(e.s.OIDCProviderURL, "mallory@example.com"))
	assertStep(t, err, verify.StepPolicy)
}

func loginStep(t *testing.T, err error, step string, want error) *signer.LoginError {
	t.Helper()
	var le *signer.LoginError
	if !errors.As(err, &le) || le.Step != step || !errors.Is(err, want) {
		t.Fatalf("error %v: want a *LoginError at step %q wrapping %v", err, step, want)
	}
	return le
}

func redirectClosed(t *testing.T, redirect string) {
	t.Helper()
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" {
		t.Fatalf("redirect_uri %q", redirect)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Errorf("the login's listener %s still accepts connections", u.Host)
	}
}

func TestBrowserLoginRealProvider(t *testing.T) {
	e := setup(t)
	var redirect string
	open, pages := browserAs(t, e, func(q url.Values) { redirect = q.Get("redirect_uri") })
	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL), signer.WithBrowser(open),
		signer.WithLoginTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	signKeyless(t, e, login)
	if page := <-pages; !strings.HasPrefix(page, "200 Signed in.") {
		t.Errorf("the browser ended on %q", page)
	}
	if !strings.HasPrefix(redirect, "http://127.0.0.1:") {
		t.Errorf("redirect_uri %q", redirect)
	}
	redirectClosed(t, redirect)
}

// No browser: the person gets the URL (out-of-band redirect), signs in
// elsewhere and types the code.
func TestBrowserLoginOutOfBandRealProvider(t *testing.T) {
	e := setup(t)
	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL),
		signer.WithBrowser(func(string) error { return errors.New("no display") }),
		signer.WithCodePrompt(func(ctx context.Context, authURL string) (string, error) {
			return e.s.SignInOutOfBand(ctx, authURL)
		}))
	if err != nil {
		t.Fatal(err)
	}
	signKeyless(t, e, login)
}

func TestDeviceLoginRealProvider(t *testing.T) {
	e := setup(t)
	approved := make(chan error, 1)
	login, err := signer.NewDeviceLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL),
		signer.WithDevicePrompt(func(ctx context.Context, c signer.DeviceCode) error {
			if !strings.HasPrefix(c.VerificationURI, e.s.OIDCProviderURL+"/device") {
				t.Errorf("verification URI %q", c.VerificationURI)
			}
			go func() { approved <- e.s.ApproveDevice(context.Background(), c.UserCode, true) }()
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	signKeyless(t, e, login)
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
}

// The state the browser brings back is not the login's: the provider
// echoes the state of the request it got, here one the "browser" changed
// (a stale tab, or a login CSRF).
func TestBrowserLoginWrongStateRealProvider(t *testing.T) {
	e := setup(t)
	var redirect string
	open, pages := browserAs(t, e, func(q url.Values) {
		redirect = q.Get("redirect_uri")
		q.Set("state", "state-of-another-login")
	})
	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL), signer.WithBrowser(open))
	if err != nil {
		t.Fatal(err)
	}
	_, err = login.IDToken(t.Context())
	loginStep(t, err, "callback", signer.ErrLoginState)
	if page := <-pages; !strings.HasPrefix(page, "400 Sign-in failed") {
		t.Errorf("the browser ended on %q", page)
	}
	redirectClosed(t, redirect)
}

// The code was issued for another PKCE challenge than the login's: the
// provider refuses the exchange with invalid_grant.
func TestBrowserLoginPKCEMismatchRealProvider(t *testing.T) {
	e := setup(t)
	open, pages := browserAs(t, e, func(q url.Values) {
		q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") // RFC 7636's example, not ours
	})
	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL), signer.WithBrowser(open))
	if err != nil {
		t.Fatal(err)
	}
	_, err = login.IDToken(t.Context())
	le := loginStep(t, err, "token exchange", signer.ErrLoginRefused)
	if le.OAuthError != "invalid_grant" {
		t.Errorf("OAuth error %q, want invalid_grant", le.OAuthError)
	}
	<-pages
}

func TestDeviceLoginDeniedRealProvider(t *testing.T) {
	e := setup(t)
	denied := make(chan error, 1)
	login, err := signer.NewDeviceLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL),
		signer.WithDevicePrompt(func(ctx context.Context, c signer.DeviceCode) error {
			go func() { denied <- e.s.ApproveDevice(context.Background(), c.UserCode, false) }()
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = login.IDToken(t.Context())
	le := loginStep(t, err, "device token", signer.ErrLoginDenied)
	if le.OAuthError != "access_denied" {
		t.Errorf("OAuth error %q, want access_denied", le.OAuthError)
	}
	if err := <-denied; err != nil {
		t.Fatal(err)
	}
}

// Nobody approves: the provider (device codes live 12 s in the stack)
// answers expired_token.
func TestDeviceLoginExpiredRealProvider(t *testing.T) {
	e := setup(t)
	login, err := signer.NewDeviceLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL),
		signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = login.IDToken(t.Context())
	le := loginStep(t, err, "device token", signer.ErrLoginExpired)
	if le.OAuthError != "expired_token" {
		t.Errorf("OAuth error %q, want the provider's expired_token", le.OAuthError)
	}
}

// pollRecorder is a transport that records the device-token polls to the
// provider and, with slowDown, turns its first authorization_pending
// answer into slow_down (zitadel sends slow_down only when its storage
// times out, so the test injects one).
type pollRecorder struct {
	mu       sync.Mutex
	polls    []time.Time
	slowDown bool
}

func (p *pollRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	isPoll := req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/oauth/token")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !isPoll {
		return resp, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polls = append(p.polls, time.Now())
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if p.slowDown && bytes.Contains(body, []byte(`"authorization_pending"`)) {
		p.slowDown = false
		body = bytes.Replace(body, []byte(`"authorization_pending"`), []byte(`"slow_down"`), 1)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// The login polls at the provider's interval (5 s) and, after a slow_down,
// 5 s slower.
func TestDeviceLoginSlowPollingRealProvider(t *testing.T) {
	e := setup(t)
	rec := &pollRecorder{slowDown: true}
	var start time.Time
	approved := make(chan error, 1)
	login, err := signer.NewDeviceLogin(signer.WithLoginIssuer(e.s.OIDCProviderURL),
		signer.WithLoginHTTPClient(&http.Client{Transport: rec, Timeout: 10 * time.Second}),
		signer.WithDevicePrompt(func(ctx context.Context, c signer.DeviceCode) error {
			start = time.Now()
			// Approve after the first poll, so that it is pending (and slowed).
			time.AfterFunc(6*time.Second, func() { approved <- e.s.ApproveDevice(context.Background(), c.UserCode, true) })
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := login.IDToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-approved; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.polls) != 2 {
		t.Fatalf("%d polls, want 2 (pending turned slow_down, then the token)", len(rec.polls))
	}
	first, gap := rec.polls[0].Sub(start), rec.polls[1].Sub(rec.polls[0])
	if first < 5*time.Second || gap < 10*time.Second {
		t.Errorf("first poll after %v (want >= 5 s, the provider's interval), the next %v later (want >= 10 s)", first, gap)
	}
}

func TestLoginProviderDownRealStack(t *testing.T) {
	e := setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	for _, device := range []bool{false, true} {
		var l *signer.Login
		if device {
			l, err = signer.NewDeviceLogin(signer.WithLoginIssuer(down))
		} else {
			l, err = signer.NewBrowserLogin(signer.WithLoginIssuer(down))
		}
		if err != nil {
			t.Fatal(err)
		}
		// Fulcio is never asked: the login fails first, and says so.
		f, err := signer.NewFulcio(e.root, e.s.FulcioURL, l)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Certificate(t.Context(), credential(t, newKey(t, "p256")))
		loginStep(t, err, "discovery", signer.ErrProviderUnavailable)
	}
}
