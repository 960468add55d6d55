package signer_test

import (
	"errors"
	"testing"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
)

// FuzzParsePrivateKeyPEM: any input either fails with one of the three
// documented errors, or yields a key on sigil's allow-list that signs
// verifiable signatures. It never panics. The seed corpus in
// testdata/fuzz/FuzzParsePrivateKeyPEM holds every committed fixture, all
// encrypted with the passphrase used here.
func FuzzParsePrivateKeyPEM(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\ne30=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"))
	pass := passphrase(testPassphrase)
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := signer.ParsePrivateKeyPEM(data, pass)
		if err != nil {
			if key != nil {
				t.Fatalf("key %T returned with error %v", key, err)
			}
			if !errors.Is(err, signer.ErrMalformedKey) && !errors.Is(err, signer.ErrWrongPassphrase) && !errors.Is(err, signer.ErrUnsupportedKey) {
				t.Fatalf("undocumented error: %v", err)
			}
			return
		}
		if _, err := sigalg.ForKey(key.Public()); err != nil {
			t.Fatalf("key outside the allow-list: %v", err)
		}
		c, err := signer.FromKey(key)
		if err != nil {
			t.Fatalf("FromKey: %v", err)
		}
		digestAlg, _ := verifierAlgs(t, c.PublicKey(), false)
		digest := make([]byte, c.HashFunc().Size())
		sig, err := c.SignDigest(nil, digest)
		if err != nil {
			t.Fatalf("SignDigest: %v", err)
		}
		if err := digestAlg.VerifyDigest(c.PublicKey(), digest, sig); err != nil {
			t.Fatalf("signature does not verify: %v", err)
		}
	})
}
