package sign_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
)

// generator is an artifact of n bytes made up as it is read: no file, no
// memory proportional to n.
type generator struct {
	n     int64
	block []byte
}

var genBlock = func() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}()

func newGenerator(n int64) *generator { return &generator{n: n, block: genBlock} }

func (g *generator) Read(p []byte) (int, error) {
	if g.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.n {
		p = p[:g.n]
	}
	n := 0
	for n < len(p) {
		n += copy(p[n:], g.block)
	}
	g.n -= int64(n)
	return n, nil
}

func p256Builder(tb testing.TB) (*sign.BundleBuilder, *ecdsa.PrivateKey) {
	k := key("p256").(*ecdsa.PrivateKey)
	cred, err := signer.FromKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(cred)
	if err != nil {
		tb.Fatal(err)
	}
	return b, k
}

// BenchmarkSignSmall compares signing a 1 KiB artifact into bundle JSON
// with a local P-256 key (sigil) against its floor (baseline): one SHA-256,
// one ecdsa.SignASN1 and the JSON encoding of a bundle.
func BenchmarkSignSmall(b *testing.B) {
	small := bytes.Repeat([]byte("sigil"), 205)[:1024]
	bb, k := p256Builder(b)
	ctx := context.Background()
	b.Run("sigil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bun, err := bb.SignArtifact(ctx, bytes.NewReader(small))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bun.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	template, err := bb.SignArtifact(ctx, bytes.NewReader(small))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sum := sha256.Sum256(small)
			if _, err := ecdsa.SignASN1(rand.Reader, k, sum[:]); err != nil {
				b.Fatal(err)
			}
			if _, err := template.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStream1GiB compares SignArtifact over a 1 GiB stream with
// crypto/sha256 over the same stream.
func BenchmarkStream1GiB(b *testing.B) {
	const size = 1 << 30
	bb, _ := p256Builder(b)
	ctx := context.Background()
	b.Run("sigil", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		for b.Loop() {
			if _, err := bb.SignArtifact(ctx, newGenerator(size)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sha256", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		buf := make([]byte, 256<<10)
		for b.Loop() {
			h := sha256.New()
			if _, err := io.CopyBuffer(h, struct{ io.Reader }{newGenerator(size)}, buf); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
		}
	})
}

// TestStreamingMemory: the memory SignArtifact allocates does not grow with
// the artifact's size.
func TestStreamingMemory(t *testing.T) {
	bb, _ := p256Builder(t)
	ctx := context.Background()
	alloc := func(n int64) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		bun, err := bb.SignArtifact(ctx, newGenerator(n))
		runtime.ReadMemStats(&after)
		if err != nil || bun == nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	alloc(1 << 20) // warm up: buffers, lazily initialised tables
	small, large := alloc(1<<20), alloc(256<<20)
	t.Logf("allocated %d bytes for 1 MiB, %d bytes for 256 MiB", small, large)
	if large > small+512<<10 || large > 1<<20 {
		t.Fatalf("allocated %d bytes for 256 MiB, %d for 1 MiB: memory grows with the artifact", large, small)
	}
}

// BenchmarkSignFreshKey signs one bundle per operation with a fresh P-256
// key, as a key-only signer that rotates keys would: a message signature
// over a 1 KiB artifact and a DSSE envelope of a 1 KiB in-toto statement,
// from key generation to the bundle's JSON. Each is beside its floor in the
// same run: key generation, one signature, the hashing, and the bundle
// JSON encoded once by encoding/json from a struct of the same fields.
func BenchmarkSignFreshKey(b *testing.B) {
	ctx := context.Background()
	artifact := bytes.Repeat([]byte("sigil"), 205)[:1024]
	statement := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` +
		strings.Repeat("ab", 32) + `"}}],"predicateType":"https://example.com/p","predicate":{"x":"` +
		strings.Repeat("y", 820) + `"}}`)
	const payloadType = "application/vnd.in-toto+json"
	builder := func(b *testing.B) *sign.BundleBuilder {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		cred, err := signer.FromKey(k)
		if err != nil {
			b.Fatal(err)
		}
		bb, err := sign.NewBundleBuilder(cred)
		if err != nil {
			b.Fatal(err)
		}
		return bb
	}
	b.Run("message/sigil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bun, err := builder(b).SignArtifact(ctx, bytes.NewReader(artifact))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bun.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("message/floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			sum := sha256.Sum256(artifact)
			sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
			if err != nil {
				b.Fatal(err)
			}
			floorJSON(b, floorBundle{MessageSignature: &floorMessage{Digest: floorDigest{"SHA2_256", sum[:]}, Signature: sig}})
		}
	})
	b.Run("dsse/sigil", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bun, err := builder(b).SignDSSE(ctx, payloadType, statement)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := bun.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dsse/floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			pae := fmt.Appendf(nil, "DSSEv1 %d %s %d ", len(payloadType), payloadType, len(statement))
			h := sha256.New()
			h.Write(pae)
			h.Write(statement)
			sig, err := ecdsa.SignASN1(rand.Reader, k, h.Sum(nil))
			if err != nil {
				b.Fatal(err)
			}
			floorJSON(b, floorBundle{DSSEEnvelope: &floorEnvelope{Payload: statement, PayloadType: payloadType,
				Signatures: []floorSig{{Sig: sig}}}})
		}
	})
}

// The floor's bundle: the fields of a key-only v0.3 bundle.
type floorBundle struct {
	MediaType            string         `json:"mediaType"`
	VerificationMaterial floorMaterial  `json:"verificationMaterial"`
	MessageSignature     *floorMessage  `json:"messageSignature,omitempty"`
	DSSEEnvelope         *floorEnvelope `json:"dsseEnvelope,omitempty"`
}
type floorMaterial struct {
	PublicKey struct {
		Hint string `json:"hint"`
	} `json:"publicKey"`
	TlogEntries []struct{} `json:"tlogEntries"`
}
type floorDigest struct {
	Algorithm string `json:"algorithm"`
	Digest    []byte `json:"digest"`
}
type floorMessage struct {
	Digest    floorDigest `json:"messageDigest"`
	Signature []byte      `json:"signature"`
}
type floorEnvelope struct {
	Payload     []byte     `json:"payload"`
	PayloadType string     `json:"payloadType"`
	Signatures  []floorSig `json:"signatures"`
}
type floorSig struct {
	Sig []byte `json:"sig"`
}

func floorJSON(b *testing.B, fb floorBundle) {
	fb.MediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	fb.VerificationMaterial.PublicKey.Hint = "floor"
	if _, err := json.Marshal(fb); err != nil {
		b.Fatal(err)
	}
}
