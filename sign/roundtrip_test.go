package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

var artifact = []byte("the artifact sigil signs in its round-trip tests\n")

func artifactStatement() *intoto.Statement {
	sum := sha256.Sum256(artifact)
	return &intoto.Statement{
		Subject:       []intoto.Subject{{Name: "artifact.txt", Digest: map[string]string{"sha256": fmt.Sprintf("%x", sum)}}},
		PredicateType: "https://sigil.test/predicate/v1",
		Predicate:     []byte(`{"built-by":"sigil tests"}`),
	}
}

// material kinds a round trip covers.
const (
	matKey   = "key"
	matCert  = "cert"  // a leaf from a self-signed CA
	matChain = "chain" // a leaf from an intermediate of a non-Fulcio CA
)

// fixture is a credential with the verifier that should accept its bundles.
type fixture struct {
	cred   *signer.Credential
	pub    crypto.PublicKey
	v      *verify.Verifier
	policy policy.Policy
}

// The two CAs the round trips use, made once (tests run in parallel).
var (
	singleCAOnce = sync.OnceValue(func() *pki { return newPKI(panicTB{}, "single", false) })
	chainCAOnce  = sync.OnceValue(func() *pki { return newPKI(panicTB{}, "enterprise", true) })
)

func singleCA(testing.TB) *pki { return singleCAOnce() }
func chainCA(testing.TB) *pki  { return chainCAOnce() }

// panicTB fails by panicking, for fixtures made outside any one test.
type panicTB struct{ testing.TB }

func (panicTB) Helper()                   {}
func (panicTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (panicTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

func newFixture(t testing.TB, alg, mat string, spec rootSpec, vopts ...verify.Option) *fixture {
	t.Helper()
	k := key(alg)
	f := &fixture{pub: k.Public()}
	var err error
	switch mat {
	case matKey:
		f.cred, err = signer.FromKey(k)
		vopts = append(vopts, verify.WithPublicKey(f.cred.Hint(), f.pub))
		f.policy = policy.PublicKey(f.pub)
	case matCert, matChain:
		p := singleCA(t)
		if mat == matChain {
			p = chainCA(t)
		}
		leaf := p.issue(t, k.Public())
		chain := append([]*x509.Certificate{leaf}, p.chain()...)
		if mat == matCert {
			chain = chain[:1] // the leaf alone: the CA is in the trusted root
		}
		f.cred, err = signer.FromCertificateChain(k, chain)
		spec.cas = append(spec.cas, p)
		f.policy = policy.All(policy.SubjectDN(policy.Exact(signerDN)), policy.PublicKey(f.pub))
	}
	if err != nil {
		t.Fatal(err)
	}
	f.v, err = verify.New(trustedRoot(t, spec), vopts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) builder(t testing.TB, opts ...sign.Option) *sign.BundleBuilder {
	t.Helper()
	opts = append(opts, sign.WithSelfCheck(f.v.SelfCheck()))
	b, err := sign.NewBundleBuilder(f.cred, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reparse makes sure the bundle survives its JSON encoding.
func reparse(t testing.TB, b *bundle.Bundle) *bundle.Bundle {
	t.Helper()
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundle.Parse(data)
	if err != nil {
		t.Fatalf("parse of emitted bundle: %v\n%s", err, data)
	}
	if p.MediaType() != bundle.MediaTypeV03 {
		t.Fatalf("media type %q", p.MediaType())
	}
	return p
}

func signContent(t testing.TB, b *sign.BundleBuilder, content string) *bundle.Bundle {
	t.Helper()
	var bun *bundle.Bundle
	var err error
	switch content {
	case "message":
		bun, err = b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	case "dsse":
		bun, err = b.SignStatement(context.Background(), artifactStatement())
	}
	if err != nil {
		t.Fatalf("sign %s: %v", content, err)
	}
	return reparse(t, bun)
}

func assertStep(t testing.TB, err error, want verify.Step) {
	t.Helper()
	var verr *verify.Error
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *verify.Error at step %v", err, want)
	}
	if verr.Step != want {
		t.Fatalf("failed at step %v (%v), want %v", verr.Step, err, want)
	}
}

// TestRoundTrip signs with every algorithm, as a message signature and as a
// DSSE statement, named by public key, by a certificate of a self-signed CA
// and by a certificate of an intermediate CA, and verifies each bundle with
// sigil's verifier against a trusted root with no logs or TSAs (thresholds
// zero).
func TestRoundTrip(t *testing.T) {
	for _, alg := range algorithms {
		for _, content := range []string{"message", "dsse"} {
			for _, mat := range []string{matKey, matCert, matChain} {
				t.Run(alg+"/"+content+"/"+mat, func(t *testing.T) {
					t.Parallel()
					f := newFixture(t, alg, mat, rootSpec{})
					bun := signContent(t, f.builder(t), content)
					res, err := f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
					if err != nil {
						t.Fatal(err)
					}
					if !sigKeyEqual(res.Signer.PublicKey, f.pub) {
						t.Fatal("verified with another key")
					}
					if mat == matKey {
						if res.Signer.Certificate != nil || res.Signer.KeyHint != f.cred.Hint() {
							t.Fatalf("signer %+v", res.Signer)
						}
					} else {
						if res.Signer.Certificate == nil || len(bun.Certificates()) != 1 {
							t.Fatal("want exactly the leaf certificate in the bundle")
						}
						if want := len(chainCA(t).chain()); mat == matChain && len(res.Signer.Chain) != want {
							t.Fatalf("verified against a chain of %d, want %d", len(res.Signer.Chain), want)
						}
					}
					if content == "dsse" {
						if res.Statement == nil || res.Statement.Subject[0].Name != "artifact.txt" {
							t.Fatalf("statement %+v", res.Statement)
						}
					} else if m := bun.MessageSignature(); m.DigestAlgorithm != f.cred.HashFunc() {
						t.Fatalf("digest %v, want the key's %v", m.DigestAlgorithm, f.cred.HashFunc())
					}
					// The artifact's digest works as well as its bytes (for
					// DSSE: a SHA-256 subject digest).
					h := f.cred.HashFunc()
					if content == "dsse" {
						h = crypto.SHA256
					}
					d := h.New()
					d.Write(artifact)
					if _, err := f.v.Verify(bun, verify.ArtifactDigest(h, d.Sum(nil)), f.policy); err != nil {
						t.Fatalf("by digest: %v", err)
					}
				})
			}
		}
	}
}

func sigKeyEqual(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// TestRoundTripWithServices adds a timestamp authority and a transparency
// log, listed in the trusted root, so the verifier requires a verified
// timestamp and a verified log entry (thresholds 1).
func TestRoundTripWithServices(t *testing.T) {
	tsa, log := newTSA(t), newLog(t)
	for _, alg := range []string{"p256", "ed25519", "rsa2048"} {
		for _, content := range []string{"message", "dsse"} {
			for _, mat := range []string{matKey, matCert, matChain} {
				t.Run(alg+"/"+content+"/"+mat, func(t *testing.T) {
					f := newFixture(t, alg, mat, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}})
					bun := signContent(t, f.builder(t, sign.WithTimestamper(tsa), sign.WithTransparencyLog(log)), content)
					if len(bun.RFC3161Timestamps()) != 1 || len(bun.TlogEntries()) != 1 {
						t.Fatalf("%d timestamps, %d entries", len(bun.RFC3161Timestamps()), len(bun.TlogEntries()))
					}
					res, err := f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
					if err != nil {
						t.Fatal(err)
					}
					if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "rfc3161" || len(res.TlogEntries) != 1 || !res.TlogEntries[0].InclusionProof {
						t.Fatalf("timestamps %+v, entries %+v", res.Timestamps, res.TlogEntries)
					}
				})
			}
		}
	}
}

// TestServicesRequired: a verifier whose trusted root lists a TSA and a log
// rejects a bundle signed without them, at the step that names the missing
// evidence.
func TestServicesRequired(t *testing.T) {
	tsa, log := newTSA(t), newLog(t)
	f := newFixture(t, "p256", matKey, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}})
	b, err := sign.NewBundleBuilder(f.cred)
	if err != nil {
		t.Fatal(err)
	}
	bun, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
	assertStep(t, err, verify.StepTransparencyLog)
	if !errors.Is(err, verify.ErrThreshold) {
		t.Fatalf("want ErrThreshold, got %v", err)
	}
	// With the log but without the TSA: a Rekor v2 entry has no integrated
	// time, so no observer timestamp verified.
	b, _ = sign.NewBundleBuilder(f.cred, sign.WithTransparencyLog(log))
	bun, err = b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
	assertStep(t, err, verify.StepTimestamp)
}
