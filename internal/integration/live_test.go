package integration_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/testservices"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const emailIssuerSAN = "alice@example.com"

// env is the running stack with its trusted root.
type env struct {
	s    *testservices.Stack
	root *trustroot.TrustedRoot
}

func setup(t *testing.T) *env {
	t.Helper()
	s := testservices.Require(t)
	root, err := trustroot.FromFile(s.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	return &env{s: s, root: root}
}

// fastRetries keeps fault tests short.
var fastRetries = []signer.ServiceOption{signer.WithRetries(4), signer.WithBackoff(20*time.Millisecond, 200*time.Millisecond)}

func (e *env) rekorV1(t *testing.T, url string) sign.TransparencyLog {
	return newLog(t, e.root, url, false)
}

func (e *env) rekorV2(t *testing.T, url string) sign.TransparencyLog {
	return newLog(t, e.root, url, true)
}

// newLog returns a client of the Rekor v1 or v2 log at url, listed in root.
func newLog(t *testing.T, root *trustroot.TrustedRoot, url string, v2 bool, opts ...signer.ServiceOption) sign.TransparencyLog {
	t.Helper()
	newRekor := sign.NewRekor
	if v2 {
		newRekor = sign.NewRekorV2
	}
	l, err := newRekor(root, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *env) tsa(t *testing.T, url string, opts ...signer.ServiceOption) sign.Timestamper {
	t.Helper()
	ts, err := sign.NewTimestampAuthority(e.root, url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// fulcio returns a certificate provider that asks the stack's Fulcio with a
// fresh token for alice@example.com each time.
func (e *env) fulcio(t *testing.T, opts ...signer.ServiceOption) *signer.Fulcio {
	t.Helper()
	tok, err := e.s.Token(t.Context(), "alice", emailIssuerSAN)
	if err != nil {
		t.Fatal(err)
	}
	f, err := signer.NewFulcio(e.root, e.s.FulcioURL, signer.StaticToken(tok), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// hsmKey hides a key's concrete type, as an HSM or KMS client does: only
// Public and Sign are reachable.
type hsmKey struct{ k crypto.Signer }

func (h hsmKey) Public() crypto.PublicKey { return h.k.Public() }
func (h hsmKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return h.k.Sign(r, d, o)
}

// newKey makes a key of an allowed algorithm: "p256", "p384", "p521",
// "ed25519", "rsa2048", "rsa3072".
func newKey(t *testing.T, kt string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kt {
	case "p256":
		k, err = signer.Generate(signer.ECDSAP256)
	case "p384":
		k, err = signer.Generate(signer.ECDSAP384)
	case "p521":
		k, err = signer.Generate(signer.ECDSAP521)
	case "ed25519":
		k, err = signer.Generate(signer.Ed25519)
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	default:
		t.Fatalf("unknown key type %q", kt)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func credential(t *testing.T, k crypto.Signer) *signer.Credential {
	t.Helper()
	c, err := signer.FromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var artifact = []byte("sigil integration test artifact\n")

var statement = &intoto.Statement{
	Subject:       []intoto.Subject{{Name: "artifact.txt", Digest: map[string]string{"sha256": fmt.Sprintf("%x", sha256.Sum256(artifact))}}},
	PredicateType: "https://slsa.dev/provenance/v1",
	Predicate:     []byte(`{"builder":{"id":"https://example.test/builder"}}`),
}

// signBoth signs the artifact as a message signature and the statement as
// a DSSE envelope.
func signBoth(t *testing.T, b *sign.BundleBuilder) map[string]*bundle.Bundle {
	t.Helper()
	msg, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatalf("SignArtifact: %v", err)
	}
	env, err := b.SignStatement(t.Context(), statement)
	if err != nil {
		t.Fatalf("SignStatement: %v", err)
	}
	return map[string]*bundle.Bundle{"message": msg, "dsse": env}
}

func signMessage(t *testing.T, b *sign.BundleBuilder) map[string]*bundle.Bundle {
	t.Helper()
	msg, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatalf("SignArtifact: %v", err)
	}
	return map[string]*bundle.Bundle{"message": msg}
}

// signUnsupportedDSSE checks that an envelope the log cannot record fails
// before anything is sent, saying so.
func signUnsupportedDSSE(t *testing.T, b *sign.BundleBuilder) {
	t.Helper()
	bun, err := b.SignStatement(t.Context(), statement)
	if bun != nil || !errors.Is(err, sign.ErrUnsupportedByLog) {
		t.Fatalf("got bundle %v, error %v; want sign.ErrUnsupportedByLog", bun != nil, err)
	}
	var se *signer.ServiceError
	if errors.As(err, &se) {
		t.Fatalf("the request was sent: %v", err)
	}
}

// roundTrip serialises b and parses it back, as a verifier elsewhere would
// receive it.
func roundTrip(t *testing.T, b *bundle.Bundle) *bundle.Bundle {
	t.Helper()
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out, err := bundle.Parse(data)
	if err != nil {
		t.Fatalf("parse of our own bundle: %v", err)
	}
	return out
}

func verifyAll(t *testing.T, v *verify.Verifier, bs map[string]*bundle.Bundle, p policy.Policy) map[string]*verify.Result {
	t.Helper()
	out := map[string]*verify.Result{}
	for kind, b := range bs {
		res, err := v.Verify(roundTrip(t, b), verify.ArtifactReader(bytes.NewReader(artifact)), p)
		if err != nil {
			t.Fatalf("%s bundle does not verify: %v", kind, err)
		}
		out[kind] = res
	}
	return out
}

func keyOnlyRoot(t *testing.T) *trustroot.TrustedRoot {
	t.Helper()
	r, err := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Stage 1: a long-lived key, no log, no timestamp. The verifier trusts the
// key and a root that lists no services, so it asks for nothing more.
func TestStage1KeyOnly(t *testing.T) {
	setup(t) // runs with the integration suite, although it needs no service
	k := newKey(t, "p256")
	cred := credential(t, hsmKey{k})
	b, err := sign.NewBundleBuilder(cred)
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(keyOnlyRoot(t), verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	for kind, res := range verifyAll(t, v, signBoth(t, b), policy.PublicKey(k.Public())) {
		if len(res.TlogEntries) != 0 || len(res.Timestamps) != 0 {
			t.Errorf("%s: key-only bundle reports %d entries, %d timestamps", kind, len(res.TlogEntries), len(res.Timestamps))
		}
	}
}

// Stage 2: a long-lived key and a Rekor v1 entry. The stack's root lists the
// log, so the verifier requires the entry; the SET's integrated time is the
// observer timestamp.
func TestStage2KeyRekorV1(t *testing.T) {
	e := setup(t)
	for _, kt := range []string{"p256", "p384", "p521", "ed25519", "rsa3072"} {
		t.Run(kt, func(t *testing.T) {
			k := newKey(t, kt)
			cred := credential(t, hsmKey{k})
			v, err := verify.New(e.root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()), verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
			if err != nil {
				t.Fatal(err)
			}
			b, err := sign.NewBundleBuilder(cred, sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithSelfCheck(v.SelfCheck()))
			if err != nil {
				t.Fatal(err)
			}
			if kt == "p384" || kt == "p521" {
				// Rekor v1 checks DSSE signatures over SHA-256 only.
				signUnsupportedDSSE(t, b)
				verifyAll(t, v, signMessage(t, b), policy.PublicKey(k.Public()))
				return
			}
			for kind, res := range verifyAll(t, v, signBoth(t, b), policy.PublicKey(k.Public())) {
				if len(res.TlogEntries) != 1 || res.TlogEntries[0].BaseURL != e.s.RekorV1URL || res.TlogEntries[0].IntegratedTime.IsZero() {
					t.Errorf("%s: log entries %+v", kind, res.TlogEntries)
				}
			}
		})
	}
}

// Stage 2 with Rekor v2: a long-lived key, a Rekor v2 entry (no integrated
// time) and an RFC 3161 timestamp from the TSA, which dates the signature.
func TestStage2KeyRekorV2TSA(t *testing.T) {
	e := setup(t)
	for _, kt := range []string{"p256", "p384", "ed25519", "rsa2048"} {
		t.Run(kt, func(t *testing.T) {
			k := newKey(t, kt)
			cred := credential(t, hsmKey{k})
			v, err := verify.New(e.root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()), verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
			if err != nil {
				t.Fatal(err)
			}
			b, err := sign.NewBundleBuilder(cred,
				sign.WithTimestamper(e.tsa(t, e.s.TSAURL)),
				sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)),
				sign.WithSelfCheck(v.SelfCheck()))
			if err != nil {
				t.Fatal(err)
			}
			// (Each artifact is signed once: RSA PKCS#1 v1.5 and Ed25519
			// signatures are deterministic, and Rekor v2 refuses a duplicate
			// entry with 409.)
			var bs map[string]*bundle.Bundle
			if kt == "ed25519" {
				// Rekor v2 logs the PAE's digest; pure Ed25519 signs the PAE.
				signUnsupportedDSSE(t, b)
				bs = signMessage(t, b)
			} else {
				bs = signBoth(t, b)
			}
			for kind, res := range verifyAll(t, v, bs, policy.PublicKey(k.Public())) {
				if len(res.TlogEntries) != 1 || res.TlogEntries[0].BaseURL != e.s.RekorV2URL || !res.TlogEntries[0].InclusionProof {
					t.Errorf("%s: log entries %+v", kind, res.TlogEntries)
				}
				if len(res.Timestamps) != 1 || res.Timestamps[0].Kind == "integrated-time" {
					t.Errorf("%s: timestamps %+v", kind, res.Timestamps)
				}
			}
		})
	}
}

// Stage 3: an existing long-lived key held behind crypto.Signer (as in an
// HSM) gets a Fulcio certificate for the signer's identity, and the
// signature goes to Rekor v1; verification applies an identity policy.
func TestStage3ExistingKeyFulcioCertificate(t *testing.T) {
	e := setup(t)
	k := hsmKey{newKey(t, "p256")}
	cred := credential(t, k)
	v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(cred,
		sign.WithCertificateProvider(e.fulcio(t)),
		sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)),
		sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	p := policy.Identity(e.s.OIDCURL, emailIssuerSAN)
	for kind, res := range verifyAll(t, v, signBoth(t, b), p) {
		if res.Signer.Certificate == nil || !res.Signer.Certificate.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
			t.Errorf("%s: certificate does not certify the existing key", kind)
		}
		if res.SCTs < 1 {
			t.Errorf("%s: %d SCTs verified", kind, res.SCTs)
		}
	}
	// The identity policy is enforced: another identity fails at the policy step.
	b0 := signBoth(t, b)["message"]
	_, err = v.Verify(b0, verify.ArtifactReader(bytes.NewReader(artifact)), policy.Identity(e.s.OIDCURL, "mallory@example.com"))
	assertStep(t, err, verify.StepPolicy)
}

// Stage 4: keyless. An ephemeral key per bundle, a Fulcio certificate with
// an embedded SCT from the CT log, a timestamp and entries in both Rekor
// logs; the verifier asks for all of them.
func TestStage4Keyless(t *testing.T) {
	e := setup(t)
	for _, logs := range []string{"rekor-v1", "rekor-v2+tsa", "both+tsa"} {
		t.Run(logs, func(t *testing.T) {
			n := 1
			opts := []sign.Option{sign.WithCertificateProvider(e.fulcio(t))}
			switch logs {
			case "rekor-v1":
				opts = append(opts, sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)))
			case "rekor-v2+tsa":
				opts = append(opts, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)))
			case "both+tsa":
				n = 2
				opts = append(opts, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)),
					sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)))
			}
			v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(n), verify.RequireTimestamps(1))
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, sign.WithSelfCheck(v.SelfCheck()))
			for i := range 2 { // a new key and certificate for every builder
				cred := credential(t, newKey(t, "p256"))
				b, err := sign.NewBundleBuilder(cred, opts...)
				if err != nil {
					t.Fatal(err)
				}
				for kind, res := range verifyAll(t, v, signBoth(t, b), policy.Identity(e.s.OIDCURL, emailIssuerSAN)) {
					if len(res.TlogEntries) != n || res.SCTs < 1 {
						t.Errorf("round %d %s: %d entries, %d SCTs", i, kind, len(res.TlogEntries), res.SCTs)
					}
				}
			}
		})
	}
}

// Keyless with a CI identity: Fulcio turns the token's claims into
// certificate extensions, which policy.Extension checks.
func TestKeylessCIIdentityExtensions(t *testing.T) {
	e := setup(t)
	tok, err := e.s.TokenWith(t.Context(), e.s.OIDCCIURL, url.Values{
		"alg": {"RS256"}, "sub": {"repo:org/app:ref:refs/heads/main"}, "email": {"-"},
		"repository": {"org/app"}, "ref": {"refs/heads/main"}, "sha": {"0123456789abcdef0123456789abcdef01234567"},
		"workflow_ref": {"org/app/.ci/release.yml@refs/heads/main"}, "run_id": {"42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := signer.NewFulcio(e.root, e.s.FulcioURL, signer.StaticToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")),
		sign.WithCertificateProvider(f), sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	san := "https://git.example.test/org/app/.ci/release.yml@refs/heads/main"
	verifyAll(t, v, signBoth(t, b), policy.Identity(e.s.OIDCCIURL, san))
}

// TestConcurrentKeyless: 32 goroutines sign at once against the stack
// (Fulcio, TSA, Rekor v1 and v2), and every bundle verifies.
func TestConcurrentKeyless(t *testing.T) {
	e := setup(t)
	f := e.fulcio(t)
	v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(2), verify.RequireTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	opts := []sign.Option{sign.WithCertificateProvider(f), sign.WithTimestamper(e.tsa(t, e.s.TSAURL)),
		sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL))}
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	bundles := make([]*bundle.Bundle, n)
	for i := range n {
		wg.Go(func() {
			k, err := signer.Generate(signer.ECDSAP256)
			if err != nil {
				errs[i] = err
				return
			}
			cred, err := signer.FromKey(k)
			if err != nil {
				errs[i] = err
				return
			}
			b, err := sign.NewBundleBuilder(cred, opts...)
			if err != nil {
				errs[i] = err
				return
			}
			a := append([]byte(nil), artifact...)
			a = fmt.Appendf(a, "%d\n", i)
			bundles[i], errs[i] = b.SignArtifact(t.Context(), bytes.NewReader(a))
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("signer %d: %v", i, errs[i])
			continue
		}
		a := fmt.Appendf(append([]byte(nil), artifact...), "%d\n", i)
		if _, err := v.Verify(roundTrip(t, bundles[i]), verify.ArtifactReader(bytes.NewReader(a)), policy.Identity(e.s.OIDCURL, emailIssuerSAN)); err != nil {
			t.Errorf("bundle %d: %v", i, err)
		}
	}
}

func assertStep(t *testing.T, err error, want verify.Step) {
	t.Helper()
	var ve *verify.Error
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a *verify.Error", err)
	}
	if ve.Step != want {
		t.Fatalf("failed at %v, want %v: %v", ve.Step, want, err)
	}
}

// faultProxy stands in front of a real service and misbehaves on request.
type faultProxy struct {
	srv      *httptest.Server
	requests atomic.Int32
	// fail500 answers the first fail500 requests with 500.
	fail500 int32
	// delay holds every request this long before passing it on.
	delay time.Duration
	// tamper rewrites a successful response body.
	tamper func([]byte) []byte
}

func newFaultProxy(t *testing.T, target string, configure func(*faultProxy)) *faultProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{}
	configure(p)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		ModifyResponse: func(resp *http.Response) error {
			if p.tamper == nil || resp.StatusCode >= 300 {
				return nil
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = p.tamper(body)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
			return nil
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := p.requests.Add(1)
		if n <= p.fail500 {
			http.Error(w, "injected failure", http.StatusInternalServerError)
			return
		}
		if p.delay > 0 {
			select {
			case <-time.After(p.delay):
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// rebase returns a trusted root in which the log or TSA at realURL is
// reached through proxyURL: the same keys under another address.
func (e *env) logVia(t *testing.T, realURL, proxyURL string, v2 bool, opts ...signer.ServiceOption) sign.TransparencyLog {
	t.Helper()
	return newLog(t, e.rootWithLogURL(t, realURL, proxyURL), proxyURL, v2, opts...)
}

// rootWithLogURL re-reads the stack's trusted root with one log's base URL
// replaced (the checkpoint origin stays the real one: only the transport
// changes).
func (e *env) rootWithLogURL(t *testing.T, realURL, proxyURL string) *trustroot.TrustedRoot {
	t.Helper()
	data := readFile(t, e.s.TrustedRootPath)
	old := []byte(`"baseUrl": "` + realURL + `"`)
	if !bytes.Contains(data, old) {
		old = []byte(`"baseUrl":"` + realURL + `"`)
	}
	if !bytes.Contains(data, old) {
		t.Fatalf("trusted root has no log %s", realURL)
	}
	data = bytes.Replace(data, old, []byte(`"baseUrl": "`+proxyURL+`"`), 1)
	r, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tsaBase is the TSA's URL without its path, for a proxy in front of it.
func tsaBase(e *env) string { return strings.TrimSuffix(e.s.TSAURL, "/api/v1/timestamp") }

func keyBuilder(t *testing.T, opts ...sign.Option) *sign.BundleBuilder {
	t.Helper()
	b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A server that is down: the client retries the refused connection, then
// reports the service and the cause; no bundle.
func TestFaultServiceDown(t *testing.T) {
	e := setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	tsa := e.tsa(t, down+"/api/v1/timestamp", fastRetries...)
	b := keyBuilder(t, sign.WithTimestamper(tsa))
	bun, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if bun != nil {
		t.Fatal("a bundle came back with the error")
	}
	var se *signer.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *signer.ServiceError", err)
	}
	if se.Attempts != 4 || se.StatusCode != 0 || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("attempts %d, status %d: %v", se.Attempts, se.StatusCode, err)
	}
}

// A slow server: the caller's deadline ends the signing with
// context.DeadlineExceeded, however many retries remain.
func TestFaultSlowService(t *testing.T) {
	e := setup(t)
	p := newFaultProxy(t, e.s.RekorV2URL, func(p *faultProxy) { p.delay = 5 * time.Second })
	l := e.logVia(t, e.s.RekorV2URL, p.srv.URL, true, fastRetries...)
	b := keyBuilder(t, sign.WithTransparencyLog(l))
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	bun, err := b.SignArtifact(ctx, bytes.NewReader(artifact))
	if bun != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got bundle %v, error %v; want context.DeadlineExceeded", bun != nil, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("signing took %v after a 300ms deadline", d)
	}
}

// Per-attempt timeout: a server slower than WithTimeout is retried, and
// the error says the attempts timed out.
func TestFaultAttemptTimeout(t *testing.T) {
	e := setup(t)
	p := newFaultProxy(t, tsaBase(e), func(p *faultProxy) { p.delay = 2 * time.Second })
	tsa := e.tsa(t, p.srv.URL+"/api/v1/timestamp", append(fastRetries[:0:0], signer.WithRetries(2), signer.WithTimeout(100*time.Millisecond))...)
	_, err := keyBuilder(t, sign.WithTimestamper(tsa)).SignArtifact(t.Context(), bytes.NewReader(artifact))
	var se *signer.ServiceError
	if !errors.As(err, &se) || se.Attempts != 2 {
		t.Fatalf("want a ServiceError after 2 attempts, got %v", err)
	}
	if p.requests.Load() != 2 {
		t.Fatalf("%d requests reached the server, want 2", p.requests.Load())
	}
}

// 500 then recovery: every service is retried and the bundle verifies.
func TestFaultServerErrorThenRecovery(t *testing.T) {
	e := setup(t)
	rek1 := newFaultProxy(t, e.s.RekorV1URL, func(p *faultProxy) { p.fail500 = 2 })
	rek2 := newFaultProxy(t, e.s.RekorV2URL, func(p *faultProxy) { p.fail500 = 2 })
	tsaP := newFaultProxy(t, tsaBase(e), func(p *faultProxy) { p.fail500 = 2 })
	fulP := newFaultProxy(t, e.s.FulcioURL, func(p *faultProxy) { p.fail500 = 2 })
	tok, err := e.s.Token(t.Context(), "alice", emailIssuerSAN)
	if err != nil {
		t.Fatal(err)
	}
	f, err := signer.NewFulcio(e.root, fulP.srv.URL, signer.StaticToken(tok),
		signer.WithRetries(4), signer.WithBackoff(20*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(e.root, verify.RequireSCTs(1), verify.RequireTlogEntries(2), verify.RequireTimestamps(1))
	if err != nil {
		t.Fatal(err)
	}
	b := keyBuilder(t,
		sign.WithCertificateProvider(f),
		sign.WithTimestamper(e.tsa(t, tsaP.srv.URL+"/api/v1/timestamp", fastRetries...)),
		sign.WithTransparencyLog(e.logVia(t, e.s.RekorV1URL, rek1.srv.URL, false, fastRetries...)),
		sign.WithTransparencyLog(e.logVia(t, e.s.RekorV2URL, rek2.srv.URL, true, fastRetries...)))
	bun, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatalf("signing did not recover: %v", err)
	}
	if _, err := v.Verify(roundTrip(t, bun), verify.ArtifactReader(bytes.NewReader(artifact)), policy.Identity(e.s.OIDCURL, emailIssuerSAN)); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*faultProxy{"rekor v1": rek1, "rekor v2": rek2, "tsa": tsaP, "fulcio": fulP} {
		if got := p.requests.Load(); got != 3 {
			t.Errorf("%s: %d requests, want 3 (2 failures, 1 success)", name, got)
		}
	}
}

// A server that stays broken: a client error status is not retried, and a
// persistent 5xx exhausts the attempts.
func TestFaultPersistentErrors(t *testing.T) {
	e := setup(t)
	p := newFaultProxy(t, e.s.RekorV1URL, func(p *faultProxy) { p.fail500 = 1 << 30 })
	l := e.logVia(t, e.s.RekorV1URL, p.srv.URL, false, fastRetries...)
	_, err := keyBuilder(t, sign.WithTransparencyLog(l)).SignArtifact(t.Context(), bytes.NewReader(artifact))
	var se *signer.ServiceError
	if !errors.As(err, &se) || se.StatusCode != http.StatusInternalServerError || se.Attempts != 4 || !errors.Is(err, signer.ErrStatus) {
		t.Fatalf("want a 500 ServiceError after 4 attempts, got %v", err)
	}
}

// Tampered responses: the client checks every response against the trusted
// root and returns no bundle.
func TestFaultTamperedResponses(t *testing.T) {
	e := setup(t)
	flipLast := func(field string) func([]byte) []byte {
		// Changes one character of the first JSON string value of field.
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"`+field+`"`))
			if i < 0 {
				return b
			}
			j := bytes.IndexByte(b[i+len(field)+2:], '"')
			if j < 0 {
				return b
			}
			k := i + len(field) + 2 + j + 1 + 4 // a few characters into the value
			out := bytes.Clone(b)
			if out[k] == '0' { // a digit is valid in hex and base64 alike, and no case folding maps one to another
				out[k] = '1'
			} else {
				out[k] = '0'
			}
			return out
		}
	}
	cases := []struct {
		name, target string
		v2           bool
		field        string
	}{
		{"rekor v1 SET", e.s.RekorV1URL, false, "signedEntryTimestamp"},
		{"rekor v1 root hash", e.s.RekorV1URL, false, "rootHash"},
		{"rekor v1 body", e.s.RekorV1URL, false, "body"},
		{"rekor v2 checkpoint", e.s.RekorV2URL, true, "envelope"},
		{"rekor v2 root hash", e.s.RekorV2URL, true, "rootHash"},
		{"rekor v2 body", e.s.RekorV2URL, true, "canonicalizedBody"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newFaultProxy(t, c.target, func(p *faultProxy) { p.tamper = flipLast(c.field) })
			l := e.logVia(t, c.target, p.srv.URL, c.v2, fastRetries...)
			bun, err := keyBuilder(t, sign.WithTransparencyLog(l)).SignArtifact(t.Context(), bytes.NewReader(artifact))
			if bun != nil || !errors.Is(err, sign.ErrInvalidResponse) {
				t.Fatalf("got bundle %v, error %v; want sign.ErrInvalidResponse", bun != nil, err)
			}
		})
	}
	t.Run("tsa", func(t *testing.T) {
		p := newFaultProxy(t, tsaBase(e), func(p *faultProxy) {
			p.tamper = func(b []byte) []byte {
				out := bytes.Clone(b)
				out[len(out)-10] ^= 1 // inside the signature
				return out
			}
		})
		tsa := e.tsa(t, p.srv.URL+"/api/v1/timestamp", fastRetries...)
		bun, err := keyBuilder(t, sign.WithTimestamper(tsa)).SignArtifact(t.Context(), bytes.NewReader(artifact))
		if bun != nil || !errors.Is(err, sign.ErrInvalidResponse) {
			t.Fatalf("got bundle %v, error %v; want sign.ErrInvalidResponse", bun != nil, err)
		}
	})
	t.Run("fulcio", func(t *testing.T) {
		// A certificate for another key: Fulcio's answer to someone else.
		other := newKey(t, "p256")
		tok, err := e.s.Token(t.Context(), "alice", emailIssuerSAN)
		if err != nil {
			t.Fatal(err)
		}
		f, err := signer.NewFulcio(e.root, e.s.FulcioURL, signer.StaticToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		otherCred, err := signer.FromKey(other)
		if err != nil {
			t.Fatal(err)
		}
		chain, err := f.Certificate(t.Context(), otherCred)
		if err != nil {
			t.Fatal(err)
		}
		var swapped atomic.Bool
		p := newFaultProxy(t, e.s.FulcioURL, func(p *faultProxy) {
			p.tamper = func(b []byte) []byte {
				// Replace the leaf with the one issued for the other key.
				start := bytes.Index(b, []byte("-----BEGIN CERTIFICATE-----"))
				end := bytes.Index(b, []byte("-----END CERTIFICATE-----"))
				if start < 0 || end < 0 {
					return b
				}
				pemOther := pemCert(chain[0].Raw)
				pemOther = strings.ReplaceAll(pemOther, "\n", `\n`)
				swapped.Store(true)
				return append(append(bytes.Clone(b[:start]), pemOther[:len(pemOther)-len(`\n`)]...), b[end+len("-----END CERTIFICATE-----"):]...)
			}
		})
		f2, err := signer.NewFulcio(e.root, p.srv.URL, signer.StaticToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		bun, err := keyBuilder(t, sign.WithCertificateProvider(f2)).SignArtifact(t.Context(), bytes.NewReader(artifact))
		if !swapped.Load() {
			t.Fatal("the proxy did not find the leaf certificate to swap")
		}
		if bun != nil || !errors.Is(err, signer.ErrInvalidCertificateResponse) {
			t.Fatalf("got bundle %v, error %v; want signer.ErrInvalidCertificateResponse", bun != nil, err)
		}
	})
}

// A private deployment described in code (FromPrivateDeployment, from the
// stack's CA certificates and log keys) signs keyless through the services
// its own signing configuration selects (WithSigningConfig), and verifies.
func TestPrivateDeploymentInCode(t *testing.T) {
	e := setup(t)
	s := e.s
	root, err := trustroot.FromPrivateDeployment(
		trustroot.WithFulcio(s.FulcioURL, pemCerts(t, s.PKI("fulcio-chain.pem"))...),
		trustroot.WithRekor(s.RekorV1URL, pemKey(t, s.PKI("rekor1.pub"))),
		trustroot.WithRekorV2(s.RekorV2URL, pemKey(t, s.PKI("rekor2.pub"))),
		trustroot.WithCTLog(s.CTURL, pemKey(t, s.PKI("ct.pub"))),
		trustroot.WithTimestampAuthority(s.TSAURL, pemCerts(t, s.PKI("tsa-chain.pem"))...),
		trustroot.WithOIDCProvider(s.OIDCURL),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := root.SigningConfig()
	if err != nil {
		t.Fatal(err)
	}
	ca, err := cfg.Fulcio(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(t.Context(), "alice", emailIssuerSAN)
	if err != nil {
		t.Fatal(err)
	}
	f, err := signer.NewFulcio(root, ca.URL, signer.StaticToken(tok))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(root) // defaults: everything the root can vouch for
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")),
		sign.WithCertificateProvider(f), sign.WithSigningConfig(root, cfg), sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	for kind, res := range verifyAll(t, v, signBoth(t, b), policy.Identity(s.OIDCURL, emailIssuerSAN)) {
		if len(res.TlogEntries) == 0 || len(res.Timestamps) == 0 || res.SCTs == 0 {
			t.Errorf("%s: %d entries, %d timestamps, %d SCTs", kind, len(res.TlogEntries), len(res.Timestamps), res.SCTs)
		}
	}
	// The same bundles verify against the stack's generated trusted_root.json.
	v2, err := verify.New(e.root)
	if err != nil {
		t.Fatal(err)
	}
	verifyAll(t, v2, signBoth(t, b), policy.Identity(s.OIDCURL, emailIssuerSAN))
}

// The same deterministic signature (Ed25519) logged twice: Rekor v1 answers
// 409 with the existing entry, which the client fetches and checks, so both
// bundles carry the same verified entry; Rekor v2, which has no API to read
// an entry back, gives a ServiceError with status 409.
func TestDuplicateEntry(t *testing.T) {
	e := setup(t)
	k := newKey(t, "ed25519")
	cred := credential(t, k)
	v, err := verify.New(e.root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()), verify.RequireTlogEntries(1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithSelfCheck(v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	first := verifyAll(t, v, signMessage(t, b), policy.PublicKey(k.Public()))["message"]
	second := verifyAll(t, v, signMessage(t, b), policy.PublicKey(k.Public()))["message"]
	if first.TlogEntries[0].LogIndex != second.TlogEntries[0].LogIndex {
		t.Fatalf("log indexes %d and %d: the duplicate was logged again", first.TlogEntries[0].LogIndex, second.TlogEntries[0].LogIndex)
	}

	b2, err := sign.NewBundleBuilder(cred, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.SignArtifact(t.Context(), bytes.NewReader(artifact)); err != nil {
		t.Fatal(err)
	}
	bun, err := b2.SignArtifact(t.Context(), bytes.NewReader(artifact))
	var se *signer.ServiceError
	if bun != nil || !errors.As(err, &se) || se.StatusCode != http.StatusConflict || se.Attempts != 1 {
		t.Fatalf("second Rekor v2 entry: bundle %v, error %v; want a 409 ServiceError after 1 attempt", bun != nil, err)
	}
}
