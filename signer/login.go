package signer

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/oidctoken"
)

// PublicGoodOIDCIssuer is the OIDC provider of the public-good Sigstore
// instance (its signing configuration's oidcUrls entry), the default issuer
// of [NewBrowserLogin] and [NewDeviceLogin].
const PublicGoodOIDCIssuer = "https://oauth2.sigstore.dev/auth"

// Defaults of the login options.
const (
	// DefaultLoginClientID is the OAuth client ID Sigstore's providers
	// register for its clients (a public client, no secret).
	DefaultLoginClientID = "sigstore"
	// DefaultLoginTimeout bounds the wait for the person signing in.
	DefaultLoginTimeout = 5 * time.Minute
	// defaultLoginRequestTimeout bounds each request to the provider when
	// the caller's HTTP client sets no timeout.
	defaultLoginRequestTimeout = 30 * time.Second
)

// oobRedirectURI is the out-of-band redirect: the provider shows the code
// (or, for providers that do not, the browser's address bar holds it) and
// the person copies it into the program.
const oobRedirectURI = "urn:ietf:wg:oauth:2.0:oob"

// callbackPath is the loopback redirect's path, as Sigstore's providers
// register it (http://localhost/auth/callback, any port).
const callbackPath = "/auth/callback"

// Errors of interactive logins. A failed login is a *[LoginError] that
// wraps exactly one of them; test with [errors.Is].
var (
	// ErrLoginTimeout: the person did not finish signing in before the
	// login timeout ([WithLoginTimeout]) or the context ended — they closed
	// the browser tab, or walked away. The error also wraps the context's
	// error.
	ErrLoginTimeout = errors.New("signer: OIDC login: not completed in time")
	// ErrLoginState: the browser was redirected back with a state that is
	// not this login's: a stale tab, or a forged redirect (login CSRF).
	ErrLoginState = errors.New("signer: OIDC login: the redirect's state is not this login's")
	// ErrLoginDenied: the person (or the provider's policy) refused the
	// authorization: OAuth error access_denied.
	ErrLoginDenied = errors.New("signer: OIDC login: authorization denied")
	// ErrLoginExpired: the device code expired before the person approved
	// it (RFC 8628 expired_token, or its expires_in passed).
	ErrLoginExpired = errors.New("signer: OIDC login: the device code expired")
	// ErrLoginRefused: the provider refused a request with another OAuth
	// error, named by [LoginError.OAuthError]: invalid_grant when a code or
	// PKCE verifier is wrong, unauthorized_client when the client may not
	// use the flow, and so on.
	ErrLoginRefused = errors.New("signer: OIDC login: the provider refused the request")
	// ErrProviderUnavailable: the provider could not be reached, timed out
	// or failed (HTTP 5xx, or discovery not found). The error also wraps the
	// cause (a [ServiceError], a network error, context.DeadlineExceeded).
	ErrProviderUnavailable = errors.New("signer: OIDC provider unavailable")
	// ErrProviderResponse: the provider answered with something sigil will
	// not use: malformed discovery or device-authorization responses, an
	// issuer that is not the one asked for, endpoints that are not https,
	// no ID token, no S256 PKCE support.
	ErrProviderResponse = errors.New("signer: unusable OIDC provider response")
)

// A LoginError is a failed interactive login: the step that failed, what
// the provider said, and the cause, which wraps one of the ErrLogin* or
// ErrProvider* errors, or [ErrInvalidToken] when the ID token fails its
// checks. It never holds a token, an authorization code, a device code or a
// PKCE verifier.
type LoginError struct {
	// Step is "wait" (for another call's login), "discovery", "listener", "browser", "callback", "code entry",
	// "token exchange", "device authorization", "device prompt",
	// "device token" or "id token".
	Step string
	// OAuthError is the provider's OAuth error code (RFC 6749 section 5.2,
	// RFC 8628 section 3.5), e.g. "access_denied" or "invalid_grant"; ""
	// when it sent none.
	OAuthError string
	// Description is the provider's error_description, printable ASCII, at
	// most 200 bytes; "" when it sent none.
	Description string
	// Err is the cause.
	Err error
}

func (e *LoginError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "signer: OIDC login, %s: %v", e.Step, e.Err)
	if e.OAuthError != "" {
		fmt.Fprintf(&b, " (OAuth error %s", e.OAuthError)
		if e.Description != "" {
			fmt.Fprintf(&b, ": %q", e.Description)
		}
		b.WriteString(")")
	}
	return b.String()
}

func (e *LoginError) Unwrap() error { return e.Err }

// DeviceCode is what a person needs to approve a device login on another
// device: open VerificationURI and enter UserCode, or open
// VerificationURIComplete, which carries the code, if the provider gave
// one.
type DeviceCode struct {
	VerificationURI         string
	VerificationURIComplete string // "" if the provider gave none
	UserCode                string
	Expiry                  time.Time // zero if the provider gave none
}

// A LoginOption configures [NewBrowserLogin] or [NewDeviceLogin]. Each may
// be given once; an option of one flow given to the other is an error.
type LoginOption func(*loginConfig) error

type loginConfig struct {
	device   bool
	settings httpx.Settings
	issuer   string
	clientID string
	hc       *http.Client
	timeout  time.Duration
	port     int
	open     func(url string) error
	code     func(ctx context.Context, authURL string) (string, error)
	prompt   func(ctx context.Context, c DeviceCode) error
}

func (c *loginConfig) once(name string) error { return c.settings.Once(name) }

func browserOnly(c *loginConfig, name string) error {
	if c.device {
		return fmt.Errorf("%s applies to NewBrowserLogin, not NewDeviceLogin", name)
	}
	return c.once(name)
}

// WithLoginIssuer sets the OIDC provider's issuer URL; its endpoints come
// from its discovery document (issuer + "/.well-known/openid-configuration"),
// whose issuer must be exactly this URL. Use the signing configuration's
// provider:
//
//	svc, err := cfg.OIDCProvider(time.Now()) // cfg: *trustroot.SigningConfig
//	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(svc.URL))
//
// The URL must be https, or http on a loopback address (127.0.0.0/8, ::1,
// localhost). Default [PublicGoodOIDCIssuer].
func WithLoginIssuer(issuer string) LoginOption {
	return func(c *loginConfig) error {
		if err := checkEndpoint(issuer); err != nil {
			return fmt.Errorf("WithLoginIssuer: %w", err)
		}
		c.issuer = issuer
		return c.once("WithLoginIssuer")
	}
}

// WithLoginClientID sets the OAuth client ID. ID tokens are issued for it
// (their audience), so Fulcio must expect the same audience
// ([WithFulcioAudience]). Default [DefaultLoginClientID].
func WithLoginClientID(id string) LoginOption {
	return func(c *loginConfig) error {
		if id == "" {
			return errors.New(`WithLoginClientID(""): the client ID must not be empty`)
		}
		c.clientID = id
		return c.once("WithLoginClientID")
	}
}

// WithLoginHTTPClient sends requests to the provider with hc. Default: a
// client of sigil's own; when hc sets no Timeout, each request is bounded
// to 30 s. Whichever client, a redirect is followed only to an https URL
// (or http on a loopback address), then as hc's CheckRedirect allows.
func WithLoginHTTPClient(hc *http.Client) LoginOption {
	return func(c *loginConfig) error {
		if hc == nil {
			return errors.New("WithLoginHTTPClient(nil)")
		}
		c.hc = hc
		return c.once("WithLoginHTTPClient")
	}
}

// WithLoginTimeout bounds the wait for the person: from opening the browser
// (or showing the device code) to the redirect back (or the approval).
// Default [DefaultLoginTimeout]; the context given to IDToken bounds it too.
func WithLoginTimeout(d time.Duration) LoginOption {
	return func(c *loginConfig) error {
		if d <= 0 {
			return fmt.Errorf("WithLoginTimeout(%v): must be positive", d)
		}
		c.timeout = d
		return c.once("WithLoginTimeout")
	}
}

// WithRedirectPort makes the browser login listen for the redirect on
// 127.0.0.1:port, for providers that register one fixed redirect URI.
// Default: a random free port (providers match loopback redirects on any
// port, RFC 8252 section 7.3).
func WithRedirectPort(port int) LoginOption {
	return func(c *loginConfig) error {
		if port < 1 || port > 65535 {
			return fmt.Errorf("WithRedirectPort(%d): not a TCP port", port)
		}
		c.port = port
		return browserOnly(c, "WithRedirectPort")
	}
}

// WithBrowser sets how the browser login opens the provider's
// authorization URL: open must start a browser on it and return, or fail
// if it cannot. When it fails, the login falls back to out-of-band code
// entry ([WithCodePrompt]). Default [OpenBrowser]. Tests and headless
// programs replace it.
func WithBrowser(open func(url string) error) LoginOption {
	return func(c *loginConfig) error {
		if open == nil {
			return errors.New("WithBrowser(nil)")
		}
		c.open = open
		return browserOnly(c, "WithBrowser")
	}
}

// WithCodePrompt sets the out-of-band code entry of the browser login,
// used when no browser can be opened: prompt shows authURL to the person,
// who opens it on any device and signs in; the provider then shows an
// authorization code, and prompt returns what the person typed. The
// redirect URI is then urn:ietf:wg:oauth:2.0:oob, which the provider must
// allow. The state cannot be checked on this path (the person copies only
// the code); PKCE and the nonce still tie the code and the token to this
// login. Default: print the URL on standard error and read a line from
// standard input.
func WithCodePrompt(prompt func(ctx context.Context, authURL string) (code string, err error)) LoginOption {
	return func(c *loginConfig) error {
		if prompt == nil {
			return errors.New("WithCodePrompt(nil)")
		}
		c.code = prompt
		return browserOnly(c, "WithCodePrompt")
	}
}

// WithDevicePrompt sets how the device login shows the person the
// verification URI and user code; it must return once they are shown (the
// login then polls the provider). Default: print them on standard error.
func WithDevicePrompt(prompt func(ctx context.Context, c DeviceCode) error) LoginOption {
	return func(c *loginConfig) error {
		if prompt == nil {
			return errors.New("WithDevicePrompt(nil)")
		}
		if !c.device {
			return errors.New("WithDevicePrompt applies to NewDeviceLogin, not NewBrowserLogin")
		}
		c.prompt = prompt
		return c.once("WithDevicePrompt")
	}
}

// A Login is a [TokenSource] that gets ID tokens by having a person sign in
// to an OIDC provider: in a browser ([NewBrowserLogin]) or on another
// device ([NewDeviceLogin]). Every token is checked before it is returned:
// issuer, audience (the client ID), expiry and, for the browser flow, the
// nonce; failures wrap [ErrInvalidToken].
//
// IDToken returns the last token while it has more than a minute of
// validity left, so one login serves a run that signs many bundles; then
// it logs in again. Concurrent calls wait for one login, each until its
// own context ends (a *[LoginError] at step "wait" wrapping
// [ErrLoginTimeout]). Errors are *[LoginError]s.
type Login struct {
	cfg    loginConfig
	client httpx.Client

	// sem, of capacity 1, is held by the call that logs in.
	sem    chan struct{}
	token  string
	expiry time.Time
}

// tokenReuseMargin is the validity a cached token must have left.
const tokenReuseMargin = time.Minute

// NewBrowserLogin returns a login through the person's browser: the OAuth
// 2.0 authorization code flow with PKCE (S256), a random state and nonce,
// and the redirect to a listener on 127.0.0.1 that exists only during the
// login and is always closed when IDToken returns. The client is public (no
// secret), as Sigstore's providers register it. When no browser can be
// opened it falls back to out-of-band code entry ([WithCodePrompt]).
func NewBrowserLogin(opts ...LoginOption) (*Login, error) {
	return newLogin(false, opts)
}

// NewDeviceLogin returns a login by the OAuth 2.0 device authorization grant
// (RFC 8628), for machines without a browser: the person opens the
// verification URI on another device and enters the user code, shown by
// [WithDevicePrompt]; meanwhile the login polls the provider at the interval
// it asks for, 5 s more after each slow_down, until it issues a token,
// answers access_denied ([ErrLoginDenied]) or expired_token
// ([ErrLoginExpired]), or the login timeout passes ([ErrLoginTimeout]).
func NewDeviceLogin(opts ...LoginOption) (*Login, error) {
	return newLogin(true, opts)
}

func newLogin(device bool, opts []LoginOption) (*Login, error) {
	l := &Login{sem: make(chan struct{}, 1), cfg: loginConfig{
		device:   device,
		issuer:   PublicGoodOIDCIssuer,
		clientID: DefaultLoginClientID,
		timeout:  DefaultLoginTimeout,
		open:     OpenBrowser,
		code:     terminalCodePrompt,
		prompt:   terminalDevicePrompt,
	}}
	for _, o := range opts {
		if err := o(&l.cfg); err != nil {
			return nil, fmt.Errorf("signer: %w", err)
		}
	}
	hc := &http.Client{}
	if l.cfg.hc != nil {
		*hc = *l.cfg.hc
	}
	if hc.Timeout == 0 {
		hc.Timeout = defaultLoginRequestTimeout
	}
	hc.CheckRedirect = secureRedirects(hc.CheckRedirect)
	l.cfg.hc = hc
	l.client = httpx.Client{Service: "OIDC provider", HTTP: hc, Attempts: 2, MaxResponse: 1 << 20}
	return l, nil
}

// IDToken returns an ID token, logging in if the last one is about to
// expire.
func (l *Login) IDToken(ctx context.Context) (string, error) {
	select {
	case l.sem <- struct{}{}:
		defer func() { <-l.sem }()
	case <-ctx.Done():
		return "", &LoginError{Step: "wait", Err: errors.Join(ErrLoginTimeout, ctx.Err())}
	}
	if l.token != "" && time.Until(l.expiry) > tokenReuseMargin {
		return l.token, nil
	}
	l.token = ""
	var tok string
	var err error
	if l.cfg.device {
		tok, err = l.deviceLogin(ctx)
	} else {
		tok, err = l.browserLogin(ctx)
	}
	if err != nil {
		return "", err
	}
	c, err := oidctoken.Parse(tok) // checked already; for the expiry
	if err != nil {
		return "", &LoginError{Step: "id token", Err: err}
	}
	l.token, l.expiry = tok, c.Expiry
	return tok, nil
}

// provider is the part of a discovery document a login uses.
type provider struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	DeviceEndpoint        string   `json:"device_authorization_endpoint"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
}

func (l *Login) discover(ctx context.Context) (*provider, error) {
	fail := func(err error) error { return &LoginError{Step: "discovery", Err: err} }
	resp, err := l.client.Do(ctx, &httpx.Request{
		Method: http.MethodGet,
		URL:    strings.TrimSuffix(l.cfg.issuer, "/") + "/.well-known/openid-configuration",
		Accept: "application/json",
		OK:     []int{http.StatusOK},
	})
	switch {
	case errors.Is(err, errInsecureRedirect):
		return nil, fail(fmt.Errorf("%w: %v", ErrProviderResponse, err))
	case err != nil:
		return nil, fail(errors.Join(ErrProviderUnavailable, err))
	}
	var p provider
	if err := json.Unmarshal(resp.Body, &p); err != nil {
		return nil, fail(fmt.Errorf("%w: discovery document is not JSON: %v", ErrProviderResponse, err))
	}
	if p.Issuer != l.cfg.issuer {
		return nil, fail(fmt.Errorf("%w: discovery names issuer %q, not %q", ErrProviderResponse, p.Issuer, l.cfg.issuer))
	}
	need := map[string]string{"token_endpoint": p.TokenEndpoint}
	if l.cfg.device {
		need["device_authorization_endpoint"] = p.DeviceEndpoint
	} else {
		need["authorization_endpoint"] = p.AuthorizationEndpoint
		// RFC 8414: absent means no PKCE support advertised; Sigstore's
		// providers advertise S256. Refuse only an explicit list without it.
		if p.CodeChallengeMethods != nil && !slices.Contains(p.CodeChallengeMethods, "S256") {
			return nil, fail(fmt.Errorf("%w: the provider does not support PKCE S256", ErrProviderResponse))
		}
	}
	for name, u := range need {
		if u == "" {
			return nil, fail(fmt.Errorf("%w: discovery has no %s", ErrProviderResponse, name))
		}
		if err := checkEndpoint(u); err != nil {
			return nil, fail(fmt.Errorf("%w: %s: %v", ErrProviderResponse, name, err))
		}
	}
	return &p, nil
}

// checkEndpoint accepts https URLs, and http ones on loopback addresses:
// codes and tokens never cross a network in the clear.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http(s) URL without query", raw)
	}
	return checkScheme(u)
}

// checkScheme accepts https URLs, and http ones on loopback addresses.
func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("%q: plain http is allowed only on a loopback address", u.Redacted())
	}
	return fmt.Errorf("%q is not an http(s) URL", u.Redacted())
}

// errInsecureRedirect is wrapped by the error of a request that a provider
// redirected where checkScheme does not allow.
var errInsecureRedirect = errors.New("redirected off https")

// secureRedirects returns a redirect policy that refuses, before sending
// anything, a redirect checkScheme does not allow — a 307 or 308 re-sends
// the form, with its authorization code and PKCE verifier or device code —
// and then applies next (nil: net/http's default, at most 10 redirects).
func secureRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if err := checkScheme(req.URL); err != nil {
			return fmt.Errorf("%w: %v", errInsecureRedirect, err)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

func (l *Login) oauthConfig(p *provider, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: l.cfg.clientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:       p.AuthorizationEndpoint,
			TokenURL:      p.TokenEndpoint,
			DeviceAuthURL: p.DeviceEndpoint,
			AuthStyle:     oauth2.AuthStyleInParams, // public client: client_id in the form
		},
		RedirectURL: redirect,
		Scopes:      []string{"openid", "email"},
	}
}

// randomString returns 32 random bytes, base64url: a state or nonce.
func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// callbackResult is what the redirect to the loopback listener brought.
type callbackResult struct {
	code string
	err  error // a *LoginError
}

// callback serves the loopback redirect: the first request to
// callbackPath ends the wait, whatever it carries.
type callback struct {
	state string
	once  sync.Once
	ch    chan callbackResult // buffered, 1
}

func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != callbackPath || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	var res callbackResult
	switch {
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(cb.state)) != 1:
		res.err = &LoginError{Step: "callback", Err: ErrLoginState}
	case q.Get("error") != "":
		res.err = oauthError("callback", q.Get("error"), q.Get("error_description"))
	case q.Get("code") == "":
		res.err = &LoginError{Step: "callback", Err: fmt.Errorf("%w: the redirect has neither code nor error", ErrProviderResponse)}
	default:
		res.code = q.Get("code")
	}
	page, status := "Signed in. You can close this window and return to the program.\n", http.StatusOK
	if res.err != nil {
		page, status = fmt.Sprintf("Sign-in failed: %v\n", res.err), http.StatusBadRequest
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	io.WriteString(w, page)
	// The whole page is on its way before the login may close the
	// listener and its connections.
	_ = http.NewResponseController(w).Flush()
	cb.once.Do(func() { cb.ch <- res })
}

func (l *Login) browserLogin(ctx context.Context) (string, error) {
	p, err := l.discover(ctx)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.timeout)
	defer cancel()
	verifier, state, nonce := oauth2.GenerateVerifier(), randomString(), randomString()

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", l.cfg.port))
	if err != nil {
		return "", &LoginError{Step: "listener", Err: err}
	}
	cb := &callback{state: state, ch: make(chan callbackResult, 1)}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	stop := func() { _ = srv.Close(); <-served } // closes the listener and every connection
	defer stop()

	redirect := fmt.Sprintf("http://127.0.0.1:%d%s", ln.Addr().(*net.TCPAddr).Port, callbackPath)
	conf := l.oauthConfig(p, redirect)
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce))

	var code string
	if err := l.cfg.open(authURL); err != nil {
		// No browser: out-of-band code entry. The listener is not needed.
		stop()
		conf = l.oauthConfig(p, oobRedirectURI)
		authURL = conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce))
		code, err = l.cfg.code(ctx, authURL)
		switch {
		case ctx.Err() != nil:
			return "", &LoginError{Step: "code entry", Err: errors.Join(ErrLoginTimeout, ctx.Err())}
		case err != nil:
			return "", &LoginError{Step: "code entry", Err: err}
		}
		if code = strings.TrimSpace(code); code == "" {
			return "", &LoginError{Step: "code entry", Err: errors.New("no code entered")}
		}
	} else {
		select {
		case res := <-cb.ch:
			if res.err != nil {
				return "", res.err
			}
			code = res.code
		case <-ctx.Done():
			return "", &LoginError{Step: "callback", Err: errors.Join(ErrLoginTimeout, ctx.Err())}
		}
		stop()
	}

	tok, err := conf.Exchange(l.oauthContext(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return "", l.requestError(ctx, "token exchange", err)
	}
	return l.checkToken(tok, nonce)
}

func (l *Login) deviceLogin(ctx context.Context) (string, error) {
	p, err := l.discover(ctx)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, l.cfg.timeout)
	defer cancel()
	conf := l.oauthConfig(p, "")
	da, err := conf.DeviceAuth(l.oauthContext(ctx))
	if err != nil {
		return "", l.requestError(ctx, "device authorization", err)
	}
	dc := DeviceCode{
		VerificationURI:         da.VerificationURI,
		VerificationURIComplete: da.VerificationURIComplete,
		UserCode:                da.UserCode,
		Expiry:                  da.Expiry,
	}
	if err := checkDeviceCode(da.DeviceCode, dc); err != nil {
		return "", &LoginError{Step: "device authorization", Err: err}
	}
	if err := l.cfg.prompt(ctx, dc); err != nil {
		return "", &LoginError{Step: "device prompt", Err: err}
	}
	tok, err := conf.DeviceAccessToken(l.oauthContext(ctx), da)
	if err != nil {
		// x/oauth2 polls under a deadline at the code's expiry.
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && !da.Expiry.IsZero() && !time.Now().Before(da.Expiry) {
			return "", &LoginError{Step: "device token", Err: fmt.Errorf("%w (its expires_in passed)", ErrLoginExpired)}
		}
		return "", l.requestError(ctx, "device token", err)
	}
	return l.checkToken(tok, "")
}

// checkDeviceCode refuses a device authorization response that cannot be
// shown safely: missing fields, URIs that are not http(s), codes with
// control characters (terminal escapes) or of absurd size.
func checkDeviceCode(deviceCode string, dc DeviceCode) error {
	bad := func(what string) error { return fmt.Errorf("%w: device authorization: %s", ErrProviderResponse, what) }
	if deviceCode == "" || len(deviceCode) > 4096 {
		return bad("no device_code, or one longer than 4096 bytes")
	}
	if dc.UserCode == "" || len(dc.UserCode) > 64 || !printable(dc.UserCode) {
		return bad("user_code missing, longer than 64 bytes or not printable ASCII")
	}
	if !showableURL(dc.VerificationURI) {
		return bad("verification_uri missing or not an http(s) URL of printable ASCII, at most 2048 bytes")
	}
	if dc.VerificationURIComplete != "" && !showableURL(dc.VerificationURIComplete) {
		return bad("verification_uri_complete is not an http(s) URL of printable ASCII, at most 2048 bytes")
	}
	return nil
}

func showableURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(s) <= 2048 && printable(s)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func (l *Login) oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, l.cfg.hc)
}

// requestError turns an error of x/oauth2 into a *LoginError. It never
// wraps the *oauth2.RetrieveError itself: its message can quote the
// response body.
func (l *Login) requestError(ctx context.Context, step string, err error) error {
	var re *oauth2.RetrieveError
	switch {
	case errors.Is(err, errInsecureRedirect):
		return &LoginError{Step: step, Err: fmt.Errorf("%w: %v", ErrProviderResponse, err)}
	case errors.As(err, &re) && re.ErrorCode != "":
		return oauthError(step, re.ErrorCode, re.ErrorDescription)
	case errors.As(err, &re):
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if status >= 500 || status == http.StatusTooManyRequests {
			return &LoginError{Step: step, Err: fmt.Errorf("%w: HTTP %d", ErrProviderUnavailable, status)}
		}
		return &LoginError{Step: step, Err: fmt.Errorf("%w: HTTP %d without an OAuth error", ErrProviderResponse, status)}
	case ctx.Err() != nil:
		return &LoginError{Step: step, Err: errors.Join(ErrLoginTimeout, ctx.Err())}
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) {
		return &LoginError{Step: step, Err: errors.Join(ErrProviderUnavailable, err)}
	}
	// x/oauth2's own messages (a token response it cannot parse, a missing
	// access_token) describe structure, not content.
	return &LoginError{Step: step, Err: fmt.Errorf("%w: %v", ErrProviderResponse, err)}
}

// oauthError maps an OAuth error code to its sentinel.
func oauthError(step, code, desc string) *LoginError {
	e := &LoginError{Step: step, OAuthError: shorten(code, 64), Description: shorten(desc, 200)}
	switch code {
	case "access_denied":
		e.Err = ErrLoginDenied
	case "expired_token":
		e.Err = ErrLoginExpired
	case "temporarily_unavailable", "server_error":
		e.Err = ErrProviderUnavailable
	default:
		e.Err = ErrLoginRefused
	}
	return e
}

// shorten keeps the printable ASCII of s, at most n bytes.
func shorten(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if s[i] >= 0x20 && s[i] <= 0x7e {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// checkToken takes the ID token out of a token response and checks it:
// issuer, audience (the client ID), expiry, and the nonce if one was sent.
func (l *Login) checkToken(tok *oauth2.Token, nonce string) (string, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", &LoginError{Step: "id token", Err: fmt.Errorf("%w: the token response has no id_token (was the openid scope granted?)", ErrProviderResponse)}
	}
	c, err := oidctoken.ParseAndCheck(raw, l.cfg.clientID, time.Now())
	if err == nil {
		err = c.CheckIssued(l.cfg.issuer, nonce)
	}
	if err != nil {
		return "", &LoginError{Step: "id token", Err: err}
	}
	return raw, nil
}

// OpenBrowser opens url in the person's default browser: xdg-open on Linux
// and the BSDs (which needs a desktop session: DISPLAY or WAYLAND_DISPLAY),
// open on macOS, the URL handler on Windows. It fails when there is no
// browser to open, which makes [NewBrowserLogin] fall back to out-of-band
// code entry.
func OpenBrowser(url string) error { return openBrowser(url) }

// terminalCodePrompt is the default out-of-band code entry.
func terminalCodePrompt(ctx context.Context, authURL string) (string, error) {
	fmt.Fprintf(os.Stderr, "Cannot open a browser. Open this URL on any device to sign in:\n\n  %s\n\nEnter the code the provider shows: ", authURL)
	return readLine(ctx, os.Stdin)
}

// terminalDevicePrompt is the default device prompt.
func terminalDevicePrompt(_ context.Context, c DeviceCode) error {
	if c.VerificationURIComplete != "" {
		fmt.Fprintf(os.Stderr, "To sign in, open\n\n  %s\n\nand check that it shows the code %s\n", c.VerificationURIComplete, c.UserCode)
	} else {
		fmt.Fprintf(os.Stderr, "To sign in, open\n\n  %s\n\nand enter the code %s\n", c.VerificationURI, c.UserCode)
	}
	return nil
}
