package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

func keyCred(t testing.TB, name string) *signer.Credential {
	t.Helper()
	c, err := signer.FromKey(key(name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type providerFunc func(ctx context.Context, c *signer.Credential) ([]*x509.Certificate, error)

func (f providerFunc) Certificate(ctx context.Context, c *signer.Credential) ([]*x509.Certificate, error) {
	return f(ctx, c)
}

func TestNewBundleBuilderOptions(t *testing.T) {
	cred := keyCred(t, "p256")
	p := singleCA(t)
	chainCred, err := signer.FromCertificateChain(key("p256"), []*x509.Certificate{p.issue(t, key("p256").Public())})
	if err != nil {
		t.Fatal(err)
	}
	prov := providerFunc(func(context.Context, *signer.Credential) ([]*x509.Certificate, error) { return nil, nil })
	check := func(*bundle.Bundle, crypto.Hash, []byte) error { return nil }
	for _, tc := range []struct {
		name string
		cred *signer.Credential
		opts []sign.Option
		want string // substring of the error; "" for success
	}{
		{"defaults", cred, nil, ""},
		{"all", cred, []sign.Option{sign.WithTimestamper(newTSA(t)), sign.WithTimestamper(newTSA(t)),
			sign.WithTransparencyLog(newLog(t)), sign.WithCertificateProvider(prov), sign.WithSelfCheck(check), sign.WithRand(rand.Reader)}, ""},
		{"nil credential", nil, nil, "nil credential"},
		{"nil option", cred, []sign.Option{nil}, "option 0 is nil"},
		{"nil timestamper", cred, []sign.Option{sign.WithTimestamper(nil)}, "WithTimestamper"},
		{"nil log", cred, []sign.Option{sign.WithTransparencyLog(nil)}, "WithTransparencyLog"},
		{"nil provider", cred, []sign.Option{sign.WithCertificateProvider(nil)}, "WithCertificateProvider"},
		{"two providers", cred, []sign.Option{sign.WithCertificateProvider(prov), sign.WithCertificateProvider(prov)}, "WithCertificateProvider given twice"},
		{"provider with chain", chainCred, []sign.Option{sign.WithCertificateProvider(prov)}, "WithCertificateProvider: the credential already has a certificate chain"},
		{"nil self-check", cred, []sign.Option{sign.WithSelfCheck(nil)}, "WithSelfCheck"},
		{"two self-checks", cred, []sign.Option{sign.WithSelfCheck(check), sign.WithSelfCheck(check)}, "WithSelfCheck given twice"},
		{"nil rand", cred, []sign.Option{sign.WithRand(nil)}, "WithRand"},
		{"two rands", cred, []sign.Option{sign.WithRand(rand.Reader), sign.WithRand(rand.Reader)}, "WithRand given twice"},
		{"two full chains", chainCred, []sign.Option{sign.WithFullChain(), sign.WithFullChain()}, "WithFullChain given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := sign.NewBundleBuilder(tc.cred, tc.opts...)
			if tc.want == "" {
				if err != nil || b == nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "sign: ") {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			if b != nil {
				t.Fatal("builder returned with an error")
			}
		})
	}
}

func TestSignDigest(t *testing.T) {
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg, matKey, rootSpec{})
			b := f.builder(t)
			h := f.cred.HashFunc()
			d := h.New()
			d.Write(artifact)
			bun, err := b.SignDigest(context.Background(), h, d.Sum(nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy); err != nil {
				t.Fatal(err)
			}
			// Another hash than the key's, or a digest of the wrong size.
			other := crypto.SHA384
			if h == crypto.SHA384 {
				other = crypto.SHA256
			}
			if _, err := b.SignDigest(context.Background(), other, make([]byte, other.Size())); err == nil || !strings.Contains(err.Error(), "digest") {
				t.Fatalf("%v digest accepted: %v", other, err)
			}
			if _, err := b.SignDigest(context.Background(), h, make([]byte, 20)); err == nil {
				t.Fatal("short digest accepted")
			}
		})
	}
}

func TestSignInputErrors(t *testing.T) {
	b, err := sign.NewBundleBuilder(keyCred(t, "p256"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.SignArtifact(ctx, nil); err == nil {
		t.Fatal("nil reader accepted")
	}
	readErr := errors.New("disk on fire")
	if _, err := b.SignArtifact(ctx, io.MultiReader(bytes.NewReader(artifact), errReader{readErr})); !errors.Is(err, readErr) {
		t.Fatalf("read error: got %v", err)
	}
	if _, err := b.SignDSSE(ctx, "", []byte("x")); err == nil {
		t.Fatal("empty payload type accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := b.SignArtifact(cancelled, bytes.NewReader(artifact)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled SignArtifact: %v", err)
	}
	if _, err := b.SignDSSE(cancelled, "text/plain", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled SignDSSE: %v", err)
	}
	if _, err := b.SignDigest(cancelled, crypto.SHA256, make([]byte, 32)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled SignDigest: %v", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestStatementValidation(t *testing.T) {
	b, err := sign.NewBundleBuilder(keyCred(t, "p256"))
	if err != nil {
		t.Fatal(err)
	}
	hexd := strings.Repeat("ab", 32)
	good := func() *intoto.Statement {
		return &intoto.Statement{PredicateType: "https://p", Subject: []intoto.Subject{{Name: "a", Digest: map[string]string{"sha256": hexd}}}}
	}
	for _, tc := range []struct {
		name string
		mut  func(s *intoto.Statement)
		want string
	}{
		{"nil", nil, "nil statement"},
		{"ok", func(*intoto.Statement) {}, ""},
		{"explicit v1", func(s *intoto.Statement) { s.Type = intoto.StatementTypeV1 }, ""},
		{"gitCommit digest", func(s *intoto.Statement) { s.Subject[0].Digest = map[string]string{"gitCommit": "abc"} }, ""},
		{"other type", func(s *intoto.Statement) { s.Type = "https://in-toto.io/Statement/v0.1" }, "_type"},
		{"no predicate type", func(s *intoto.Statement) { s.PredicateType = "" }, "predicateType"},
		{"no subject", func(s *intoto.Statement) { s.Subject = nil }, "0 subjects"},
		{"no digest", func(s *intoto.Statement) { s.Subject[0].Digest = nil }, "no digest"},
		{"empty digest", func(s *intoto.Statement) { s.Subject[0].Digest["sha512"] = "" }, "empty sha512"},
		{"short sha256", func(s *intoto.Statement) { s.Subject[0].Digest["sha256"] = "abcd" }, "sha256 digest"},
		{"upper hex", func(s *intoto.Statement) { s.Subject[0].Digest["sha256"] = strings.ToUpper(hexd) }, "lowercase"},
		{"predicate array", func(s *intoto.Statement) { s.Predicate = []byte(`[1]`) }, "JSON object"},
		{"predicate invalid", func(s *intoto.Statement) { s.Predicate = []byte(`{`) }, "JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st *intoto.Statement
			if tc.mut != nil {
				st = good()
				tc.mut(st)
			}
			bun, err := b.SignStatement(context.Background(), st)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if st.Type != "" && st.Type != intoto.StatementTypeV1 || bun.Envelope().PayloadType != intoto.PayloadType {
					t.Fatal("statement changed or wrong payload type")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestManySubjects signs a model-signing-sized manifest: 20,000 files.
func TestManySubjects(t *testing.T) {
	f := newFixture(t, "ed25519", matChain, rootSpec{})
	st := &intoto.Statement{PredicateType: "https://model_signing/signature/v1.0"}
	var target [32]byte
	for i := range 20000 {
		name := "model/shard-" + strings.Repeat("0", 5-len(itoa(i))) + itoa(i) + ".safetensors"
		sum := sha256.Sum256([]byte(name))
		if i == 12345 {
			target = sum
		}
		st.Subject = append(st.Subject, intoto.Subject{Name: name, Digest: map[string]string{"sha256": hexString(sum[:])}})
	}
	bun, err := f.builder(t).SignStatement(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.v.Verify(reparse(t, bun), verify.ArtifactDigest(crypto.SHA256, target[:]), f.policy)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Statement.Subject) != 20000 {
		t.Fatalf("%d subjects", len(res.Statement.Subject))
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

// failingTSA returns a fixed response.
type fixedTSA struct{ der []byte }

func (f fixedTSA) Timestamp(context.Context, []byte) ([]byte, error) { return f.der, nil }

func TestServiceFailures(t *testing.T) {
	cred := keyCred(t, "p256")
	ctx := context.Background()
	signWith := func(opts ...sign.Option) error {
		b, err := sign.NewBundleBuilder(cred, opts...)
		if err != nil {
			t.Fatal(err)
		}
		bun, err := b.SignArtifact(ctx, bytes.NewReader(artifact))
		if bun != nil && err != nil {
			t.Fatal("bundle returned with an error")
		}
		return err
	}
	netErr := errors.New("connection refused")
	tsa := newTSA(t)
	tsa.err = netErr
	if err := signWith(sign.WithTimestamper(tsa)); !errors.Is(err, netErr) || !strings.Contains(err.Error(), "timestamper 0") {
		t.Fatalf("TSA failure: %v", err)
	}
	log := newLog(t)
	log.err = netErr
	if err := signWith(sign.WithTransparencyLog(log)); !errors.Is(err, netErr) || !strings.Contains(err.Error(), "transparency log 0") {
		t.Fatalf("log failure: %v", err)
	}
	// A timestamp over other bytes, and one that is not a timestamp.
	other := newTSA(t).token([]byte("something else"), farPast.AddDate(1, 0, 0))
	if err := signWith(sign.WithTimestamper(fixedTSA{other})); err == nil || !strings.Contains(err.Error(), "does not cover the signature") {
		t.Fatalf("foreign timestamp: %v", err)
	}
	if err := signWith(sign.WithTimestamper(fixedTSA{[]byte("not DER")})); err == nil {
		t.Fatal("garbage timestamp accepted")
	}
	// The log returns no entry, or a malformed one.
	if err := signWith(sign.WithTransparencyLog(nilLog{})); err == nil || !strings.Contains(err.Error(), "no entry") {
		t.Fatalf("nil entry: %v", err)
	}
	if err := signWith(sign.WithTransparencyLog(badLog{})); !errors.Is(err, bundle.ErrMalformed) {
		t.Fatalf("malformed entry: %v", err)
	}
	// The second of two logs fails: no bundle.
	if err := signWith(sign.WithTransparencyLog(newLog(t)), sign.WithTransparencyLog(log)); !strings.Contains(err.Error(), "transparency log 1") {
		t.Fatalf("second log: %v", err)
	}
	// A cancelled context reaches the services and comes back unchanged.
	cctx, cancel := context.WithCancel(ctx)
	b, _ := sign.NewBundleBuilder(cred, sign.WithTimestamper(newTSA(t)))
	cancel()
	if _, err := b.SignDigest(cctx, crypto.SHA256, make([]byte, 32)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

type nilLog struct{}

func (nilLog) Append(context.Context, *sign.LogRequest) (*bundle.TlogEntry, error) { return nil, nil }

type badLog struct{}

func (badLog) Append(context.Context, *sign.LogRequest) (*bundle.TlogEntry, error) {
	return &bundle.TlogEntry{LogID: []byte{1}, Kind: "hashedrekord", KindVersion: "0.0.2", Body: []byte("{}")}, nil
}

// TestLogRequest checks what a transparency log is asked to record.
func TestLogRequest(t *testing.T) {
	f := newFixture(t, "p256", matCert, rootSpec{})
	var got []*sign.LogRequest
	rec := recordingLog{func(r *sign.LogRequest) { got = append(got, r) }, newLog(t)}
	b, err := sign.NewBundleBuilder(f.cred, sign.WithTransparencyLog(rec))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	env, err := b.SignDSSE(context.Background(), "text/plain", artifact)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(artifact)
	r := got[0]
	if r.Envelope != nil || r.Message == nil || !bytes.Equal(r.Message.Digest, sum[:]) || r.Message.DigestAlgorithm != crypto.SHA256 ||
		!bytes.Equal(r.Message.Signature, msg.Signature()) || r.Certificate != f.cred.Certificates()[0] || !sigKeyEqual(r.PublicKey, f.pub) {
		t.Fatalf("message request %+v", r)
	}
	r = got[1]
	if r.Message != nil || r.Envelope == nil || r.Envelope.PayloadType != "text/plain" || !bytes.Equal(r.Envelope.Payload, artifact) ||
		!bytes.Equal(r.Envelope.Signature, env.Signature()) {
		t.Fatalf("envelope request %+v", r)
	}
}

type recordingLog struct {
	rec  func(*sign.LogRequest)
	next *testLog
}

func (l recordingLog) Append(ctx context.Context, r *sign.LogRequest) (*bundle.TlogEntry, error) {
	l.rec(r)
	return l.next.Append(ctx, r)
}

// TestCertificateProvider: keyless-style signing, a certificate per bundle
// for the credential's key, obtained with a proof of possession.
func TestCertificateProvider(t *testing.T) {
	p := chainCA(t)
	for _, alg := range []string{"p256", "p384", "ed25519", "rsa2048"} {
		t.Run(alg, func(t *testing.T) {
			cred := keyCred(t, alg)
			calls := 0
			prov := providerFunc(func(ctx context.Context, k *signer.Credential) ([]*x509.Certificate, error) {
				calls++
				if k != cred {
					t.Fatal("the provider was not handed the builder's credential")
				}
				// Proof of possession, as Fulcio asks for it: a signature
				// over a challenge, made by the credential (pure Ed25519
				// over the message, the key's hash otherwise).
				challenge := []byte("signer@sigil.test")
				sig, err := k.SignMessage(rand.Reader, challenge)
				if err != nil {
					return nil, err
				}
				if err := verifyMessage(k.PublicKey(), k.HashFunc(), challenge, sig); err != nil {
					t.Fatalf("proof of possession does not verify: %v", err)
				}
				return append([]*x509.Certificate{p.issue(t, k.PublicKey())}, p.chain()...), nil
			})
			v, err := verify.New(trustedRoot(t, rootSpec{cas: []*pki{p}}))
			if err != nil {
				t.Fatal(err)
			}
			b, err := sign.NewBundleBuilder(cred, sign.WithCertificateProvider(prov), sign.WithSelfCheck(v.SelfCheck()))
			if err != nil {
				t.Fatal(err)
			}
			b1 := signContent(t, b, "message")
			b2 := signContent(t, b, "dsse")
			if calls != 2 || len(b1.Certificates()) != 1 || b1.Certificates()[0].Equal(b2.Certificates()[0]) {
				t.Fatalf("%d calls; want a fresh certificate per bundle", calls)
			}
		})
	}
	// A certificate for another key is refused.
	cred := keyCred(t, "p256")
	prov := providerFunc(func(context.Context, *signer.Credential) ([]*x509.Certificate, error) {
		return []*x509.Certificate{p.issue(t, key("p256-other").Public())}, nil
	})
	b, _ := sign.NewBundleBuilder(cred, sign.WithCertificateProvider(prov))
	if _, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact)); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("got %v", err)
	}
	failing := providerFunc(func(context.Context, *signer.Credential) ([]*x509.Certificate, error) {
		return nil, context.DeadlineExceeded
	})
	b, _ = sign.NewBundleBuilder(cred, sign.WithCertificateProvider(failing))
	if _, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	empty := providerFunc(func(context.Context, *signer.Credential) ([]*x509.Certificate, error) { return nil, nil })
	b, _ = sign.NewBundleBuilder(cred, sign.WithCertificateProvider(empty))
	if _, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact)); err == nil {
		t.Fatal("empty chain accepted")
	}
}

// TestConcurrentSigning: one builder, many goroutines (run with -race).
func TestConcurrentSigning(t *testing.T) {
	tsa, log := newTSA(t), newLog(t)
	f := newFixture(t, "p256", matChain, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}})
	b := f.builder(t, withServices(tsa, log)...)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := append(bytes.Clone(artifact), byte(i))
			bun, err := b.SignArtifact(context.Background(), bytes.NewReader(data))
			if err == nil {
				_, err = f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(data)), f.policy)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestWithFullChain: bundles carry the credential's or the provider's whole
// chain only with WithFullChain, and verify against a root that trusts only
// the CA's root.
func TestWithFullChain(t *testing.T) {
	p := chainCA(t)
	leaf := p.issue(t, key("p256").Public())
	full := append([]*x509.Certificate{leaf}, p.chain()...)
	cred, err := signer.FromCertificateChain(key("p256"), full)
	if err != nil {
		t.Fatal(err)
	}
	rootOnly := &pki{name: p.name, root: p.root, rootKey: p.rootKey, issuer: p.root, issuerKey: p.rootKey}
	v, err := verify.New(trustedRoot(t, rootSpec{cas: []*pki{rootOnly}}))
	if err != nil {
		t.Fatal(err)
	}
	prov := providerFunc(func(_ context.Context, k *signer.Credential) ([]*x509.Certificate, error) {
		return append([]*x509.Certificate{p.issue(t, k.PublicKey())}, p.chain()...), nil
	})
	for _, tt := range []struct {
		name  string
		cred  *signer.Credential
		opts  []sign.Option
		certs int
	}{
		{"credential-default", cred, nil, 1},
		{"credential-full", cred, []sign.Option{sign.WithFullChain(), sign.WithSelfCheck(v.SelfCheck())}, 3},
		{"provider-full", keyCred(t, "p256"), []sign.Option{sign.WithCertificateProvider(prov), sign.WithFullChain(), sign.WithSelfCheck(v.SelfCheck())}, 3},
		{"public-key", keyCred(t, "p256"), []sign.Option{sign.WithFullChain()}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := sign.NewBundleBuilder(tt.cred, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, content := range []string{"message", "dsse"} {
				bun := signContent(t, b, content)
				if bun.Version() != bundle.V03 || len(bun.Certificates()) != tt.certs {
					t.Errorf("%s: version %v with %d certificates, want 0.3 with %d", content, bun.Version(), len(bun.Certificates()), tt.certs)
				}
			}
		})
	}
	// Without the chain, the root-only verifier cannot reach the root.
	b, _ := sign.NewBundleBuilder(cred, sign.WithSelfCheck(v.SelfCheck()))
	_, err = b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	var verr *verify.Error
	if !errors.As(err, &verr) || verr.Step != verify.StepCertificate {
		t.Errorf("leaf-only bundle against a root-only verifier: %v, want a self-check failure at the certificate step", err)
	}
}

// verifyMessage checks sig over msg with the standard library: pure
// Ed25519, or the key's scheme over h(msg).
func verifyMessage(pub crypto.PublicKey, h crypto.Hash, msg, sig []byte) error {
	if k, ok := pub.(ed25519.PublicKey); ok {
		if !ed25519.Verify(k, msg, sig) {
			return errors.New("ed25519: invalid signature")
		}
		return nil
	}
	d := h.New()
	d.Write(msg)
	sum := d.Sum(nil)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum, sig) {
			return errors.New("ecdsa: invalid signature")
		}
		return nil
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, h, sum, sig)
	}
	return fmt.Errorf("unexpected key %T", pub)
}
