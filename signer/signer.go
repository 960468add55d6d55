package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
)

// Errors returned by [ParsePrivateKeyPEM], [FromKey] and [FromCertificateChain].
// They are wrapped with detail; test for them with [errors.Is].
var (
	// ErrMalformedKey means the key data could not be parsed: it is not PEM,
	// holds no private key, or its DER, JSON or encryption parameters are
	// broken. Nothing is wrong with the passphrase; the file needs fixing.
	ErrMalformedKey = errors.New("signer: malformed private key")

	// ErrWrongPassphrase means an encrypted key could not be decrypted: the
	// passphrase is wrong, or no passphrase function was given for an
	// encrypted key. (Encrypted PKCS#8 keys use AES-CBC, which has no
	// integrity check, so a corrupted ciphertext is reported the same way.)
	ErrWrongPassphrase = errors.New("signer: wrong passphrase")

	// ErrUnsupportedKey means the key was understood but sigil will not sign
	// with it: its algorithm is outside sigil's allow-list (RSA below 2048 or
	// above 8192 bits, P-224, secp256k1, Ed448, DSA, ...), or it is stored in
	// a format or with an encryption scheme sigil does not read (legacy
	// OpenSSL "Proc-Type: 4,ENCRYPTED" PEM, PBES1, 3DES, OpenSSH keys).
	ErrUnsupportedKey = errors.New("signer: unsupported key")

	// ErrKeyMismatch means the leaf certificate given to
	// [FromCertificateChain] holds a public key other than the signing key's.
	ErrKeyMismatch = errors.New("signer: certificate does not hold the signing key's public key")

	// ErrInvalidChain means a certificate given to [FromCertificateChain] is
	// not issued and signed by the certificate that follows it, or the chain
	// is empty or too long.
	ErrInvalidChain = errors.New("signer: invalid certificate chain")
)

// KeyType names a kind of key to generate.
type KeyType int

// The key types [Generate] makes.
const (
	ECDSAP256 KeyType = iota // ECDSA on NIST P-256, signing SHA-256 digests; the default
	ECDSAP384                // ECDSA on NIST P-384, signing SHA-384 digests
	ECDSAP521                // ECDSA on NIST P-521, signing SHA-512 digests
	Ed25519                  // Ed25519: Ed25519ph over SHA-512 digests, pure Ed25519 over messages
)

// Generate makes a fresh in-memory key of type t from crypto/rand, for
// ephemeral (keyless) signing or tests. The key is an *ecdsa.PrivateKey or an
// ed25519.PrivateKey; wrap it with [FromKey] to sign. An unknown t is an
// error wrapping [ErrUnsupportedKey].
func Generate(t KeyType) (crypto.Signer, error) {
	var curve elliptic.Curve
	switch t {
	case ECDSAP256:
		curve = elliptic.P256()
	case ECDSAP384:
		curve = elliptic.P384()
	case ECDSAP521:
		curve = elliptic.P521()
	case Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("signer: generating Ed25519 key: %w", err)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%w: unknown KeyType %d", ErrUnsupportedKey, int(t))
	}
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("signer: generating ECDSA key: %w", err)
	}
	return k, nil
}
