package dsse

import (
	"bytes"
	"crypto"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"testing"
)

func TestPAE(t *testing.T) {
	got := PAE("application/vnd.in-toto+json", []byte("hello"))
	want := "DSSEv1 28 application/vnd.in-toto+json 5 hello"
	if string(got) != want {
		t.Fatalf("PAE = %q, want %q", got, want)
	}
}

// TestDigest: Digest hashes exactly the bytes of PAE.
func TestDigest(t *testing.T) {
	payload := bytes.Repeat([]byte("payload "), 1000)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		d := h.New()
		d.Write(PAE("text/plain", payload))
		if got := Digest(h, "text/plain", payload); !bytes.Equal(got, d.Sum(nil)) {
			t.Errorf("%v: Digest differs from the digest of PAE", h)
		}
	}
	if Digest(crypto.Hash(0), "t", nil) != nil {
		t.Error("Digest of an unavailable hash is not nil")
	}
}
