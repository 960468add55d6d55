package signer

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"fmt"
	"hash"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/scrypt"
)

// Object identifiers of PKCS#5 v2.1 (RFC 8018) and RFC 7914.
var (
	oidPBES2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
)

// pbes2 holds the checked parameters of an encrypted PKCS#8 key.
type pbes2 struct {
	salt       []byte
	iterations int              // PBKDF2
	prf        func() hash.Hash // PBKDF2
	n, r, p    int              // scrypt, when n > 0
	keyLen     int
	iv         []byte
	ciphertext []byte
}

// parseEncryptedPKCS8 decrypts and parses a PKCS#8 EncryptedPrivateKeyInfo
// (RFC 5958) protected with PBES2 (RFC 8018).
func parseEncryptedPKCS8(der []byte, passphrase func() ([]byte, error)) (crypto.Signer, error) {
	params, err := parsePBES2(der)
	if err != nil {
		return nil, err
	}
	pass, err := askPassphrase(passphrase)
	if err != nil {
		return nil, err
	}
	plain, err := params.decrypt(pass)
	if err != nil {
		return nil, err
	}
	defer clear(plain)
	return parsePKCS8(plain)
}

func parsePBES2(der []byte) (*pbes2, error) {
	malformed := func(what string) error {
		return fmt.Errorf("%w: encrypted PKCS#8: invalid %s", ErrMalformedKey, what)
	}
	in := cryptobyte.String(der)
	var info, encAlg, pbesParams, kdf, scheme, ct cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !in.ReadASN1(&info, cbasn1.SEQUENCE) || !in.Empty() ||
		!info.ReadASN1(&encAlg, cbasn1.SEQUENCE) || !encAlg.ReadASN1ObjectIdentifier(&oid) ||
		!info.ReadASN1(&ct, cbasn1.OCTET_STRING) || !info.Empty() {
		return nil, malformed("structure")
	}
	if !oid.Equal(oidPBES2) {
		return nil, fmt.Errorf("%w: key encryption scheme %s; sigil reads PBES2 (`openssl pkcs8 -topk8 -v2 aes-256-cbc`)", ErrUnsupportedKey, oidName(oid))
	}
	if !encAlg.ReadASN1(&pbesParams, cbasn1.SEQUENCE) || !encAlg.Empty() ||
		!pbesParams.ReadASN1(&kdf, cbasn1.SEQUENCE) || !pbesParams.ReadASN1(&scheme, cbasn1.SEQUENCE) || !pbesParams.Empty() {
		return nil, malformed("PBES2 parameters")
	}
	p := &pbes2{ciphertext: ct}

	// The encryption scheme: AES-CBC with a 16-byte IV.
	var iv cryptobyte.String
	if !scheme.ReadASN1ObjectIdentifier(&oid) {
		return nil, malformed("encryption scheme")
	}
	switch {
	case oid.Equal(oidAES128CBC):
		p.keyLen = 16
	case oid.Equal(oidAES192CBC):
		p.keyLen = 24
	case oid.Equal(oidAES256CBC):
		p.keyLen = 32
	default:
		return nil, fmt.Errorf("%w: key cipher %s; sigil reads AES-CBC (`openssl pkcs8 -topk8 -v2 aes-256-cbc`)", ErrUnsupportedKey, oidName(oid))
	}
	if !scheme.ReadASN1(&iv, cbasn1.OCTET_STRING) || !scheme.Empty() || len(iv) != aes.BlockSize {
		return nil, malformed("AES-CBC IV")
	}
	p.iv = iv
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, malformed("ciphertext length")
	}

	// The key derivation function: PBKDF2 or scrypt.
	var kdfParams, salt cryptobyte.String
	if !kdf.ReadASN1ObjectIdentifier(&oid) || !kdf.ReadASN1(&kdfParams, cbasn1.SEQUENCE) || !kdf.Empty() {
		return nil, malformed("key derivation function")
	}
	switch {
	case oid.Equal(oidPBKDF2):
		// PBKDF2-params: salt (only the specified OCTET STRING form), iteration
		// count, optional key length, PRF defaulting to HMAC-SHA-1.
		var iter int
		if !kdfParams.ReadASN1(&salt, cbasn1.OCTET_STRING) || !kdfParams.ReadASN1Integer(&iter) {
			return nil, malformed("PBKDF2 parameters")
		}
		if iter < 1 || iter > maxPBKDF2Iterations {
			return nil, fmt.Errorf("%w: encrypted PKCS#8: %d PBKDF2 iterations, want 1 to %d", ErrMalformedKey, iter, maxPBKDF2Iterations)
		}
		if err := readKeyLength(&kdfParams, p.keyLen); err != nil {
			return nil, err
		}
		p.prf = sha1.New
		var prf cryptobyte.String
		var hasPRF bool
		if !kdfParams.ReadOptionalASN1(&prf, &hasPRF, cbasn1.SEQUENCE) || !kdfParams.Empty() {
			return nil, malformed("PBKDF2 parameters")
		}
		if hasPRF {
			if !prf.ReadASN1ObjectIdentifier(&oid) {
				return nil, malformed("PBKDF2 PRF")
			}
			if prf.PeekASN1Tag(cbasn1.NULL) {
				prf.SkipASN1(cbasn1.NULL)
			}
			if !prf.Empty() {
				return nil, malformed("PBKDF2 PRF")
			}
			switch {
			case oid.Equal(oidHMACSHA1):
				p.prf = sha1.New
			case oid.Equal(oidHMACSHA256):
				p.prf = sha256.New
			case oid.Equal(oidHMACSHA384):
				p.prf = sha512.New384
			case oid.Equal(oidHMACSHA512):
				p.prf = sha512.New
			default:
				return nil, fmt.Errorf("%w: PBKDF2 PRF %s", ErrUnsupportedKey, oidName(oid))
			}
		}
		p.iterations = iter
	case oid.Equal(oidScrypt):
		// scrypt-params (RFC 7914, section 7).
		if !kdfParams.ReadASN1(&salt, cbasn1.OCTET_STRING) ||
			!kdfParams.ReadASN1Integer(&p.n) || !kdfParams.ReadASN1Integer(&p.r) || !kdfParams.ReadASN1Integer(&p.p) {
			return nil, malformed("scrypt parameters")
		}
		if err := readKeyLength(&kdfParams, p.keyLen); err != nil {
			return nil, err
		}
		if !kdfParams.Empty() {
			return nil, malformed("scrypt parameters")
		}
		if err := checkScrypt(p.n, p.r, p.p); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: key derivation function %s; sigil reads PBKDF2 and scrypt", ErrUnsupportedKey, oidName(oid))
	}
	p.salt = salt
	return p, nil
}

// readKeyLength reads an optional keyLength INTEGER and checks it against
// the cipher's.
func readKeyLength(s *cryptobyte.String, want int) error {
	if !s.PeekASN1Tag(cbasn1.INTEGER) {
		return nil
	}
	var n int
	if !s.ReadASN1Integer(&n) || n != want {
		return fmt.Errorf("%w: encrypted PKCS#8: key length does not match the cipher's %d bytes", ErrMalformedKey, want)
	}
	return nil
}

// checkScrypt bounds scrypt's parameters (see maxScryptN).
func checkScrypt(n, r, p int) error {
	if n < 2 || n&(n-1) != 0 || n > maxScryptN || r < 1 || p < 1 ||
		r > maxScryptNr/n || p > maxScryptNrp/(n*r) {
		return fmt.Errorf("%w: scrypt parameters N=%d r=%d p=%d: want N a power of two up to %d, N*r up to %d, N*r*p up to %d",
			ErrMalformedKey, n, r, p, maxScryptN, maxScryptNr, maxScryptNrp)
	}
	return nil
}

func (p *pbes2) decrypt(pass []byte) ([]byte, error) {
	var key []byte
	var err error
	if p.n > 0 {
		key, err = scrypt.Key(pass, p.salt, p.n, p.r, p.p, p.keyLen)
	} else {
		key, err = pbkdf2.Key(p.prf, string(pass), p.salt, p.iterations, p.keyLen)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: encrypted PKCS#8: deriving the key: %v", ErrMalformedKey, err)
	}
	defer clear(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypted PKCS#8: %v", ErrMalformedKey, err)
	}
	plain := make([]byte, len(p.ciphertext))
	cipher.NewCBCDecrypter(block, p.iv).CryptBlocks(plain, p.ciphertext)

	// AES-CBC has no integrity check: a wrong passphrase shows as bad padding
	// or, failing that, as plaintext that is not a DER SEQUENCE.
	pad := int(plain[len(plain)-1])
	ok := pad >= 1 && pad <= aes.BlockSize
	if ok {
		for _, b := range plain[len(plain)-pad:] {
			ok = ok && int(b) == pad
		}
	}
	if ok {
		rest := cryptobyte.String(plain[:len(plain)-pad])
		var seq cryptobyte.String
		ok = rest.ReadASN1(&seq, cbasn1.SEQUENCE) && rest.Empty()
	}
	if !ok {
		clear(plain)
		return nil, fmt.Errorf("%w: the key did not decrypt (or is corrupted)", ErrWrongPassphrase)
	}
	return plain[:len(plain)-pad], nil
}

// askPassphrase calls passphrase for an encrypted key.
func askPassphrase(passphrase func() ([]byte, error)) ([]byte, error) {
	if passphrase == nil {
		return nil, fmt.Errorf("%w: the key is encrypted and no passphrase function was given", ErrWrongPassphrase)
	}
	pass, err := passphrase()
	if err != nil {
		return nil, fmt.Errorf("signer: reading the passphrase: %w", err)
	}
	return pass, nil
}
