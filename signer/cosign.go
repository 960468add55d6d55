package signer

import (
	"bytes"
	"crypto"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// cosignEnvelope is the JSON that cosign (through go-securesystemslib's
// encrypted package) stores, base64-encoded, in "ENCRYPTED SIGSTORE PRIVATE
// KEY" and "ENCRYPTED COSIGN PRIVATE KEY" PEM blocks:
//
//	{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"<base64>"},
//	 "cipher":{"name":"nacl/secretbox","nonce":"<base64>"},
//	 "ciphertext":"<base64>"}
//
// The secretbox key is scrypt(passphrase, salt, N, r, p, 32 bytes); the
// plaintext is the private key in PKCS#8 DER.
type cosignEnvelope struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

const (
	cosignKDF    = "scrypt"
	cosignCipher = "nacl/secretbox"
	cosignKeyLen = 32
)

// parseCosign decrypts and parses a cosign encrypted key.
func parseCosign(data []byte, passphrase func() ([]byte, error)) (crypto.Signer, error) {
	plain, err := decryptCosign(data, passphrase)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return parsePKCS8(plain)
}

// decryptCosign checks a cosign envelope's parameters, asks for the
// passphrase and decrypts it.
func decryptCosign(data []byte, passphrase func() ([]byte, error)) ([]byte, error) {
	var env cosignEnvelope
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("%w: cosign key: %v", ErrMalformedKey, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: cosign key: data after the JSON object", ErrMalformedKey)
	}
	if env.KDF.Name != cosignKDF {
		return nil, fmt.Errorf("%w: cosign key: key derivation function %q, want %q", ErrUnsupportedKey, env.KDF.Name, cosignKDF)
	}
	if env.Cipher.Name != cosignCipher {
		return nil, fmt.Errorf("%w: cosign key: cipher %q, want %q", ErrUnsupportedKey, env.Cipher.Name, cosignCipher)
	}
	kp := env.KDF.Params
	if err := checkScrypt(kp.N, kp.R, kp.P); err != nil {
		return nil, err
	}
	var nonce [24]byte
	if len(env.Cipher.Nonce) != len(nonce) {
		return nil, fmt.Errorf("%w: cosign key: %d-byte nonce, want %d", ErrMalformedKey, len(env.Cipher.Nonce), len(nonce))
	}
	copy(nonce[:], env.Cipher.Nonce)
	if len(env.Ciphertext) < secretbox.Overhead {
		return nil, fmt.Errorf("%w: cosign key: ciphertext too short", ErrMalformedKey)
	}

	pass, err := askPassphrase(passphrase)
	if err != nil {
		return nil, err
	}
	k, err := scrypt.Key(pass, env.KDF.Salt, kp.N, kp.R, kp.P, cosignKeyLen)
	if err != nil {
		return nil, fmt.Errorf("%w: cosign key: %v", ErrMalformedKey, err)
	}
	var key [cosignKeyLen]byte
	copy(key[:], k)
	clear(k)
	plain, ok := secretbox.Open(nil, env.Ciphertext, &nonce, &key)
	clear(key[:])
	if !ok {
		return nil, fmt.Errorf("%w: the cosign key did not decrypt", ErrWrongPassphrase)
	}
	return plain, nil
}
