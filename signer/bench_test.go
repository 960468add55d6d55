package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/sigil-dev/sigil/signer"
)

// BenchmarkSignDigestP256 measures a Credential's cost over the key's own
// Sign (compare with BenchmarkECDSASignASN1P256): "key" for a
// standard-library key, "hsm" for a crypto.Signer that is not one, whose
// every signature is also verified before it is returned.
func BenchmarkSignDigestP256(b *testing.B) {
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact"))
	for name, k := range map[string]crypto.Signer{"key": key, "hsm": newHSMKey(key)} {
		b.Run(name, func(b *testing.B) {
			c, err := signer.FromKey(k)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.SignDigest(rand.Reader, digest[:]); err != nil {
					b.Fatal(err)
				}
			}
		})
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
