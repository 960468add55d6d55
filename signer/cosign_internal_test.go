package signer

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCosignEnvelopeVectors decrypts envelopes written by go-securesystemslib,
// the library cosign encrypts its keys with (see testdata/third_party).
func TestCosignEnvelopeVectors(t *testing.T) {
	data, err := os.ReadFile("testdata/third_party/go-securesystemslib-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Name       string
		Passphrase string
		Plaintext  string
		Envelope   json.RawMessage
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) != 4 {
		t.Fatalf("%d vectors", len(vectors))
	}
	for _, v := range vectors {
		pass := func() ([]byte, error) { return []byte(v.Passphrase), nil }
		got, err := decryptCosign(v.Envelope, pass)
		if err != nil || string(got) != v.Plaintext {
			t.Errorf("%s: decrypt = %q, %v; want %q", v.Name, got, err, v.Plaintext)
		}
	}
	wrong := func() ([]byte, error) { return []byte(strings.ToUpper(vectors[0].Passphrase)), nil }
	if _, err := decryptCosign(vectors[0].Envelope, wrong); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase: %v", err)
	}
}

// TestCosignEnvelopeChecks: parameters are checked before the passphrase is
// asked for and before scrypt runs.
func TestCosignEnvelopeChecks(t *testing.T) {
	const good = `{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}`
	for _, tc := range []struct {
		name, old, new string
		want           error
	}{
		{"N=2^21", `"N":32768`, `"N":2097152`, ErrMalformedKey},
		{"N=2^20 r=8", `"N":32768`, `"N":1048576`, ErrMalformedKey},
		{"N*r*p above 2^22", `"p":1`, `"p":17`, ErrMalformedKey},
		{"N not a power of two", `"N":32768`, `"N":32767`, ErrMalformedKey},
		{"N=0", `"N":32768`, `"N":0`, ErrMalformedKey},
		{"N=1", `"N":32768`, `"N":1`, ErrMalformedKey},
		{"N negative", `"N":32768`, `"N":-32768`, ErrMalformedKey},
		{"N overflows", `"N":32768`, `"N":1e300`, ErrMalformedKey},
		{"r=0", `"r":8`, `"r":0`, ErrMalformedKey},
		{"r huge", `"r":8`, `"r":1073741824`, ErrMalformedKey},
		{"p=0", `"p":1`, `"p":0`, ErrMalformedKey},
		{"p huge", `"p":1`, `"p":9223372036854775807`, ErrMalformedKey},
		{"short nonce", `"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"`, `"2h8HxMmgRfuYdpswZBQaU3xJ"`, ErrMalformedKey},
		{"nonce not base64", `"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"`, `"!"`, ErrMalformedKey},
		{"short ciphertext", `"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="`, `"SEW6"`, ErrMalformedKey},
		{"other KDF", `"name":"scrypt"`, `"name":"argon2id"`, ErrUnsupportedKey},
		{"other cipher", `"name":"nacl/secretbox"`, `"name":"aes-gcm"`, ErrUnsupportedKey},
		{"not JSON", good, `not json`, ErrMalformedKey},
		{"trailing JSON", good, good + `{}`, ErrMalformedKey},
		{"wrong type", `"N":32768`, `"N":"32768"`, ErrMalformedKey},
	} {
		env := strings.Replace(good, tc.old, tc.new, 1)
		if env == good {
			t.Fatalf("%s: no change", tc.name)
		}
		asked := false
		_, err := decryptCosign([]byte(env), func() ([]byte, error) { asked = true; return []byte("supersecret"), nil })
		if !errors.Is(err, tc.want) || asked {
			t.Errorf("%s: err = %v (passphrase asked: %v), want %v", tc.name, err, asked, tc.want)
		}
	}
}
