package oidctoken

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/samples"
)

var now = time.Date(2026, 11, 22, 3, 33, 0, 0, time.UTC)

// mint signs claims with a fresh ES256 key.
func mint(t testing.TB, claims map[string]any) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func goodClaims() map[string]any {
	return map[string]any{
		"iss": "https://issuer.example", "sub": "alice", "email": "alice@example.com",
		"aud": "sigstore", "exp": now.Add(5 * time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(),
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
		} else {
			m[kv[i].(string)] = kv[i+1]
		}
	}
	return m
}

// sampleToken returns the ID token of a request recorded from Fulcio v1.8.8.
func sampleToken(t *testing.T, name string) string {
	t.Helper()
	data := samples.Read(t, name)
	var req struct {
		Credentials struct {
			OIDCIdentityToken string `json:"oidcIdentityToken"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	return req.Credentials.OIDCIdentityToken
}

func TestRecordedTokens(t *testing.T) {
	recorded := time.Date(2026, 11, 22, 3, 33, 0, 0, time.UTC)
	for _, tc := range []struct {
		file, iss, sub, email, challenge string
	}{
		{"fulcio-csr-request.json", "http://127.0.0.1:8088", "alice", "alice@example.com", "alice@example.com"},
		{"fulcio-pubkey-request.json", "http://127.0.0.1:8089", "repo:org/app", "", "repo:org/app"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			tok := sampleToken(t, tc.file)
			c, err := ParseAndCheck(tok, DefaultAudience, recorded)
			if err != nil {
				t.Fatal(err)
			}
			if c.Issuer != tc.iss || c.Subject != tc.sub || c.Email != tc.email || c.Challenge() != tc.challenge {
				t.Errorf("claims %+v, challenge %q", c, c.Challenge())
			}
			// The recorded tokens have expired since.
			err = c.Check(DefaultAudience, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrExpired) {
				t.Fatalf("later: %v, want ErrExpired", err)
			}
			if strings.Contains(err.Error(), tok) {
				t.Error("error quotes the token")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		claims map[string]any
		want   error
	}{
		{"good", goodClaims(), nil},
		{"audience list", with(goodClaims(), "aud", []string{"other", "sigstore"}), nil},
		{"no email", with(goodClaims(), "email", nil), nil},
		{"no nbf", with(goodClaims(), "nbf", nil), nil},
		{"within leeway after exp", with(goodClaims(), "exp", now.Add(-30*time.Second).Unix()), nil},
		{"within leeway before nbf", with(goodClaims(), "nbf", now.Add(30*time.Second).Unix()), nil},
		{"expired", with(goodClaims(), "exp", now.Add(-2*time.Minute).Unix()), ErrExpired},
		{"not yet valid", with(goodClaims(), "nbf", now.Add(2*time.Minute).Unix()), ErrNotYetValid},
		{"wrong audience", with(goodClaims(), "aud", "other"), ErrAudience},
		{"no audience", with(goodClaims(), "aud", nil), ErrAudience},
		{"no issuer", with(goodClaims(), "iss", nil), ErrMissingClaim},
		{"no subject", with(goodClaims(), "sub", ""), ErrMissingClaim},
		{"no expiry", with(goodClaims(), "exp", nil), ErrMissingClaim},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mint(t, tc.claims)
			_, err := ParseAndCheck(tok, DefaultAudience, now)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			noSecret(t, err, tok)
		})
	}
}

func noSecret(t *testing.T, err error, tok string) {
	t.Helper()
	msg := err.Error()
	for _, part := range strings.Split(tok, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Fatalf("error %q quotes part of the token", msg)
		}
	}
}

func TestMalformed(t *testing.T) {
	good := mint(t, goodClaims())
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	hs256 := func() string {
		h := b64([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + parts[1]
		m := hmac.New(sha256.New, []byte("secret"))
		m.Write([]byte(h))
		return h + "." + b64(m.Sum(nil))
	}()
	for _, tc := range []struct{ name, tok string }{
		{"empty", ""},
		{"spaces", " \n"},
		{"two parts", parts[0] + "." + parts[1]},
		{"four parts", good + ".x"},
		{"bad base64 header", "!!!." + parts[1] + "." + parts[2]},
		{"bad base64 payload", parts[0] + ".!!!." + parts[2]},
		{"payload not JSON", parts[0] + "." + b64([]byte("not json")) + "." + parts[2]},
		{"alg none", b64([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."},
		{"alg HS256", hs256},
		{"exp a string", parts[0] + "." + b64([]byte(`{"iss":"a","sub":"b","aud":"sigstore","exp":"soon"}`)) + "." + parts[2]},
		{"too large", parts[0] + "." + strings.Repeat("A", MaxSize) + "." + parts[2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.tok)
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %v, want ErrMalformed", err)
			}
			noSecret(t, err, tc.tok)
		})
	}
	// Surrounding white space, as a token file has it, is fine.
	if _, err := ParseAndCheck(" "+good+"\n", DefaultAudience, now); err != nil {
		t.Fatal(err)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "token")
	tok1, tok2 := mint(t, goodClaims()), mint(t, goodClaims())
	if err := os.WriteFile(p, []byte(tok1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(p); err != nil || got != tok1 {
		t.Fatalf("ReadFile = %v", err)
	}
	if err := os.WriteFile(p, []byte(tok2), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(p); err != nil || got != tok2 {
		t.Fatalf("ReadFile after rewrite = %v, want the new token", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big); !errors.Is(err, ErrMalformed) {
		t.Errorf("oversized file: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(empty); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("SIGIL_TEST_TOKEN", "")
	if _, err := Env("SIGIL_TEST_TOKEN"); err == nil || !strings.Contains(err.Error(), "SIGIL_TEST_TOKEN") {
		t.Errorf("unset: %v", err)
	}
	t.Setenv("SIGIL_TEST_TOKEN", " tok\n")
	if got, err := Env("SIGIL_TEST_TOKEN"); err != nil || got != "tok" {
		t.Errorf("Env = %q, %v", got, err)
	}
}

func TestGitHubActions(t *testing.T) {
	const bearer = "request-token-secret-1234"
	idToken := mint(t, goodClaims())
	var calls atomic.Int32
	status := []int{http.StatusInternalServerError, http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if got := r.Header.Get("Authorization"); got != "bearer "+bearer {
			t.Errorf("Authorization %q", got)
		}
		if r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0" {
			t.Errorf("query %q", r.URL.RawQuery)
		}
		code := status[min(int(n), len(status))-1]
		w.WriteHeader(code)
		if code == http.StatusOK {
			json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": idToken})
		}
	}))
	defer srv.Close()
	client := &httpx.Client{Service: "github", BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	ctx := context.Background()

	t.Setenv(GitHubRequestURLEnv, "")
	t.Setenv(GitHubRequestTokenEnv, "")
	if _, err := GitHubActions(ctx, client, "sigstore"); !errors.Is(err, ErrNoGitHubActions) {
		t.Fatalf("no environment: %v", err)
	}

	t.Setenv(GitHubRequestURLEnv, srv.URL+"/token?api-version=2.0")
	t.Setenv(GitHubRequestTokenEnv, bearer)
	got, err := GitHubActions(ctx, client, "sigstore")
	if err != nil || got != idToken {
		t.Fatalf("GitHubActions: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (500 retried)", calls.Load())
	}

	calls.Store(0)
	status = []int{http.StatusUnauthorized, http.StatusOK}
	_, err = GitHubActions(ctx, client, "sigstore")
	var herr *httpx.Error
	if !errors.As(err, &herr) || herr.StatusCode != http.StatusUnauthorized || calls.Load() != 1 {
		t.Fatalf("401: %v after %d calls, want one unretried 401", err, calls.Load())
	}
	if strings.Contains(err.Error(), bearer) {
		t.Error("error quotes the request token")
	}
}

func TestGitHubActionsBadBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"value": 42, "secret": "eyJsecret"}`))
	}))
	defer srv.Close()
	t.Setenv(GitHubRequestURLEnv, srv.URL+"/token")
	t.Setenv(GitHubRequestTokenEnv, "x")
	_, err := GitHubActions(context.Background(), &httpx.Client{}, "sigstore")
	if err == nil || strings.Contains(err.Error(), "eyJsecret") {
		t.Fatalf("got %v", err)
	}
}

func TestCheckIssued(t *testing.T) {
	iss := goodClaims()["iss"].(string)
	for _, tc := range []struct {
		name          string
		claims        map[string]any
		issuer, nonce string
		want          error
	}{
		{"issuer and nonce", with(goodClaims(), "nonce", "n-1"), iss, "n-1", nil},
		{"no nonce asked", goodClaims(), iss, "", nil},
		{"other issuer", goodClaims(), "https://other.example", "", ErrIssuer},
		{"issuer with a trailing slash", goodClaims(), iss + "/", "", ErrIssuer},
		{"nonce missing", goodClaims(), iss, "n-1", ErrNonce},
		{"other nonce", with(goodClaims(), "nonce", "n-2"), iss, "n-1", ErrNonce},
		{"nonce prefix", with(goodClaims(), "nonce", "n-"), iss, "n-1", ErrNonce},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(mint(t, tc.claims))
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckIssued(tc.issuer, tc.nonce)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want %v wrapped with ErrInvalid", err, tc.want)
			}
			if tc.nonce != "" && strings.Contains(err.Error(), tc.nonce) {
				t.Errorf("error %q quotes the nonce", err)
			}
		})
	}
}
