package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/bits"
	"strings"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Bounds on attacker-controlled sizes and work in key files. A key file is
// usually the user's own, but it may come from a less trusted place (a CI
// secret, a shared volume), and parsing it must not be a way to exhaust
// memory or CPU.
const (
	// maxPEMSize bounds the PEM input. An 8192-bit RSA key in PKCS#8, encrypted
	// and PEM-armoured, is about 7 KiB.
	maxPEMSize = 64 << 10

	// maxPBKDF2Iterations bounds PBKDF2's iteration count in encrypted
	// PKCS#8. OpenSSL writes 2048 by default; OWASP's 2023 advice is 600,000
	// for HMAC-SHA-256 and 1,300,000 for HMAC-SHA-1. 2^21 takes about a second.
	maxPBKDF2Iterations = 1 << 21

	// maxScryptN bounds scrypt's cost parameter N, in cosign keys and in
	// PBES2-scrypt PKCS#8. cosign writes N = 2^15 (go-securesystemslib also
	// knows 2^16 and 2^17); OpenSSL writes 2^14.
	maxScryptN = 1 << 20

	// maxScryptNr bounds N*r, which sets scrypt's memory: 128*N*r bytes, so
	// 2^20 is 128 MiB (go-securesystemslib's strongest preset, N = 2^17 with
	// r = 8, needs exactly that).
	maxScryptNr = 1 << 20

	// maxScryptNrp bounds N*r*p, which sets scrypt's work: four times the
	// strongest go-securesystemslib preset, about a second.
	maxScryptNrp = 1 << 22
)

// PEM block types.
const (
	pemPKCS8          = "PRIVATE KEY"
	pemPKCS1          = "RSA PRIVATE KEY"
	pemSEC1           = "EC PRIVATE KEY"
	pemEncryptedPKCS8 = "ENCRYPTED PRIVATE KEY"
	pemSigstore       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemCosign         = "ENCRYPTED COSIGN PRIVATE KEY"
	pemECParameters   = "EC PARAMETERS"
)

// ParsePrivateKeyPEM loads a private key from PEM data. It reads the block
// types
//
//   - "PRIVATE KEY": PKCS#8 (RSA, ECDSA or Ed25519), as `openssl genpkey` writes;
//   - "RSA PRIVATE KEY": PKCS#1, as `openssl genrsa -traditional` writes;
//   - "EC PRIVATE KEY": SEC1, as `openssl ecparam -genkey` writes (a
//     preceding "EC PARAMETERS" block is skipped);
//   - "ENCRYPTED PRIVATE KEY": PKCS#8 encrypted with PBES2 — PBKDF2 with
//     HMAC-SHA-1, -SHA-256, -SHA-384 or -SHA-512, or scrypt — and AES-128,
//     -192 or -256 in CBC mode, as `openssl pkcs8 -topk8 -v2 aes-256-cbc`
//     (or `-scrypt`) and `openssl genpkey -aes-256-cbc` write;
//   - "ENCRYPTED SIGSTORE PRIVATE KEY" and "ENCRYPTED COSIGN PRIVATE KEY":
//     cosign's scrypt and NaCl secretbox JSON envelope around PKCS#8, as
//     `cosign generate-key-pair` and `cosign import-key-pair` write.
//
// Text around the PEM block is ignored; a file with two private keys is an
// error. passphrase is called, once, only for an encrypted key, after the
// key's encryption parameters have been checked; an empty passphrase is
// valid (cosign allows it). ParsePrivateKeyPEM keeps neither the passphrase
// nor the decrypted key encoding. An error from passphrase is returned
// wrapped.
//
// Errors wrap [ErrMalformedKey] (not a key, or a broken one),
// [ErrWrongPassphrase] (the passphrase does not decrypt the key, or
// passphrase is nil for an encrypted key) or [ErrUnsupportedKey] (an
// algorithm outside sigil's allow-list, or an encryption scheme or format
// sigil does not read, such as OpenSSL's legacy "Proc-Type: 4,ENCRYPTED" PEM
// encryption that `openssl ec -aes256` and `openssl rsa -aes256` write;
// convert those with `openssl pkcs8 -topk8 -v2 aes-256-cbc`).
//
// Attacker-controlled sizes are bounded: the input to 64 KiB, PBKDF2 to 2^21
// iterations, scrypt to N <= 2^20, 128 MiB of memory and 2^22 N*r*p.
//
// The key is returned as an *rsa.PrivateKey, *ecdsa.PrivateKey or
// ed25519.PrivateKey.
func ParsePrivateKeyPEM(data []byte, passphrase func() ([]byte, error)) (crypto.Signer, error) {
	if len(data) > maxPEMSize {
		return nil, fmt.Errorf("%w: %d bytes of PEM, at most %d allowed", ErrMalformedKey, len(data), maxPEMSize)
	}
	block, err := findKeyBlock(data)
	if err != nil {
		return nil, err
	}
	der := block.Bytes
	defer clear(der)
	if _, ok := block.Headers["Proc-Type"]; ok {
		return nil, fmt.Errorf("%w: %q block with legacy OpenSSL PEM encryption (Proc-Type/DEK-Info); "+
			"convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`", ErrUnsupportedKey, block.Type)
	}
	var key crypto.Signer
	switch block.Type {
	case pemPKCS8:
		key, err = parsePKCS8(der)
	case pemPKCS1:
		key, err = parsePKCS1(der)
	case pemSEC1:
		key, err = parseSEC1(der)
	case pemEncryptedPKCS8:
		key, err = parseEncryptedPKCS8(der, passphrase)
	case pemSigstore, pemCosign:
		key, err = parseCosign(der, passphrase)
	}
	if err != nil {
		return nil, err
	}
	// sigalg's allow-list is the one decision on which keys sign.
	if err := checkAllowed(key.Public()); err != nil {
		return nil, err
	}
	return key, nil
}

// checkAllowed asks sigalg's allow-list about pub and describes a refused key.
func checkAllowed(pub crypto.PublicKey) error {
	if _, err := sigalg.ForKey(pub); err != nil {
		desc := fmt.Sprintf("%T", pub)
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			if k != nil && k.Curve != nil {
				desc = "ECDSA " + k.Curve.Params().Name
			}
		case *rsa.PublicKey:
			if k != nil && k.N != nil {
				desc = fmt.Sprintf("%d-bit RSA", k.N.BitLen())
			}
		}
		return fmt.Errorf("%w: %s key, not on sigil's allow-list", ErrUnsupportedKey, desc)
	}
	return nil
}

// findKeyBlock returns the one private-key PEM block in data.
func findKeyBlock(data []byte) (*pem.Block, error) {
	var (
		key    *pem.Block
		others []string
		rest   = data
	)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch b.Type {
		case pemPKCS8, pemPKCS1, pemSEC1, pemEncryptedPKCS8, pemSigstore, pemCosign:
			if key != nil {
				return nil, fmt.Errorf("%w: more than one private key (%q and %q blocks)", ErrMalformedKey, key.Type, b.Type)
			}
			key = b
		case pemECParameters:
			// openssl ecparam -genkey writes the curve ahead of the key, which
			// names it again.
		default:
			if strings.HasSuffix(b.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("%w: %q PEM blocks are not supported", ErrUnsupportedKey, b.Type)
			}
			others = append(others, b.Type)
		}
	}
	if key == nil {
		if len(others) > 0 {
			return nil, fmt.Errorf("%w: no private key PEM block, only %q", ErrMalformedKey, others)
		}
		return nil, fmt.Errorf("%w: no PEM data", ErrMalformedKey)
	}
	return key, nil
}

// Object identifiers of key algorithms and curves.
var (
	oidRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSA     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidEd25519   = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidCurveP224 = asn1.ObjectIdentifier{1, 3, 132, 0, 33}
	oidCurveP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidCurveP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidCurveP521 = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
)

// oidNames names object identifiers in error messages.
var oidNames = map[string]string{
	"1.3.101.110":             "X25519",
	"1.3.101.111":             "X448",
	"1.3.101.113":             "Ed448",
	"1.2.840.10040.4.1":       "DSA",
	"1.2.840.113549.1.1.10":   "RSASSA-PSS",
	"1.3.132.0.10":            "secp256k1",
	"1.3.36.3.3.2.8.1.1.7":    "brainpoolP256r1",
	"1.2.840.113549.3.7":      "DES-EDE3-CBC",
	"1.2.840.113549.2.8":      "HMAC-SHA-224",
	"1.2.840.113549.1.5.3":    "PBES1 pbeWithMD5AndDES-CBC",
	"1.2.840.113549.1.5.10":   "PBES1 pbeWithSHA1AndDES-CBC",
	"1.2.840.113549.1.12.1.3": "PKCS#12 pbeWithSHAAnd3-KeyTripleDES-CBC",
}

func oidName(oid asn1.ObjectIdentifier) string {
	if n, ok := oidNames[oid.String()]; ok {
		return n + " (" + oid.String() + ")"
	}
	return oid.String()
}

// The functions below look at a key's DER envelope before crypto/x509 parses
// it. They classify what x509 cannot parse (an unknown algorithm or curve is
// ErrUnsupportedKey, not ErrMalformedKey) and refuse an RSA modulus outside
// sigalg's bounds before x509 spends time validating it. Which parsed keys
// sign is still decided by sigalg.ForKey alone.

// parsePKCS8 parses a PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5958).
func parsePKCS8(der []byte) (crypto.Signer, error) {
	in := cryptobyte.String(der)
	var info, algID, privKey cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !in.Empty() ||
		!info.SkipASN1(cbasn1.INTEGER) ||
		!info.ReadASN1(&algID, cbasn1.SEQUENCE) || !algID.ReadASN1ObjectIdentifier(&oid) ||
		!info.ReadASN1(&privKey, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: invalid PKCS#8 structure", ErrMalformedKey)
	}
	switch {
	case oid.Equal(oidRSA):
		if err := checkRSAModulus(privKey); err != nil {
			return nil, err
		}
	case oid.Equal(oidECDSA):
		var curve asn1.ObjectIdentifier
		if !algID.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
			return nil, fmt.Errorf("%w: EC key without a named curve (explicit curve parameters)", ErrUnsupportedKey)
		}
		if !algID.ReadASN1ObjectIdentifier(&curve) {
			return nil, fmt.Errorf("%w: invalid PKCS#8 EC parameters", ErrMalformedKey)
		}
		if err := checkCurve(curve); err != nil {
			return nil, err
		}
	case oid.Equal(oidEd25519):
	default:
		return nil, fmt.Errorf("%w: key algorithm %s", ErrUnsupportedKey, oidName(oid))
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: PKCS#8: %v", ErrMalformedKey, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T keys do not sign", ErrUnsupportedKey, k)
	}
	return s, nil
}

// parsePKCS1 parses a PKCS#1 RSAPrivateKey (RFC 8017).
func parsePKCS1(der []byte) (crypto.Signer, error) {
	in := cryptobyte.String(der)
	if err := checkRSAModulus(in); err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS1PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: PKCS#1: %v", ErrMalformedKey, err)
	}
	return k, nil
}

// parseSEC1 parses a SEC 1 ECPrivateKey (RFC 5915).
func parseSEC1(der []byte) (crypto.Signer, error) {
	in := cryptobyte.String(der)
	var key, params cryptobyte.String
	var hasParams bool
	if !in.ReadASN1(&key, cbasn1.SEQUENCE) || !in.Empty() ||
		!key.SkipASN1(cbasn1.INTEGER) || !key.SkipASN1(cbasn1.OCTET_STRING) ||
		!key.ReadOptionalASN1(&params, &hasParams, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, fmt.Errorf("%w: invalid SEC 1 EC key structure", ErrMalformedKey)
	}
	if !hasParams {
		return nil, fmt.Errorf("%w: SEC 1 EC key does not name its curve", ErrMalformedKey)
	}
	if !params.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		return nil, fmt.Errorf("%w: EC key without a named curve (explicit curve parameters)", ErrUnsupportedKey)
	}
	var curve asn1.ObjectIdentifier
	if !params.ReadASN1ObjectIdentifier(&curve) {
		return nil, fmt.Errorf("%w: invalid SEC 1 curve", ErrMalformedKey)
	}
	if err := checkCurve(curve); err != nil {
		return nil, err
	}
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: SEC 1: %v", ErrMalformedKey, err)
	}
	return k, nil
}

// checkCurve refuses curves crypto/x509 cannot parse. (Of those it can,
// sigalg refuses P-224 after parsing.)
func checkCurve(oid asn1.ObjectIdentifier) error {
	for _, c := range []asn1.ObjectIdentifier{oidCurveP224, oidCurveP256, oidCurveP384, oidCurveP521} {
		if oid.Equal(c) {
			return nil
		}
	}
	return fmt.Errorf("%w: elliptic curve %s", ErrUnsupportedKey, oidName(oid))
}

// checkRSAModulus reads the modulus of a PKCS#1 RSAPrivateKey and refuses
// one outside sigalg's bounds before x509 validates the key, which for a
// huge modulus would take long.
func checkRSAModulus(der cryptobyte.String) error {
	var key, n cryptobyte.String
	if !der.ReadASN1(&key, cbasn1.SEQUENCE) || !der.Empty() ||
		!key.SkipASN1(cbasn1.INTEGER) || !key.ReadASN1(&n, cbasn1.INTEGER) || len(n) == 0 || n[0]&0x80 != 0 {
		return fmt.Errorf("%w: invalid RSA key structure", ErrMalformedKey)
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	size := 0
	if len(n) > 0 {
		size = (len(n)-1)*8 + bits.Len8(n[0])
	}
	if size < sigalg.MinRSABits || size > sigalg.MaxRSABits {
		return fmt.Errorf("%w: %d-bit RSA key, sigil accepts %d to %d bits", ErrUnsupportedKey, size, sigalg.MinRSABits, sigalg.MaxRSABits)
	}
	return nil
}
