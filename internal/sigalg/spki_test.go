package sigalg

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"
)

func TestMarshalPublicKey(t *testing.T) {
	var keys []crypto.PublicKey
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		for range 20 {
			k, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, &k.PublicKey)
		}
	}
	for range 20 {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, pub)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys = append(keys, &rk.PublicKey)
	for _, k := range keys {
		got, err := MarshalPublicKey(k)
		if err != nil {
			t.Fatalf("%T: %v", k, err)
		}
		want, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%T: MarshalPublicKey = %x, crypto/x509 = %x", k, got, want)
		}
	}
	for _, bad := range []crypto.PublicKey{ed25519.PublicKey(make([]byte, 31)), "key"} {
		if _, err := MarshalPublicKey(bad); err == nil {
			t.Errorf("MarshalPublicKey(%#v) succeeded", bad)
		}
	}
}

func BenchmarkMarshalPublicKey(b *testing.B) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sigalg", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := MarshalPublicKey(&k.PublicKey); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("x509", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := x509.MarshalPKIXPublicKey(&k.PublicKey); err != nil {
				b.Fatal(err)
			}
		}
	})
}
