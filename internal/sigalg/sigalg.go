// Package sigalg is sigil's single signature-algorithm allow-list.
//
// Every signature sigil checks — artifact signatures, DSSE envelopes, SETs,
// checkpoints, SCTs — goes through Verify with an Algorithm derived from the
// public key (or from the trusted root's key details), never from the data
// being verified.
package sigalg

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
)

// Algorithm is one entry of the allow-list.
type Algorithm struct {
	name string
	kind kind
	hash crypto.Hash // message digest; for Ed25519ph the prehash, 0 for pure Ed25519
	bits int         // RSA modulus size or curve size
}

type kind uint8

const (
	kindECDSA kind = iota + 1
	kindRSAPKCS1
	kindRSAPSS
	kindEd25519
	kindEd25519ph
)

// The allow-list.
var (
	ECDSAP256SHA256 = Algorithm{"ECDSA_P256_SHA_256", kindECDSA, crypto.SHA256, 256}
	ECDSAP384SHA384 = Algorithm{"ECDSA_P384_SHA_384", kindECDSA, crypto.SHA384, 384}
	ECDSAP521SHA512 = Algorithm{"ECDSA_P521_SHA_512", kindECDSA, crypto.SHA512, 521}
	RSAPKCS1SHA256  = Algorithm{"RSA_PKCS1V15_SHA_256", kindRSAPKCS1, crypto.SHA256, 0}
	RSAPSSSHA256    = Algorithm{"RSA_PSS_SHA_256", kindRSAPSS, crypto.SHA256, 0}
	Ed25519         = Algorithm{"ED25519", kindEd25519, 0, 255}
	Ed25519ph       = Algorithm{"ED25519_PH", kindEd25519ph, crypto.SHA512, 255}
)

// MinRSABits and MaxRSABits bound accepted RSA moduli.
const (
	MinRSABits = 2048
	MaxRSABits = 8192
)

// ErrUnsupported is returned for keys and algorithms outside the allow-list.
var ErrUnsupported = errors.New("sigalg: unsupported key or algorithm")

// ErrInvalidSignature is returned when a signature does not verify.
var ErrInvalidSignature = errors.New("sigalg: invalid signature")

// String returns the algorithm's name (the protobuf-specs spelling where one exists).
func (a Algorithm) String() string { return a.name }

// Hash returns the digest algorithm the signature is computed over; zero for
// pure Ed25519, which signs the message itself.
func (a Algorithm) Hash() crypto.Hash { return a.hash }

// IsZero reports whether a is the zero Algorithm.
func (a Algorithm) IsZero() bool { return a.kind == 0 }

// Prehashed reports whether the algorithm signs a digest (every algorithm but
// pure Ed25519).
func (a Algorithm) Prehashed() bool { return a.kind != kindEd25519 }

// ForKey returns the default algorithm for a public key: ECDSA with the
// curve's matching hash, RSA PKCS#1 v1.5 with SHA-256, or pure Ed25519.
func ForKey(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		// A hand-built key may lack coordinates. (Points off the curve need no
		// check here: ecdsa.VerifyASN1 rejects them.)
		//lint:ignore SA1019 reading, not setting, the coordinates.
		if k == nil || k.Curve == nil || k.X == nil || k.Y == nil {
			break
		}
		switch k.Curve {
		case elliptic.P256():
			return ECDSAP256SHA256, nil
		case elliptic.P384():
			return ECDSAP384SHA384, nil
		case elliptic.P521():
			return ECDSAP521SHA512, nil
		}
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			break
		}
		if n := k.N.BitLen(); n >= MinRSABits && n <= MaxRSABits {
			return RSAPKCS1SHA256, nil
		}
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return Ed25519, nil
		}
	}
	return Algorithm{}, fmt.Errorf("%w: public key %T", ErrUnsupported, pub)
}

// ForKeyDetails maps a protobuf-specs PublicKeyDetails name to an algorithm.
func ForKeyDetails(details string) (Algorithm, error) {
	switch details {
	case "PKIX_ECDSA_P256_SHA_256":
		return ECDSAP256SHA256, nil
	case "PKIX_ECDSA_P384_SHA_384":
		return ECDSAP384SHA384, nil
	case "PKIX_ECDSA_P521_SHA_512":
		return ECDSAP521SHA512, nil
	case "PKIX_RSA_PKCS1V15_2048_SHA256", "PKIX_RSA_PKCS1V15_3072_SHA256", "PKIX_RSA_PKCS1V15_4096_SHA256", "PKCS1_RSA_PKCS1V5", "PKIX_RSA_PKCS1V5":
		return RSAPKCS1SHA256, nil
	case "PKIX_RSA_PSS_2048_SHA256", "PKIX_RSA_PSS_3072_SHA256", "PKIX_RSA_PSS_4096_SHA256", "PKCS1_RSA_PSS", "PKIX_RSA_PSS":
		return RSAPSSSHA256, nil
	case "PKIX_ED25519":
		return Ed25519, nil
	case "PKIX_ED25519_PH":
		return Ed25519ph, nil
	}
	return Algorithm{}, fmt.Errorf("%w: key details %q", ErrUnsupported, details)
}

// KeyDetails is the inverse of ForKeyDetails: the protobuf-specs
// PublicKeyDetails name (current, not deprecated) of pub signing with a, as
// Rekor v2 requests name a verifier. a must be an algorithm pub can use
// (Check). RSA names carry the modulus size, so only 2048, 3072 and
// 4096-bit RSA keys have one.
func KeyDetails(a Algorithm, pub crypto.PublicKey) (string, error) {
	if err := a.Check(pub); err != nil {
		return "", err
	}
	switch a {
	case ECDSAP256SHA256:
		return "PKIX_ECDSA_P256_SHA_256", nil
	case ECDSAP384SHA384:
		return "PKIX_ECDSA_P384_SHA_384", nil
	case ECDSAP521SHA512:
		return "PKIX_ECDSA_P521_SHA_512", nil
	case Ed25519:
		return "PKIX_ED25519", nil
	case Ed25519ph:
		return "PKIX_ED25519_PH", nil
	case RSAPKCS1SHA256, RSAPSSSHA256:
		scheme := "PKCS1V15"
		if a == RSAPSSSHA256 {
			scheme = "PSS"
		}
		switch bits := pub.(*rsa.PublicKey).N.BitLen(); bits {
		case 2048, 3072, 4096:
			return fmt.Sprintf("PKIX_RSA_%s_%d_SHA256", scheme, bits), nil
		}
	}
	return "", fmt.Errorf("%w: no key details for a %T key signing with %s", ErrUnsupported, pub, a)
}

// WithHash returns the algorithm with its digest replaced by h, if the
// allow-list permits: ECDSA and RSA sign SHA-256, SHA-384 or SHA-512 digests
// (Sigstore signs SHA-256 digests with P-384 keys, for example); Ed25519ph
// signs only SHA-512 digests; pure Ed25519 signs no digest.
func (a Algorithm) WithHash(h crypto.Hash) (Algorithm, error) {
	switch a.kind {
	case kindECDSA, kindRSAPKCS1, kindRSAPSS:
		if h == crypto.SHA256 || h == crypto.SHA384 || h == crypto.SHA512 {
			a.hash = h
			return a, nil
		}
	case kindEd25519ph:
		if h == crypto.SHA512 {
			return a, nil
		}
	}
	return Algorithm{}, fmt.Errorf("%w: %v digests with %s", ErrUnsupported, h, a)
}

// ForDigests returns the algorithm with which a key of algorithm a signs a
// message digest: Ed25519ph for Ed25519 (pure Ed25519 signs messages, not
// digests; sigil signs digests with Ed25519 keys as Ed25519ph), a itself
// for every other algorithm.
func (a Algorithm) ForDigests() Algorithm {
	if a.kind == kindEd25519 {
		return Ed25519ph
	}
	return a
}

// Check reports whether pub is a key this algorithm can use.
func (a Algorithm) Check(pub crypto.PublicKey) error {
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = a.kind == kindECDSA && k != nil && k.Curve != nil && k.Curve.Params().BitSize == a.bits
	case *rsa.PublicKey:
		ok = (a.kind == kindRSAPKCS1 || a.kind == kindRSAPSS) && k != nil && k.N != nil &&
			k.N.BitLen() >= MinRSABits && k.N.BitLen() <= MaxRSABits
	case ed25519.PublicKey:
		ok = (a.kind == kindEd25519 || a.kind == kindEd25519ph) && len(k) == ed25519.PublicKeySize
	}
	if !ok {
		return fmt.Errorf("%w: %T key for %s", ErrUnsupported, pub, a)
	}
	return nil
}

// VerifyDigest checks sig over a digest computed with a.Hash(). It is not
// valid for pure Ed25519.
func (a Algorithm) VerifyDigest(pub crypto.PublicKey, digest, sig []byte) error {
	if err := a.Check(pub); err != nil {
		return err
	}
	if a.kind == kindEd25519 {
		return fmt.Errorf("%w: pure Ed25519 cannot verify a digest", ErrUnsupported)
	}
	if len(digest) != a.hash.Size() {
		return fmt.Errorf("%w: %d-byte digest for %s", ErrInvalidSignature, len(digest), a)
	}
	var ok bool
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		if a.kind == kindRSAPSS {
			ok = rsa.VerifyPSS(k, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(k, a.hash, digest, sig) == nil
		}
	case ed25519.PublicKey:
		ok = ed25519.VerifyWithOptions(k, digest, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
	}
	if !ok {
		return ErrInvalidSignature
	}
	return nil
}

// Verify checks sig over message, hashing it as the algorithm requires.
func (a Algorithm) Verify(pub crypto.PublicKey, message, sig []byte) error {
	if a.kind == kindEd25519 {
		if err := a.Check(pub); err != nil {
			return err
		}
		if !ed25519.Verify(pub.(ed25519.PublicKey), message, sig) {
			return ErrInvalidSignature
		}
		return nil
	}
	if a.kind == 0 {
		return fmt.Errorf("%w: zero algorithm", ErrUnsupported)
	}
	h := a.hash.New()
	h.Write(message)
	var buf [64]byte
	return a.VerifyDigest(pub, h.Sum(buf[:0]), sig)
}

// EqualKeys reports whether two public keys are the same key.
func EqualKeys(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	ea, ok := a.(equaler)
	return ok && b != nil && ea.Equal(b)
}
