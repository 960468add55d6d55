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
	"slices"
	"strings"
	"testing"
)

// testSigner is a log key for tests: it signs note texts the way Rekor v1
// (ECDSA) or Rekor v2 (Ed25519) does.
type testSigner struct {
	name string
	hint [4]byte
	pub  crypto.PublicKey
	sign func(msg []byte) []byte
}

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

func (s *testSigner) verifier() Verifier {
	return Verifier{Name: s.name, Hint: s.hint, Key: s.pub}
}

// sig returns s's signature line for text.
func (s *testSigner) sig(text string) Signature {
	return Signature{Name: s.name, KeyHint: s.hint, Sig: s.sign([]byte(text))}
}

// envelope encodes a note with the given text and signature lines.
func envelope(text string, sigs ...Signature) []byte {
	return (&Note{Text: []byte(text), Sigs: sigs}).Marshal()
}

// sigLine returns one signature line "— name base64(blob)\n".
func sigLine(name string, blob []byte) string {
	return "— " + name + " " + base64.StdEncoding.EncodeToString(blob) + "\n"
}

const (
	testHash = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI="
	// testText is a well-formed checkpoint text.
	testText = "log.example/test\n736\n" + testHash + "\n"
	// fiveBytes is base64 of 5 bytes: a hint and a 1-byte signature.
	fiveBytes = "AAAAAAA="
)

// repeatLines returns n copies of line.
func repeatLines(line string, n int) string { return strings.Repeat(line, n) }
