package checkpoint

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sigil-dev/sigil/witness"
)

// testSigner is a log key for tests: a note.Signer that signs note texts the
// way Rekor v1 (ECDSA) or Rekor v2 (Ed25519) does.
type testSigner struct {
	name string
	hint [4]byte
	pub  crypto.PublicKey
	sign func(msg []byte) []byte
}

func (s *testSigner) Name() string                    { return s.name }
func (s *testSigner) KeyHash() uint32                 { return binary.BigEndian.Uint32(s.hint[:]) }
func (s *testSigner) Sign(msg []byte) ([]byte, error) { return s.sign(msg), nil }

func newEd25519Signer(tb testing.TB, name string) *testSigner {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.Sum256(slices.Concat([]byte(name), []byte{'\n', 1}, pub))
	return &testSigner{
		name: name,
		hint: [4]byte(h[:]),
		pub:  pub,
		sign: func(msg []byte) []byte { return ed25519.Sign(priv, msg) },
	}
}

func newECDSASigner(tb testing.TB, name string, curve elliptic.Curve) *testSigner {
	tb.Helper()
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	h := sha256.Sum256(der)
	return &testSigner{
		name: name,
		hint: [4]byte(h[:]),
		pub:  &priv.PublicKey,
		sign: func(msg []byte) []byte {
			sig, err := ecdsa.SignASN1(rand.Reader, priv, curveDigest(curve, msg))
			if err != nil {
				tb.Fatal(err)
			}
			return sig
		},
	}
}

// curveDigest hashes msg with the hash that goes with curve.
func curveDigest(curve elliptic.Curve, msg []byte) []byte {
	switch curve {
	case elliptic.P384():
		h := sha512.Sum384(msg)
		return h[:]
	case elliptic.P521():
		h := sha512.Sum512(msg)
		return h[:]
	}
	h := sha256.Sum256(msg)
	return h[:]
}

// log returns the Log a client builds from the trusted root entry of s.
func (s *testSigner) log(baseURL string) Log {
	return Log{BaseURL: baseURL, KeyID: s.hint, Key: s.pub}
}

// line returns s's signature line for text.
func (s *testSigner) line(text string) string {
	return sigLine(s.name, append(s.hint[:], s.sign([]byte(text))...))
}

// testWitness is a witness: a trusted key and a note.Signer making
// cosignature/v1 lines at a fixed time.
type testWitness struct {
	key  *witness.Key
	priv ed25519.PrivateKey
	time uint64
}

func newWitness(tb testing.TB, name string) *testWitness {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := witness.NewKey(name, pub)
	if err != nil {
		tb.Fatal(err)
	}
	return &testWitness{key: k, priv: priv, time: uint64(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC).Unix())}
}

func (w *testWitness) Name() string    { return w.key.Name() }
func (w *testWitness) KeyHash() uint32 { return w.key.KeyHash() }
func (w *testWitness) Sign(msg []byte) ([]byte, error) {
	sig := binary.BigEndian.AppendUint64(nil, w.time)
	return append(sig, ed25519.Sign(w.priv, witness.CosignedMessage(w.time, msg))...), nil
}

// line returns w's cosignature line for text.
func (w *testWitness) line(text string) string {
	sig, _ := w.Sign([]byte(text))
	return sigLine(w.key.Name(), append(binary.BigEndian.AppendUint32(nil, w.key.KeyHash()), sig...))
}

// signNote signs text with the reference implementation.
func signNote(tb testing.TB, text string, signers ...note.Signer) []byte {
	tb.Helper()
	env, err := note.Sign(&note.Note{Text: text}, signers...)
	if err != nil {
		tb.Fatal(err)
	}
	return env
}

// envelope encodes a note with the given text and signature lines.
func envelope(text string, lines ...string) []byte {
	out := text + "\n"
	for _, l := range lines {
		out += l
	}
	return []byte(out)
}

// sigLine returns one signature line "— name base64(blob)\n".
func sigLine(name string, blob []byte) string {
	return "— " + name + " " + base64.StdEncoding.EncodeToString(blob) + "\n"
}

const (
	testHash = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI="
	// testOrigin is the Rekor v2 origin of testBaseURL.
	testOrigin  = "log.example"
	testBaseURL = "https://log.example"
	// testText is a well-formed Rekor v2 checkpoint text of testBaseURL.
	testText = testOrigin + "\n736\n" + testHash + "\n"
	// testV1Text is a well-formed Rekor v1 checkpoint text.
	testV1Text = "rekor.example - 42\n23083062\n" + testHash + "\nTimestamp: 1689177396617352539\n"
	// fiveBytes is base64 of 5 bytes: a hint and a 1-byte signature.
	fiveBytes = "AAAAAAA="
)
