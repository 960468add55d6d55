package signer

import (
	"crypto/rand"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TestEncryptionParameterBounds: attacker-chosen KDF parameters in encrypted
// PKCS#8 are refused before any work is done or the passphrase is asked for;
// parameters at the caps are accepted.
func TestEncryptionParameterBounds(t *testing.T) {
	for _, tc := range []struct {
		name string
		der  []byte
		want error // nil: accepted by parsePBES2
	}{
		{"PBKDF2 at the cap", pbes2DER(pbkdf2Params(maxPBKDF2Iterations, nil), oidAES256CBC, 16, 16), nil},
		{"PBKDF2 above the cap", pbes2DER(pbkdf2Params(maxPBKDF2Iterations+1, nil), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"PBKDF2 0 iterations", pbes2DER(pbkdf2Params(0, nil), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"PBKDF2 negative iterations", pbes2DER(pbkdf2Params(-1, nil), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"PBKDF2 2^62 iterations", pbes2DER(pbkdf2Params(1<<62, nil), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"PBKDF2 matching key length", pbes2DER(pbkdf2Params(1, []int64{32}), oidAES256CBC, 16, 16), nil},
		{"PBKDF2 wrong key length", pbes2DER(pbkdf2Params(1, []int64{16}), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"short IV", pbes2DER(pbkdf2Params(1, nil), oidAES256CBC, 8, 16), ErrMalformedKey},
		{"partial block", pbes2DER(pbkdf2Params(1, nil), oidAES256CBC, 16, 17), ErrMalformedKey},
		{"empty ciphertext", pbes2DER(pbkdf2Params(1, nil), oidAES256CBC, 16, 0), ErrMalformedKey},
		{"scrypt at the caps", pbes2DER(scryptParams(1<<17, 8, 4), oidAES256CBC, 16, 16), nil},
		{"scrypt N=2^20 r=1", pbes2DER(scryptParams(1<<20, 1, 1), oidAES256CBC, 16, 16), nil},
		{"scrypt N=2^21", pbes2DER(scryptParams(1<<21, 1, 1), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt N=2^20 r=8 (1 GiB)", pbes2DER(scryptParams(1<<20, 8, 1), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt N*r*p above 2^22", pbes2DER(scryptParams(1<<17, 8, 5), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt N not a power of two", pbes2DER(scryptParams(1000, 8, 1), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt r=0", pbes2DER(scryptParams(1024, 0, 1), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt p=0", pbes2DER(scryptParams(1024, 8, 0), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"scrypt r*p overflow", pbes2DER(scryptParams(2, 1<<62, 1<<62), oidAES256CBC, 16, 16), ErrMalformedKey},
		{"3DES", pbes2DER(pbkdf2Params(1, nil), asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}, 8, 16), ErrUnsupportedKey},
	} {
		if tc.want == nil {
			if _, err := parsePBES2(tc.der); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		asked := false
		data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: tc.der})
		_, err := ParsePrivateKeyPEM(data, func() ([]byte, error) { asked = true; return []byte("x"), nil })
		if !errors.Is(err, tc.want) || asked {
			t.Errorf("%s: err = %v (passphrase asked: %v), want %v before asking", tc.name, err, asked, tc.want)
		}
	}

	// Within the caps, a random ciphertext is a wrong passphrase.
	data := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: pbes2DER(pbkdf2Params(1, nil), oidAES128CBC, 16, 64)})
	if _, err := ParsePrivateKeyPEM(data, func() ([]byte, error) { return nil, nil }); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("random ciphertext: %v", err)
	}
}

func pbkdf2Params(iter int64, extra []int64) func(*cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBKDF2)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(make([]byte, 8))
			b.AddASN1Int64(iter)
			for _, e := range extra {
				b.AddASN1Int64(e)
			}
		})
	}
}

func scryptParams(n, r, p int64) func(*cryptobyte.Builder) {
	return func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidScrypt)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(make([]byte, 8))
			b.AddASN1Int64(n)
			b.AddASN1Int64(r)
			b.AddASN1Int64(p)
		})
	}
}

// pbes2DER builds an EncryptedPrivateKeyInfo with the given KDF, cipher, IV
// length and a random ciphertext.
func pbes2DER(kdf func(*cryptobyte.Builder), cipher asn1.ObjectIdentifier, ivLen, ctLen int) []byte {
	ct := make([]byte, ctLen)
	rand.Read(ct)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPBES2)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, kdf)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(cipher)
					b.AddASN1OctetString(make([]byte, ivLen))
				})
			})
		})
		b.AddASN1OctetString(ct)
	})
	return b.BytesOrPanic()
}
