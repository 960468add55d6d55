package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"golang.org/x/mod/sumdb/note"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
)

const td = "../testdata/conformance"

// benchCase is a real bundle with a prepared Verifier.
type benchCase struct {
	name     string
	v        *Verifier
	b        *bundle.Bundle
	artifact []byte
	p        policy.Policy
}

func loadBench(tb testing.TB, name, bundlePath, rootPath, artifactPath, issuer, san string) *benchCase {
	tb.Helper()
	root, err := trustroot.FromFile(filepath.Join(td, rootPath))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := New(root)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(td, bundlePath))
	if err != nil {
		tb.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	art, err := os.ReadFile(filepath.Join(td, artifactPath))
	if err != nil {
		tb.Fatal(err)
	}
	c := &benchCase{name: name, v: v, b: b, artifact: art, p: policy.Identity(issuer, san)}
	if _, err := c.verify(); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return c
}

func (c *benchCase) verify() (*Result, error) {
	return c.v.Verify(c.b, ArtifactReader(bytes.NewReader(c.artifact)), c.p)
}

const beacon = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"

func benchCases(tb testing.TB) []*benchCase {
	return []*benchCase{
		// Public good: Fulcio certificate with SCT, Rekor v1 hashedrekord with SET and checkpoint.
		loadBench(tb, "public-good-v1", "bundle-verify/happy-path-v0.3/bundle.sigstore.json",
			"trusted_roots/production.trusted_root.json", "bundle-verify/a.txt",
			"https://token.actions.githubusercontent.com", beacon),
		// Staging: Rekor v2 entry (Ed25519 checkpoint) and an RFC 3161 timestamp.
		loadBench(tb, "staging-rekor-v2-tsa", "real-bundles/sigstore-python/staging-rekor-v2.txt.sigstore.json",
			"trusted_roots/staging.trusted_root.json", "real-bundles/sigstore-python/staging-rekor-v2.txt",
			"https://github.com/login/oauth", "jku@goto.fi"),
		// Public good DSSE in-toto statement, Rekor v1 dsse entry.
		loadBench(tb, "public-good-dsse", "bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json",
			"trusted_roots/production.trusted_root.json", "bundle-verify/a.txt",
			"https://token.actions.githubusercontent.com", beacon),
	}
}

// signatureCheck is one bare public-key operation a bundle needs.
type signatureCheck func() error

// lowerBound lists the signature checks a bundle needs — certificate, SCTs,
// SET, checkpoint, RFC 3161 timestamp, artifact or DSSE signature — with
// every input precomputed, so only the public-key operations remain (the
// timestamp check also compares its imprint and attributes).
func lowerBound(tb testing.TB, c *benchCase) []signatureCheck {
	tb.Helper()
	var checks []signatureCheck
	s, err := c.v.signer(c.b)
	if err != nil {
		tb.Fatal(err)
	}
	var issuer *x509.Certificate
	for _, ca := range c.v.cas {
		for _, cert := range ca.ca.Certificates {
			if bytes.Equal(cert.RawSubject, s.cert.RawIssuer) && s.cert.CheckSignatureFrom(cert) == nil {
				issuer = cert
			}
		}
	}
	if issuer == nil {
		tb.Fatal("no issuer")
	}
	certAlg, err := sigalg.ForKey(issuer.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	certAlg, _ = certAlg.WithHash(crypto.SHA384)
	tbsDigest := digest(crypto.SHA384, s.cert.RawTBSCertificate)
	checks = append(checks, func() error { return certAlg.VerifyDigest(issuer.PublicKey, tbsDigest, s.cert.Signature) })

	scts, _, _ := sct.Embedded(s.cert)
	tbs, _ := sct.PrecertTBS(s.cert)
	for i := range scts {
		st := &scts[i]
		for _, l := range c.v.root.CTLogs() {
			if bytes.Equal(l.LogID, st.LogID[:]) {
				data, _ := sct.SignedData(st, tbs, issuer.RawSubjectPublicKeyInfo)
				d := digest(crypto.SHA256, data)
				alg, err := sigalg.ForKeyDetails(l.KeyDetails)
				if err != nil {
					tb.Fatal(err)
				}
				pub := l.PublicKey
				checks = append(checks, func() error { return alg.VerifyDigest(pub, d, st.Signature) })
				break
			}
		}
	}
	for _, e := range c.b.TlogEntries() {
		l := c.v.tlog(e.LogID)
		if e.SET != nil {
			d := digest(crypto.SHA256, rekor.SETPayload(e.Body, e.IntegratedTime, e.LogID, e.LogIndex))
			set := e.SET
			checks = append(checks, func() error { return l.alg.VerifyDigest(l.log.PublicKey, d, set) })
		}
		if e.Proof != nil {
			// The reference parser, with no key: every line is unverified.
			var unv *note.UnverifiedNoteError
			if _, err := note.Open(e.Proof.Checkpoint, note.VerifierList()); !errors.As(err, &unv) {
				tb.Fatal(err)
			}
			for _, sig := range unv.Note.UnverifiedSigs {
				blob, err := base64.StdEncoding.DecodeString(sig.Base64)
				if err != nil || [4]byte(blob[:4]) != tlogcheck.CheckpointLog(l.log).KeyID {
					continue
				}
				text, raw := []byte(unv.Note.Text), blob[4:]
				if l.alg == sigalg.Ed25519 {
					checks = append(checks, func() error { return l.alg.Verify(l.log.PublicKey, text, raw) })
				} else {
					d := digest(l.alg.Hash(), text)
					checks = append(checks, func() error { return l.alg.VerifyDigest(l.log.PublicKey, d, raw) })
				}
				break
			}
		}
	}
	for _, der := range c.b.RFC3161Timestamps() {
		tok, err := rfc3161.Parse(der)
		if err != nil {
			tb.Fatal(err)
		}
		for _, t := range c.v.tsas {
			if tok.SignerMatches(t.Leaf) && tok.Verify(c.b.Signature(), t.Leaf) == nil {
				leaf, sig := t.Leaf, c.b.Signature()
				checks = append(checks, func() error { return tok.Verify(sig, leaf) })
				break
			}
		}
	}
	if m := c.b.MessageSignature(); m != nil {
		alg, _ := s.alg.WithHash(m.DigestAlgorithm)
		d := digest(m.DigestAlgorithm, c.artifact)
		checks = append(checks, func() error { return alg.VerifyDigest(s.pub, d, m.Signature) })
	} else {
		env := c.b.Envelope()
		d := digest(s.alg.Hash(), dsse.PAE(env.PayloadType, env.Payload))
		checks = append(checks, func() error { return s.alg.VerifyDigest(s.pub, d, env.Signature) })
	}
	for i, chk := range checks {
		if err := chk(); err != nil {
			tb.Fatalf("%s: lower-bound check %d: %v", c.name, i, err)
		}
	}
	return checks
}

func digest(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

// BenchmarkVerify verifies real bundles from prepared Verifiers.
func BenchmarkVerify(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			reportCPU(b, func() {
				if _, err := c.verify(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkLowerBound runs only the signature checks each bundle of
// BenchmarkVerify needs: the floor Verify is measured against.
func BenchmarkLowerBound(b *testing.B) {
	for _, c := range benchCases(b) {
		checks := lowerBound(b, c)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.ReportMetric(float64(len(checks)), "checks")
			for b.Loop() {
				for _, chk := range checks {
					if err := chk(); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkVerifyParallel verifies from one shared Verifier on every core.
func BenchmarkVerifyParallel(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.verify(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// pattern is a reader producing n bytes of a repeating pattern without
// holding them, so a stream of any size costs constant memory.
type pattern struct {
	buf []byte
	off int
	n   int64
}

func newPattern(n int64) *pattern {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i*7 + i>>8)
	}
	return &pattern{buf: buf, n: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	m := min(int64(len(b)), p.n, int64(len(p.buf)-p.off))
	copy(b, p.buf[p.off:p.off+int(m)])
	p.off = (p.off + int(m)) % len(p.buf)
	p.n -= m
	return int(m), nil
}

// streamCase is a key-signed bundle over a large synthetic artifact.
type streamCase struct {
	v    *Verifier
	b    *bundle.Bundle
	pub  crypto.PublicKey
	size int64
}

func newStreamCase(tb testing.TB, size int64) *streamCase {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(h, newPattern(size)); err != nil {
		tb.Fatal(err)
	}
	d := h.Sum(nil)
	sig, err := ecdsa.SignASN1(rand.Reader, key, d)
	if err != nil {
		tb.Fatal(err)
	}
	pb := &protobundle.Bundle{
		MediaType: bundle.MediaTypeV03,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hex.EncodeToString(d[:8])}},
		},
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: d},
			Signature:     sig,
		}},
	}
	b, err := bundle.FromProto(pb)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	if err != nil {
		tb.Fatal(err)
	}
	v, err := New(root, WithPublicKey("", &key.PublicKey))
	if err != nil {
		tb.Fatal(err)
	}
	return &streamCase{v: v, b: b, pub: &key.PublicKey, size: size}
}

func (s *streamCase) verify() error {
	_, err := s.v.Verify(s.b, ArtifactReader(newPattern(s.size)), policy.PublicKey(s.pub))
	return err
}

// BenchmarkStream compares verifying a 1 GiB artifact streamed through
// Verify with hashing the same stream with crypto/sha256 alone.
func BenchmarkStream(b *testing.B) {
	const size = 1 << 30
	s := newStreamCase(b, size)
	b.Run("verify-1GiB", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.verify(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sha256-1GiB", func(b *testing.B) {
		b.SetBytes(size)
		b.ReportAllocs()
		buf := make([]byte, 256<<10)
		for b.Loop() {
			h := sha256.New()
			if _, err := io.CopyBuffer(h, onlyReader{newPattern(size)}, buf); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
		}
	})
}

// TestStreamConstantMemory checks that verifying a streamed artifact
// allocates the same whatever its size: 256 MiB costs no more heap than 1 MiB.
func TestStreamConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 256 MiB")
	}
	measure := func(size int64) uint64 {
		s := newStreamCase(t, size)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		if err := s.verify(); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := measure(1<<20), measure(256<<20)
	if large > small+64<<10 {
		t.Fatalf("verifying 256 MiB allocated %d bytes, 1 MiB %d: memory grows with the artifact", large, small)
	}
	t.Logf("allocated %d bytes for 1 MiB, %d for 256 MiB", small, large)
}

// onlyReader hides WriterTo/ReaderFrom so CopyBuffer uses our buffer.
type onlyReader struct{ io.Reader }
