package witness

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	tformats "github.com/transparency-dev/formats/note"
	tnote "golang.org/x/mod/sumdb/note"
)

// The ML-DSA-44 tests sign with transparency-dev/formats (the
// implementation omniwitness cosigns with, on filippo.io/mldsa): its
// signatures are what sigil's Key (on cloudflare/circl) must accept, and
// only those.

const (
	mlOrigin = "log.example"
	mlSize   = 5
	mlRoot   = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI="
)

func mlRootHash(t testing.TB) []byte {
	h, err := base64.StdEncoding.DecodeString(mlRoot)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newMLDSAWitness returns a reference ML-DSA-44 cosigner called name and
// sigil's key for it, parsed from the cosigner's own vkey.
func newMLDSAWitness(t testing.TB, name string) (*tformats.SubtreeSigner, *Key) {
	t.Helper()
	skey, vkey, err := tformats.GenerateMLDSAKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tformats.NewMLDSASigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseVerifierKey(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if !k.IsMLDSA() || k.KeyHash() != s.KeyHash() || k.VerifierKey() != vkey {
		t.Fatalf("key %s (ID %08x), reference %s (ID %08x)", k.VerifierKey(), k.KeyHash(), vkey, s.KeyHash())
	}
	return s, k
}

func subtreeSig(t testing.TB, s *tformats.SubtreeSigner, ts uint64, start uint64) []byte {
	t.Helper()
	sig, err := s.SignSubtree(ts, mlOrigin, start, mlSize, mlRootHash(t))
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestMLDSACosignature(t *testing.T) {
	s, k := newMLDSAWitness(t, "witness.example/ml1")
	const ts = 1733313600

	t.Run("reference cosignature verifies through note.Open", func(t *testing.T) {
		env, err := tnote.Sign(&tnote.Note{Text: text}, s)
		if err != nil {
			t.Fatal(err)
		}
		n, err := tnote.Open(env, tnote.VerifierList(k))
		if err != nil {
			t.Fatal(err)
		}
		got, err := CosignatureTime(n.Sigs[0].Base64)
		if err != nil || time.Since(got) > time.Minute || got.After(time.Now()) {
			t.Fatalf("time %v, %v", got, err)
		}
	})
	t.Run("extension lines are not signed", func(t *testing.T) {
		sig := subtreeSig(t, s, ts, 0)
		if !k.Verify([]byte(text), sig) || !k.Verify([]byte(text+"extension line\n"), sig) {
			t.Fatal("cosignature of the tree does not verify with and without an extension line")
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		other, _ := newMLDSAWitness(t, "witness.example/ml1")
		if k.Verify([]byte(text), subtreeSig(t, other, ts, 0)) {
			t.Fatal("another key's cosignature verifies")
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for _, i := range []int{8, 100, MLDSACosignatureSize - 1} {
			sig := subtreeSig(t, s, ts, 0)
			sig[i] ^= 1
			if k.Verify([]byte(text), sig) {
				t.Fatalf("cosignature with byte %d flipped verifies", i)
			}
		}
		sig := subtreeSig(t, s, ts, 0)
		if k.Verify([]byte(text), sig[:len(sig)-1]) || k.Verify([]byte(text), append(sig, 0)) {
			t.Fatal("cosignature of the wrong size verifies")
		}
		// The signed tree is the checkpoint's: another size, root or
		// origin does not verify.
		for _, other := range []string{
			strings.Replace(text, "\n5\n", "\n6\n", 1),
			strings.Replace(text, "rs1Y", "rs1Z", 1),
			"other" + text,
		} {
			if k.Verify([]byte(other), sig) {
				t.Fatalf("cosignature verifies for %q", other)
			}
		}
	})
	t.Run("wrong cosigner name", func(t *testing.T) {
		// The message commits to the name: the same key under another
		// name does not verify.
		renamed, err := NewMLDSAKey("witness.example/ml2", k.raw)
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Verify([]byte(text), subtreeSig(t, s, ts, 0)) {
			t.Fatal("cosignature verifies under another cosigner name")
		}
	})
	t.Run("non-zero start", func(t *testing.T) {
		// A subtree cosignature (start 1, timestamp 0, as the format
		// requires) is no cosignature of the checkpoint.
		if k.Verify([]byte(text), subtreeSig(t, s, 0, 1)) {
			t.Fatal("subtree [1, size) cosignature verifies for the checkpoint")
		}
		if _, ok := subtreeMessage(k.Name(), ts, mlOrigin, 1, mlSize, [32]byte{}); ok {
			t.Fatal("non-zero start with a timestamp accepted")
		}
	})
	t.Run("timestamps", func(t *testing.T) {
		// The timestamp is signed.
		sig := subtreeSig(t, s, ts, 0)
		binary.BigEndian.PutUint64(sig, ts+1)
		if k.Verify([]byte(text), sig) {
			t.Fatal("cosignature with a changed time verifies")
		}
		// Zero: a cosignature with no time statement, verified and
		// reported without a time.
		sig = subtreeSig(t, s, 0, 0)
		if !k.Verify([]byte(text), sig) {
			t.Fatal("cosignature with timestamp 0 does not verify")
		}
		line := base64.StdEncoding.EncodeToString(append(binary.BigEndian.AppendUint32(nil, k.KeyHash()), sig...))
		if got, err := CosignatureTime(line); err != nil || !got.IsZero() {
			t.Fatalf("time %v, %v; want the zero time", got, err)
		}
		// Beyond 2^63-1: rejected, however well signed.
		sig = subtreeSig(t, s, 1<<63, 0)
		if k.Verify([]byte(text), sig) {
			t.Fatal("cosignature with timestamp 2^63 verifies")
		}
	})
	t.Run("not a checkpoint", func(t *testing.T) {
		sig := subtreeSig(t, s, ts, 0)
		for _, bad := range []string{"", mlOrigin + "\n05\n" + mlRoot + "\n", mlOrigin + "\n5\n" + mlRoot, "\n5\n" + mlRoot + "\n", mlOrigin + "\n5\n" + mlRoot[:43] + "\n"} {
			if k.Verify([]byte(bad), sig) {
				t.Fatalf("verifies for %q", bad)
			}
		}
	})
}

// TestMLDSAReferenceVerifies checks the other direction: ML-DSA-44
// cosignatures made with cloudflare/circl over sigil's subtreeMessage
// verify with the reference implementation, so both build one message.
func TestMLDSAReferenceVerifies(t *testing.T) {
	pub, priv, err := mldsa44.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewMLDSAKey("witness.example/circl", pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := tformats.NewMLDSAVerifier(k.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	m, ok := subtreeMessage(k.Name(), 1733313600, mlOrigin, 0, mlSize, [32]byte(mlRootHash(t)))
	if !ok {
		t.Fatal("no message")
	}
	sig := make([]byte, mldsa44.SignatureSize)
	if err := mldsa44.SignTo(priv, m, nil, true, sig); err != nil {
		t.Fatal(err)
	}
	cosig := append(binary.BigEndian.AppendUint64(nil, 1733313600), sig...)
	if !ref.Verify([]byte(text), cosig) || !k.Verify([]byte(text), cosig) {
		t.Fatal("circl cosignature rejected")
	}
	if ref.KeyHash() != k.KeyHash() {
		t.Fatalf("key IDs %08x, %08x", ref.KeyHash(), k.KeyHash())
	}
}

func TestNewMLDSAKey(t *testing.T) {
	pub, _, err := mldsa44.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	raw := pub.Bytes()
	for name, tc := range map[string]struct {
		name string
		pub  []byte
	}{
		"short key":     {"w", raw[:len(raw)-1]},
		"long key":      {"w", append(bytes.Clone(raw), 0)},
		"empty name":    {"", raw},
		"name with +":   {"w+1", raw},
		"name too long": {strings.Repeat("w", 256), raw},
	} {
		if _, err := NewMLDSAKey(tc.name, tc.pub); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	// A vkey of type 0x06 with an Ed25519-sized key, or type 0x04 with
	// an ML-DSA-sized key, is malformed.
	k, err := NewMLDSAKey("w", raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		"w+00000000+" + base64.StdEncoding.EncodeToString(append([]byte{0x06}, raw[:32]...)),
		"w+00000000+" + base64.StdEncoding.EncodeToString(append([]byte{0x04}, raw...)),
		strings.Replace(k.VerifierKey(), "+", "x+", 1), // another name: key ID mismatch
	} {
		if _, err := ParseVerifierKey(bad); err == nil {
			t.Errorf("%.40s... accepted", bad)
		}
	}
}
