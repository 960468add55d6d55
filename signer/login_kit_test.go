package signer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testProvider is an httptest stand-in for an OIDC provider with the
// endpoints a Login uses: discovery, authorization (which "signs the user
// in" at once and redirects back), token (authorization code with PKCE
// S256, and the device grant) and device authorization. Its knobs make it
// misbehave the ways real providers and attackers do. The integration tests
// in internal/integration run the same logins against a real provider.
type testProvider struct {
	*httptest.Server
	key   *ecdsa.PrivateKey
	email string

	mu sync.Mutex
	// browser flow
	authError    string // redirect back with this OAuth error
	wrongState   bool   // redirect back with another state
	dropVerifier bool   // remember another code challenge: PKCE fails
	nonce        string // put this nonce in ID tokens instead of the request's
	tokenIssuer  string // put this issuer in ID tokens
	tokenDelay   time.Duration
	// tokenRedirect answers token requests with a 307 to this URL (the
	// client re-sends the form, code and verifier included, if it follows)
	tokenRedirect string
	codes         map[string]authRequest
	// device flow
	interval  int
	expiresIn int
	userCode  string
	slowDowns int    // answer slow_down to this many polls first
	pending   int    // then authorization_pending to this many
	outcome   string // then: "" (a token), or an OAuth error code
	rawDevice []byte // answer device authorization requests with this body
	devices   map[string]*deviceRequest
	polls     []time.Time
	// counters
	logins int
	issued []string // codes and tokens handed out: must never appear in errors
}

type authRequest struct {
	challenge, nonce, redirect string
}

type deviceRequest struct{ done bool }

func newTestProvider() *testProvider {
	p := &testProvider{
		key:       must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)),
		email:     "alice@example.com",
		codes:     map[string]authRequest{},
		devices:   map[string]*deviceRequest{},
		interval:  1,
		expiresIn: 60,
		userCode:  "WDJB-MJHT",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /auth", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("POST /device/code", p.deviceAuthorization)
	p.Server = httptest.NewServer(mux)
	return p
}

func (p *testProvider) set(f func(p *testProvider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *testProvider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                           p.URL,
		"authorization_endpoint":           p.URL + "/auth",
		"token_endpoint":                   p.URL + "/token",
		"device_authorization_endpoint":    p.URL + "/device/code",
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func randomCode() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize signs the user in at once and redirects to redirect_uri; the
// out-of-band redirect gets a page showing the code instead.
func (p *testProvider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != "sigstore" || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.logins++
	redirect := q.Get("redirect_uri")
	back := url.Values{"state": {q.Get("state")}}
	if p.wrongState {
		back.Set("state", "forged")
	}
	if p.authError != "" {
		back.Set("error", p.authError)
		back.Set("error_description", "the user said no")
	} else {
		code := randomCode()
		challenge := q.Get("code_challenge")
		if p.dropVerifier {
			challenge = "not-the-challenge"
		}
		p.codes[code] = authRequest{challenge: challenge, nonce: q.Get("nonce"), redirect: redirect}
		p.issued = append(p.issued, code)
		back.Set("code", code)
	}
	if redirect == "urn:ietf:wg:oauth:2.0:oob" {
		fmt.Fprintf(w, "Your code: %s\n", back.Get("code"))
		return
	}
	http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
}

func (p *testProvider) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	delay, redirect := p.tokenDelay, p.tokenRedirect
	p.mu.Unlock()
	if redirect != "" {
		http.Redirect(w, r, redirect, http.StatusTemporaryRedirect)
		return
	}
	time.Sleep(delay)
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.PostForm.Get("client_id") != "sigstore" {
		oauthFail(w, "invalid_client")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		code := r.PostForm.Get("code")
		req, ok := p.codes[code]
		delete(p.codes, code)
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok, req.redirect != r.PostForm.Get("redirect_uri"),
			base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge:
			oauthFail(w, "invalid_grant")
			return
		}
		nonce := req.nonce
		if p.nonce != "" {
			nonce = p.nonce
		}
		p.tokenResponse(w, nonce)
	case "urn:ietf:params:oauth:grant-type:device_code":
		d, ok := p.devices[r.PostForm.Get("device_code")]
		p.polls = append(p.polls, time.Now())
		switch {
		case !ok:
			oauthFail(w, "invalid_grant")
		case p.slowDowns > 0:
			p.slowDowns--
			oauthFail(w, "slow_down")
		case p.pending > 0:
			p.pending--
			oauthFail(w, "authorization_pending")
		case p.outcome != "":
			oauthFail(w, p.outcome)
		case d.done:
			oauthFail(w, "invalid_grant")
		default:
			d.done = true
			p.tokenResponse(w, "")
		}
	default:
		oauthFail(w, "unsupported_grant_type")
	}
}

func (p *testProvider) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	if r.PostForm.Get("client_id") != "sigstore" {
		oauthFail(w, "invalid_client")
		return
	}
	p.logins++
	if p.rawDevice != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Write(p.rawDevice)
		return
	}
	code := randomCode()
	p.devices[code] = &deviceRequest{}
	p.issued = append(p.issued, code)
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 p.userCode,
		"verification_uri":          p.URL + "/device",
		"verification_uri_complete": p.URL + "/device?user_code=" + url.QueryEscape(p.userCode),
		"expires_in":                p.expiresIn,
		"interval":                  p.interval,
	})
}

// tokenResponse answers with an ID token for the provider's user.
func (p *testProvider) tokenResponse(w http.ResponseWriter, nonce string) {
	iss := p.URL
	if p.tokenIssuer != "" {
		iss = p.tokenIssuer
	}
	sig := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: p.key}, nil))
	now := time.Now()
	claims := map[string]any{
		"iss": iss, "sub": "user-1", "aud": "sigstore",
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"email": p.email, "email_verified": true,
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	idToken := must(jwt.Signed(sig).Claims(claims).Serialize())
	access := randomCode()
	p.issued = append(p.issued, idToken, access)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": 600, "id_token": idToken,
	})
}

func oauthFail(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": "test provider: " + code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// browser returns a stand-in for the person's browser: it fetches the
// authorization URL in the background, following the redirects back to the
// login's loopback listener, as a browser would. got receives the final
// page's status and body.
func browser(got chan<- string) func(string) error {
	return func(authURL string) error {
		go func() {
			resp, err := http.Get(authURL)
			if err != nil {
				got <- "error: " + err.Error()
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			got <- fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		}()
		return nil
	}
}
