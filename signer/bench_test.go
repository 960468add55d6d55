package signer_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/sigil-dev/sigil/signer"
)

// BenchmarkSignDigestP256 measures a Credential's cost over the key's own
// Sign; compare with BenchmarkECDSASignASN1P256.
func BenchmarkSignDigestP256(b *testing.B) {
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	c, err := signer.FromKey(key)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SignDigest(rand.Reader, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignDigestP256HSM signs through a crypto.Signer that is not a
// standard-library key, so each signature is also verified before it is
// returned.
func BenchmarkSignDigestP256HSM(b *testing.B) {
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	c, err := signer.FromKey(newHSMKey(key))
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SignDigest(rand.Reader, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkECDSASignASN1P256 is the baseline: the standard library alone.
func BenchmarkECDSASignASN1P256(b *testing.B) {
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	k := key.(*ecdsa.PrivateKey)
	digest := sha256.Sum256([]byte("artifact"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ecdsa.SignASN1(rand.Reader, k, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}
