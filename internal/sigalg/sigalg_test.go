package sigalg

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"testing"
)

func TestAllowList(t *testing.T) {
	msg := []byte("sigil")
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		want Algorithm
	}{
		{"P-256", must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)), ECDSAP256SHA256},
		{"P-384", must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)), ECDSAP384SHA384},
		{"P-521", must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader)), ECDSAP521SHA512},
		{"RSA-2048", must(rsa.GenerateKey(rand.Reader, 2048)), RSAPKCS1SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			alg, err := ForKey(tc.key.Public())
			if err != nil || alg != tc.want {
				t.Fatalf("ForKey: %v, %v", alg, err)
			}
			h := alg.Hash().New()
			h.Write(msg)
			sig, err := tc.key.Sign(rand.Reader, h.Sum(nil), alg.Hash())
			if err != nil {
				t.Fatal(err)
			}
			if err := alg.Verify(tc.key.Public(), msg, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if err := alg.Verify(tc.key.Public(), []byte("other"), sig); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("wrong message: %v", err)
			}
			// SHA-256 digests are allowed for every ECDSA and RSA key.
			a256, err := alg.WithHash(crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			d := sha256.Sum256(msg)
			sig256, _ := tc.key.Sign(rand.Reader, d[:], crypto.SHA256)
			if err := a256.VerifyDigest(tc.key.Public(), d[:], sig256); err != nil {
				t.Fatalf("SHA-256 digest: %v", err)
			}
			if err := a256.VerifyDigest(tc.key.Public(), d[:31], sig256); !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("short digest: %v", err)
			}
			if _, err := alg.WithHash(crypto.SHA1); !errors.Is(err, ErrUnsupported) {
				t.Fatalf("SHA-1 allowed: %v", err)
			}
		})
	}
}

func TestRSAPSS(t *testing.T) {
	k := must(rsa.GenerateKey(rand.Reader, 2048))
	d := sha256.Sum256([]byte("sigil"))
	sig, _ := rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], nil)
	if err := RSAPSSSHA256.VerifyDigest(&k.PublicKey, d[:], sig); err != nil {
		t.Fatal(err)
	}
	if err := RSAPKCS1SHA256.VerifyDigest(&k.PublicKey, d[:], sig); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("PSS signature accepted as PKCS#1 v1.5: %v", err)
	}
}

func TestEd25519(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := []byte("sigil")
	if err := Ed25519.Verify(pub, msg, ed25519.Sign(priv, msg)); err != nil {
		t.Fatal(err)
	}
	if err := Ed25519.VerifyDigest(pub, msg, nil); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("pure Ed25519 over a digest: %v", err)
	}
	d := sha512.Sum512(msg)
	sig, _ := priv.Sign(rand.Reader, d[:], &ed25519.Options{Hash: crypto.SHA512})
	if err := Ed25519ph.VerifyDigest(pub, d[:], sig); err != nil {
		t.Fatal(err)
	}
	if _, err := Ed25519ph.WithHash(crypto.SHA256); !errors.Is(err, ErrUnsupported) {
		t.Fatal("Ed25519ph with SHA-256 allowed")
	}
}

func TestRejects(t *testing.T) {
	p224 := must(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))
	rsa1024 := must(rsa.GenerateKey(rand.Reader, 1024))
	for name, pub := range map[string]crypto.PublicKey{
		"P-224":         &p224.PublicKey,
		"RSA-1024":      &rsa1024.PublicKey,
		"nil":           nil,
		"nil ECDSA":     (*ecdsa.PublicKey)(nil),
		"nil RSA":       (*rsa.PublicKey)(nil),
		"no coordinate": &ecdsa.PublicKey{Curve: elliptic.P256()},
		"short Ed25519": ed25519.PublicKey(make([]byte, 31)),
		"private key":   p224,
	} {
		if _, err := ForKey(pub); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: ForKey accepted it (%v)", name, err)
		}
		if err := ECDSAP256SHA256.VerifyDigest(pub, make([]byte, 32), []byte{0}); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	k := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	if err := ECDSAP384SHA384.Check(&k.PublicKey); !errors.Is(err, ErrUnsupported) {
		t.Fatal("P-256 key accepted for P-384 algorithm")
	}
	if err := (Algorithm{}).Verify(&k.PublicKey, nil, nil); !errors.Is(err, ErrUnsupported) {
		t.Fatal("zero algorithm verified")
	}
	for _, d := range []string{"PKIX_ECDSA_P256_SHA_256", "PKIX_ED25519", "PKIX_RSA_PKCS1V15_2048_SHA256", "PKCS1_RSA_PKCS1V5"} {
		if _, err := ForKeyDetails(d); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	if _, err := ForKeyDetails("PKIX_ECDSA_P256_HMAC_SHA_256"); !errors.Is(err, ErrUnsupported) {
		t.Error("unknown key details accepted")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// KeyDetails inverts ForKeyDetails for every algorithm and key it names.
func TestKeyDetails(t *testing.T) {
	ed, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsa2048 := &must(rsa.GenerateKey(rand.Reader, 2048)).PublicKey
	for _, tc := range []struct {
		alg  Algorithm
		pub  crypto.PublicKey
		want string
	}{
		{ECDSAP256SHA256, &must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).PublicKey, "PKIX_ECDSA_P256_SHA_256"},
		{ECDSAP384SHA384, &must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)).PublicKey, "PKIX_ECDSA_P384_SHA_384"},
		{ECDSAP521SHA512, &must(ecdsa.GenerateKey(elliptic.P521(), rand.Reader)).PublicKey, "PKIX_ECDSA_P521_SHA_512"},
		{Ed25519, ed, "PKIX_ED25519"},
		{Ed25519ph, ed, "PKIX_ED25519_PH"},
		{RSAPKCS1SHA256, rsa2048, "PKIX_RSA_PKCS1V15_2048_SHA256"},
		{RSAPSSSHA256, rsa2048, "PKIX_RSA_PSS_2048_SHA256"},
	} {
		got, err := KeyDetails(tc.alg, tc.pub)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.alg, got, err, tc.want)
			continue
		}
		if back, err := ForKeyDetails(got); err != nil || back != tc.alg {
			t.Errorf("%s: ForKeyDetails(%q) = %s, %v", tc.alg, got, back, err)
		}
	}
	// P-256 with SHA-384, a 2560-bit RSA key, or a key of another type have none.
	p256 := &must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)).PublicKey
	for _, tc := range []struct {
		alg Algorithm
		pub crypto.PublicKey
	}{
		{must(ECDSAP256SHA256.WithHash(crypto.SHA384)), p256},
		{RSAPKCS1SHA256, &must(rsa.GenerateKey(rand.Reader, 2560)).PublicKey},
		{Ed25519, p256},
	} {
		if got, err := KeyDetails(tc.alg, tc.pub); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s with %T: %q, %v; want ErrUnsupported", tc.alg, tc.pub, got, err)
		}
	}
}

// TestForDigests: Ed25519 keys sign digests as Ed25519ph; every other
// algorithm signs them as itself.
func TestForDigests(t *testing.T) {
	for _, a := range []Algorithm{ECDSAP256SHA256, ECDSAP384SHA384, ECDSAP521SHA512, RSAPKCS1SHA256, RSAPSSSHA256, Ed25519ph} {
		if got := a.ForDigests(); got != a {
			t.Errorf("%s.ForDigests() = %s", a, got)
		}
	}
	if got := Ed25519.ForDigests(); got != Ed25519ph {
		t.Errorf("Ed25519.ForDigests() = %s, want Ed25519ph", got)
	}
}
