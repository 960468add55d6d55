package signer_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/fulcioclient"
	"github.com/sigil-dev/sigil/internal/oidctoken"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// A Fulcio is what package sign asks keyless signing for. (signer cannot
// import sign; this external test can.)
var _ sign.CertificateProvider = (*signer.Fulcio)(nil)

// fast keeps retries quick in tests.
var fast = signer.WithBackoff(time.Millisecond, 2*time.Millisecond)

func newClient(t *testing.T, f *testFulcio, tokens signer.TokenSource, opts ...signer.ServiceOption) *signer.Fulcio {
	t.Helper()
	c, err := signer.NewFulcio(f.ca.trustedRoot(t), f.URL, tokens, append([]signer.ServiceOption{fast}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFulcioCertificate(t *testing.T) {
	f := newTestFulcio(t)
	rsaKey := must(rsa.GenerateKey(rand.Reader, 2048))
	keys := map[string]crypto.Signer{
		"P-256":   must(signer.Generate(signer.ECDSAP256)),
		"P-384":   must(signer.Generate(signer.ECDSAP384)),
		"P-521":   must(signer.Generate(signer.ECDSAP521)),
		"Ed25519": must(signer.Generate(signer.Ed25519)),
		"RSA":     rsaKey,
		"opaque":  opaqueSigner{must(signer.Generate(signer.ECDSAP256))},
	}
	for _, form := range []string{"csr", "publicKey"} {
		for name, key := range keys {
			t.Run(form+"/"+name, func(t *testing.T) {
				var opts []signer.ServiceOption
				if form == "publicKey" {
					opts = append(opts, signer.WithFulcioProofOfPossession())
				}
				c := newClient(t, f, signer.StaticToken(mintToken(t)), opts...)
				chain, err := c.Certificate(context.Background(), credOf(key))
				if err != nil {
					t.Fatal(err)
				}
				if f.lastForm != form {
					t.Errorf("sent a %s request, want %s", f.lastForm, form)
				}
				if len(chain) != 2 || !chain[1].Equal(f.ca.inter) {
					t.Fatalf("%d certificates, want the leaf and the intermediate", len(chain))
				}
				if got := chain[0].EmailAddresses; len(got) != 1 || got[0] != "alice@example.com" {
					t.Errorf("leaf SAN %v", got)
				}
				// What Certificate returns makes a credential.
				if _, err := signer.FromCertificateChain(key, chain); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// badSigner returns signatures that do not verify.
type badSigner struct{ crypto.Signer }

func (b badSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := b.Signer.Sign(r, digest, opts)
	if err == nil {
		sig[len(sig)-1] ^= 1
	}
	return sig, err
}

// opaqueSigner hides the key's type, as an HSM or KMS key does.
type opaqueSigner struct{ crypto.Signer }

// A CI token has no email: the proof of possession signs the subject, as
// Fulcio checks for non-email issuers.
func TestFulcioProofOfPossessionCI(t *testing.T) {
	f := newTestFulcio(t)
	tok := mintToken(t, "iss", "https://ci.sigil.test", "sub", "repo:org/app:ref:refs/heads/main", "email", nil)
	c := newClient(t, f, signer.StaticToken(tok), signer.WithFulcioProofOfPossession())
	if _, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); err != nil {
		t.Fatal(err)
	}
}

func TestFulcioInvalidResponses(t *testing.T) {
	other := newTestCA("Other")
	for _, tc := range []struct {
		name  string
		spoil func(f *testFulcio)
		want  error
	}{
		{"key mismatch", func(f *testFulcio) {
			f.keyFor = func(crypto.PublicKey) crypto.PublicKey {
				return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).Public()
			}
		}, fulcioclient.ErrKeyMismatch},
		{"untrusted CA", func(f *testFulcio) { f.issuer = other }, fulcioclient.ErrUntrustedChain},
		{"bad SCT", func(f *testFulcio) { f.leaf.badSCT = true }, fulcioclient.ErrInvalidSCT},
		{"no codeSigning", func(f *testFulcio) { f.leaf.noCodeSigning = true }, fulcioclient.ErrNotCodeSigning},
		{"detached SCT", func(f *testFulcio) {
			f.respond = func(chain []string) any {
				return map[string]any{"signedCertificateDetachedSct": map[string]any{
					"chain": map[string]any{"certificates": chain}, "signedCertificateTimestamp": "AAAA"}}
			}
		}, fulcioclient.ErrDetachedSCT},
		{"not JSON", func(f *testFulcio) { f.respond = func([]string) any { return "<html>" } }, fulcioclient.ErrMalformed},
		{"root swapped", func(f *testFulcio) {
			f.respond = func(chain []string) any {
				chain[2] = pemCert(other.root)
				return map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}}
			}
		}, fulcioclient.ErrUntrustedChain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFulcio(t)
			tc.spoil(f)
			tok := mintToken(t)
			c := newClient(t, f, signer.StaticToken(tok))
			chain, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256))))
			if chain != nil || !errors.Is(err, signer.ErrInvalidCertificateResponse) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			noToken(t, err, tok)
		})
	}
	// Without SCTs the leaf passes: the verifier's threshold decides.
	f := newTestFulcio(t)
	f.leaf.noSCT = true
	if _, err := newClient(t, f, signer.StaticToken(mintToken(t))).Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); err != nil {
		t.Errorf("leaf without SCTs: %v", err)
	}
}

func noToken(t *testing.T, err error, tok string) {
	t.Helper()
	for _, part := range strings.Split(tok, ".") {
		if len(part) >= 8 && strings.Contains(err.Error(), part) {
			t.Fatalf("error %q quotes the token", err)
		}
	}
}

func TestFulcioInvalidTokens(t *testing.T) {
	f := newTestFulcio(t)
	for _, tc := range []struct {
		name string
		tok  string
		opts []signer.ServiceOption
		want error
	}{
		{"expired", mintToken(t, "exp", time.Now().Add(-10*time.Minute).Unix()), nil, oidctoken.ErrExpired},
		{"not yet valid", mintToken(t, "nbf", time.Now().Add(10*time.Minute).Unix()), nil, oidctoken.ErrNotYetValid},
		{"wrong audience", mintToken(t, "aud", "other"), nil, oidctoken.ErrAudience},
		{"default audience with WithFulcioAudience", mintToken(t), []signer.ServiceOption{signer.WithFulcioAudience("other")}, oidctoken.ErrAudience},
		{"no subject", mintToken(t, "sub", nil), nil, oidctoken.ErrMissingClaim},
		{"no issuer", mintToken(t, "iss", nil), nil, oidctoken.ErrMissingClaim},
		{"malformed", "not-a-token", nil, oidctoken.ErrMalformed},
		{"truncated", mintToken(t)[:40], nil, oidctoken.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.Calls()
			c := newClient(t, f, signer.StaticToken(tc.tok), tc.opts...)
			_, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256))))
			if !errors.Is(err, signer.ErrInvalidToken) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			noToken(t, err, tc.tok)
			if f.Calls() != before {
				t.Error("an invalid token was sent to Fulcio")
			}
		})
	}
	c := newClient(t, f, signer.StaticToken(mintToken(t, "aud", []string{"other", "x"})), signer.WithFulcioAudience("other"))
	if _, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); err != nil {
		t.Errorf("WithFulcioAudience(other): %v", err)
	}
}

func TestFulcioHTTP(t *testing.T) {
	key := must(signer.Generate(signer.ECDSAP256))
	t.Run("500 then success", func(t *testing.T) {
		f := newTestFulcio(t)
		f.statuses = []int{http.StatusInternalServerError, http.StatusServiceUnavailable}
		if _, err := newClient(t, f, signer.StaticToken(mintToken(t))).Certificate(context.Background(), credOf(key)); err != nil {
			t.Fatal(err)
		}
		if f.Calls() != 3 {
			t.Errorf("%d calls, want 3", f.Calls())
		}
	})
	t.Run("500 until out of attempts", func(t *testing.T) {
		f := newTestFulcio(t)
		f.statuses = []int{500, 500, 500}
		_, err := newClient(t, f, signer.StaticToken(mintToken(t)), signer.WithRetries(2)).Certificate(context.Background(), credOf(key))
		var se *signer.ServiceError
		if !errors.As(err, &se) || se.StatusCode != 500 || se.Attempts != 2 || se.Service != "fulcio" || f.Calls() != 2 {
			t.Fatalf("got %v after %d calls", err, f.Calls())
		}
	})
	for _, code := range []int{http.StatusUnauthorized, http.StatusBadRequest} {
		t.Run(http.StatusText(code)+" not retried", func(t *testing.T) {
			f := newTestFulcio(t)
			f.statuses = []int{code}
			tok := mintToken(t)
			_, err := newClient(t, f, signer.StaticToken(tok)).Certificate(context.Background(), credOf(key))
			var se *signer.ServiceError
			if !errors.As(err, &se) || se.StatusCode != code || f.Calls() != 1 {
				t.Fatalf("got %v after %d calls, want one %d", err, f.Calls(), code)
			}
			noToken(t, err, tok)
		})
	}
	t.Run("context canceled", func(t *testing.T) {
		f := newTestFulcio(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := newClient(t, f, signer.StaticToken(mintToken(t))).Certificate(ctx, credOf(key))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestFulcioKeysAndSources(t *testing.T) {
	f := newTestFulcio(t)
	c := newClient(t, f, signer.StaticToken(mintToken(t)))
	p224 := must(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))
	// A Credential holds only allowed keys: a P-224 key never reaches Fulcio.
	if _, err := signer.FromKey(p224); !errors.Is(err, signer.ErrUnsupportedKey) {
		t.Errorf("P-224 key: %v", err)
	}
	if _, err := c.Certificate(context.Background(), nil); err == nil {
		t.Error("nil credential accepted")
	}
	boom := errors.New("boom")
	c = newClient(t, f, signer.TokenFunc(func(context.Context) (string, error) { return "", boom }))
	if _, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); !errors.Is(err, boom) {
		t.Errorf("token source error: %v", err)
	}
	// A key whose Sign method returns a bad proof of possession is caught
	// before the request.
	before := f.Calls()
	c = newClient(t, f, signer.StaticToken(mintToken(t)), signer.WithFulcioProofOfPossession())
	if _, err := c.Certificate(context.Background(), credOf(badSigner{must(signer.Generate(signer.ECDSAP256))})); err == nil || f.Calls() != before {
		t.Errorf("bad proof of possession: %v, %d requests", err, f.Calls()-before)
	}
	var zero signer.Fulcio
	if _, err := zero.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); err == nil {
		t.Error("zero Fulcio worked")
	}
}

func TestNewFulcio(t *testing.T) {
	f := newTestFulcio(t)
	root := f.ca.trustedRoot(t)
	empty := must(trustroot.ParseJSON([]byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)))
	tokens := signer.StaticToken("x")
	for _, tc := range []struct {
		name   string
		root   *trustroot.TrustedRoot
		url    string
		tokens signer.TokenSource
		opts   []signer.ServiceOption
		want   string
	}{
		{"nil root", nil, f.URL, tokens, nil, "nil trusted root"},
		{"no CA", empty, f.URL, tokens, nil, "no certificate authority"},
		{"nil tokens", root, f.URL, nil, nil, "nil TokenSource"},
		{"bad URL", root, "fulcio.example", tokens, nil, "base URL"},
		{"URL with query", root, f.URL + "?x=1", tokens, nil, "base URL"},
		{"ftp URL", root, "ftp://fulcio.example", tokens, nil, "base URL"},
		{"nil option", root, f.URL, tokens, []signer.ServiceOption{nil}, "option 0 is nil"},
		{"retries 0", root, f.URL, tokens, []signer.ServiceOption{signer.WithRetries(0)}, "WithRetries(0)"},
		{"retries 11", root, f.URL, tokens, []signer.ServiceOption{signer.WithRetries(11)}, "WithRetries(11)"},
		{"timeout", root, f.URL, tokens, []signer.ServiceOption{signer.WithTimeout(0)}, "WithTimeout(0s)"},
		{"backoff", root, f.URL, tokens, []signer.ServiceOption{signer.WithBackoff(time.Second, time.Millisecond)}, "WithBackoff"},
		{"nil client", root, f.URL, tokens, []signer.ServiceOption{signer.WithHTTPClient(nil)}, "nil client"},
		{"empty audience", root, f.URL, tokens, []signer.ServiceOption{signer.WithFulcioAudience("")}, "WithFulcioAudience"},
		{"twice", root, f.URL, tokens, []signer.ServiceOption{signer.WithRetries(2), signer.WithRetries(3)}, "WithRetries given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signer.NewFulcio(tc.root, tc.url, tc.tokens, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	c, err := signer.NewFulcio(root, f.URL+"/", signer.StaticToken(mintToken(t)),
		signer.WithHTTPClient(f.Client()), signer.WithTimeout(5*time.Second), signer.WithRetries(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))); err != nil {
		t.Errorf("trailing slash and options: %v", err)
	}
}

func TestTokenSources(t *testing.T) {
	ctx := context.Background()
	tok := mintToken(t)
	if got, err := signer.StaticToken(tok).IDToken(ctx); err != nil || got != tok {
		t.Errorf("StaticToken: %v", err)
	}

	path := filepath.Join(t.TempDir(), "token")
	src := signer.TokenFile(path)
	if _, err := src.IDToken(ctx); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	tok2 := mintToken(t)
	for _, want := range []string{tok, tok2} {
		if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := src.IDToken(ctx); err != nil || got != want {
			t.Errorf("TokenFile: %v (not re-read?)", err)
		}
	}

	t.Setenv("SIGSTORE_ID_TOKEN", "")
	if _, err := signer.TokenFromEnv().IDToken(ctx); err == nil || !strings.Contains(err.Error(), "SIGSTORE_ID_TOKEN") {
		t.Errorf("TokenFromEnv unset: %v", err)
	}
	t.Setenv("SIGSTORE_ID_TOKEN", tok)
	if got, err := signer.TokenFromEnv().IDToken(ctx); err != nil || got != tok {
		t.Errorf("TokenFromEnv: %v", err)
	}

	t.Setenv(oidctoken.GitHubRequestURLEnv, "")
	if _, err := signer.GitHubActionsToken().IDToken(ctx); err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("GitHubActionsToken outside Actions: %v", err)
	}
	gh := newGitHubTokenServer(t, tok)
	t.Setenv(oidctoken.GitHubRequestURLEnv, gh+"?api-version=2.0")
	t.Setenv(oidctoken.GitHubRequestTokenEnv, "bearer-secret")
	if got, err := signer.GitHubActionsToken().IDToken(ctx); err != nil || got != tok {
		t.Errorf("GitHubActionsToken: %v", err)
	}
}

func newGitHubTokenServer(t *testing.T, tok string) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer bearer-secret" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"count":1,"value":"` + tok + `"}`))
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func TestTokenIdentity(t *testing.T) {
	iss, sub, email, err := signer.TokenIdentity(mintToken(t))
	if err != nil || iss != "https://accounts.sigil.test" || sub != "alice" || email != "alice@example.com" {
		t.Errorf("TokenIdentity = %q %q %q %v", iss, sub, email, err)
	}
	// Expired tokens still have an identity to show.
	if _, _, _, err := signer.TokenIdentity(mintToken(t, "exp", 1)); err != nil {
		t.Error(err)
	}
	if _, _, _, err := signer.TokenIdentity(mintToken(t, "sub", nil)); !errors.Is(err, signer.ErrInvalidToken) {
		t.Errorf("no subject: %v", err)
	}
	if _, _, _, err := signer.TokenIdentity("x.y.z"); !errors.Is(err, signer.ErrInvalidToken) {
		t.Errorf("garbage: %v", err)
	}
}

// A certificate is reused for the same key and token while it has more
// than ReuseMargin left; another key or another token gets a new one, and
// so does a certificate about to expire.
func TestFulcioCertificateReuse(t *testing.T) {
	f := newTestFulcio(t)
	tok := mintToken(t)
	c := newClient(t, f, signer.StaticToken(tok))
	key := must(signer.Generate(signer.ECDSAP256))
	first := must(c.Certificate(context.Background(), credOf(key)))
	again := must(c.Certificate(context.Background(), credOf(key)))
	if f.Calls() != 1 || !again[0].Equal(first[0]) {
		t.Fatalf("second call for the same key and token: %d requests, same leaf %v", f.Calls(), again[0].Equal(first[0]))
	}
	// The returned slice is the caller's own.
	again[0] = nil
	if third := must(c.Certificate(context.Background(), credOf(key))); third[0] == nil || f.Calls() != 1 {
		t.Fatalf("cached chain was modified through a returned slice, or re-requested (%d requests)", f.Calls())
	}

	must(c.Certificate(context.Background(), credOf(must(signer.Generate(signer.ECDSAP256)))))
	if f.Calls() != 2 {
		t.Fatalf("another key: %d requests, want 2", f.Calls())
	}
	other := newClient(t, f, signer.StaticToken(mintToken(t, "email", "bob@example.com")))
	if got := must(other.Certificate(context.Background(), credOf(key))); f.Calls() != 3 || got[0].EmailAddresses[0] != "bob@example.com" {
		t.Fatalf("another token: %d requests, SAN %v", f.Calls(), got[0].EmailAddresses)
	}

	// A leaf with less than ReuseMargin left is not reused.
	f.mu.Lock()
	f.leaf = leafOptions{validity: signer.ReuseMargin / 2}
	f.mu.Unlock()
	short := newClient(t, f, signer.StaticToken(tok))
	k2 := must(signer.Generate(signer.ECDSAP256))
	must(short.Certificate(context.Background(), credOf(k2)))
	must(short.Certificate(context.Background(), credOf(k2)))
	if f.Calls() != 5 {
		t.Fatalf("short-lived leaf: %d requests, want 5", f.Calls())
	}
}
