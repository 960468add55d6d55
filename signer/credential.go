package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// A Credential is a signing key together with what verifiers will know it
// by: a public-key hint ([FromKey]) or a certificate chain, leaf first
// ([FromCertificateChain]).
//
// The key is any [crypto.Signer]: an in-memory key from [Generate] or
// [ParsePrivateKeyPEM], or a handle to a key in an HSM, a PKCS#11 token or a
// cloud KMS. A Credential never asks for, exposes or copies private key
// material; it only calls the key's Public and Sign methods (and SignMessage,
// for a [crypto.MessageSigner]).
//
// The signature algorithm comes from the key, through sigil's allow-list:
// ECDSA with the curve's hash, RSA PKCS#1 v1.5 (or PSS, see [WithRSAPSS]) with
// SHA-256, Ed25519. It is the algorithm sigil's verifier expects for the key.
//
// A Credential is immutable and safe for concurrent use by multiple
// goroutines if its key's Sign method is.
type Credential struct {
	key       crypto.Signer
	pub       crypto.PublicKey
	digestAlg sigalg.Algorithm // what SignDigest makes; Ed25519ph for Ed25519 keys
	msgAlg    sigalg.Algorithm // what SignMessage makes; pure Ed25519 for Ed25519 keys
	trusted   bool             // a standard-library key, whose signatures need no self-check
	chain     []*x509.Certificate
	hint      string
}

// An Option changes how [FromKey] or [FromCertificateChain] builds a
// [Credential]. Options that do not apply to a constructor make it fail,
// naming the option.
type Option func(*options) error

type options struct {
	hint    string
	hintSet bool
	pss     bool
}

// WithHint sets the public-key hint that key-only bundles carry, for
// verifiers that look the key up by name (a KMS key URI, a key ID).
// Default: base64.StdEncoding of the SHA-256 of the key's PKIX DER encoding.
// The hint must not be empty. It cannot be used with [FromCertificateChain],
// whose credentials are known by their certificate.
func WithHint(hint string) Option {
	return func(o *options) error {
		if hint == "" {
			return errors.New("signer: WithHint(\"\"): the hint must not be empty (omit the option for the default)")
		}
		o.hint, o.hintSet = hint, true
		return nil
	}
}

// WithRSAPSS makes an RSA key sign with RSA-PSS (SHA-256, MGF1-SHA-256, salt
// as long as the hash) instead of the default RSA PKCS#1 v1.5. Verifiers must
// be told to expect PSS for the key: nothing in a bundle says it (sigil's
// verify.WithPublicKeyDetails, with the name "PKIX_RSA_PSS_2048_SHA256" or
// its 3072 and 4096-bit forms). It is an error for a key that is not
// RSA, and with [FromCertificateChain], because verifiers assume PKCS#1 v1.5
// for certificate keys.
func WithRSAPSS() Option {
	return func(o *options) error {
		o.pss = true
		return nil
	}
}

// FromKey makes a key-only credential, for bundles that carry a public-key
// hint and are verified with the public key (see [WithHint] for the hint).
//
// A key outside sigil's allow-list is refused with an error wrapping
// [ErrUnsupportedKey].
func FromKey(key crypto.Signer, opts ...Option) (*Credential, error) {
	c, o, err := newCredential(key, opts)
	if err != nil {
		return nil, err
	}
	if o.hintSet {
		c.hint = o.hint
	} else {
		der, err := x509.MarshalPKIXPublicKey(c.pub)
		if err != nil {
			return nil, fmt.Errorf("%w: encoding the public key: %v", ErrUnsupportedKey, err)
		}
		sum := sha256.Sum256(der)
		c.hint = base64.StdEncoding.EncodeToString(sum[:])
	}
	return c, nil
}

// FromCertificateChain makes a credential for a key certified by a
// certificate: an enterprise or private CA's ("bring your own PKI"), or one
// Fulcio issued. chain[0] is the leaf and must hold key's public key,
// otherwise the error wraps [ErrKeyMismatch]; intermediates follow, and the
// root may too. Each certificate must be issued and signed by the next one,
// otherwise the error wraps [ErrInvalidChain].
//
// FromCertificateChain does not decide whether the chain is trusted, valid
// now, or allowed to sign code: that is the verifier's job, against its
// trusted root and policy. The certificates are not copied; do not modify them.
//
// A key outside sigil's allow-list is refused with an error wrapping
// [ErrUnsupportedKey]. [WithHint] and [WithRSAPSS] do not apply and are errors.
func FromCertificateChain(key crypto.Signer, chain []*x509.Certificate, opts ...Option) (*Credential, error) {
	c, o, err := newCredential(key, opts)
	if err != nil {
		return nil, err
	}
	if o.hintSet {
		return nil, errors.New("signer: WithHint() does not apply to FromCertificateChain: certificate credentials are known by their certificate")
	}
	if o.pss {
		return nil, errors.New("signer: WithRSAPSS() does not apply to FromCertificateChain: verifiers assume RSA PKCS#1 v1.5 for certificate keys")
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificates", ErrInvalidChain)
	}
	if len(chain) > limits.MaxChainLength {
		return nil, fmt.Errorf("%w: %d certificates, at most %d allowed", ErrInvalidChain, len(chain), limits.MaxChainLength)
	}
	for i, cert := range chain {
		if cert == nil {
			return nil, fmt.Errorf("%w: certificate %d is nil", ErrInvalidChain, i)
		}
	}
	if !sigalg.EqualKeys(c.pub, chain[0].PublicKey) {
		return nil, fmt.Errorf("%w (leaf %q holds a %T)", ErrKeyMismatch, chain[0].Subject, chain[0].PublicKey)
	}
	for i := 0; i+1 < len(chain); i++ {
		child, parent := chain[i], chain[i+1]
		if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
			return nil, fmt.Errorf("%w: certificate %d (%q) is issued by %q, not by certificate %d (%q)",
				ErrInvalidChain, i, child.Subject, child.Issuer, i+1, parent.Subject)
		}
		if err := child.CheckSignatureFrom(parent); err != nil {
			return nil, fmt.Errorf("%w: certificate %d (%q) is not signed by certificate %d (%q): %v",
				ErrInvalidChain, i, child.Subject, i+1, parent.Subject, err)
		}
	}
	c.chain = slices.Clip(slices.Clone(chain))
	return c, nil
}

// newCredential derives the algorithms from the key and applies the options
// every constructor shares.
func newCredential(key crypto.Signer, opts []Option) (*Credential, *options, error) {
	var o options
	for _, opt := range opts {
		if opt == nil {
			return nil, nil, errors.New("signer: nil Option")
		}
		if err := opt(&o); err != nil {
			return nil, nil, err
		}
	}
	c := &Credential{key: key}
	switch k := key.(type) {
	case nil:
		return nil, nil, errors.New("signer: nil key")
	case *ecdsa.PrivateKey:
		if k == nil {
			return nil, nil, errors.New("signer: nil key")
		}
		c.trusted = true
	case *rsa.PrivateKey:
		if k == nil {
			return nil, nil, errors.New("signer: nil key")
		}
		c.trusted = true
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, nil, fmt.Errorf("%w: %d-byte Ed25519 private key", ErrUnsupportedKey, len(k))
		}
		c.trusted = true
	}
	c.pub = key.Public()
	if err := checkAllowed(c.pub); err != nil {
		return nil, nil, err
	}
	alg, _ := sigalg.ForKey(c.pub)
	c.digestAlg, c.msgAlg = alg, alg
	switch {
	case o.pss && alg != sigalg.RSAPKCS1SHA256:
		return nil, nil, fmt.Errorf("signer: WithRSAPSS() needs an RSA key, not %T", c.pub)
	case o.pss:
		c.digestAlg, c.msgAlg = sigalg.RSAPSSSHA256, sigalg.RSAPSSSHA256
	case alg == sigalg.Ed25519:
		// Digests are signed as Ed25519ph; messages as pure Ed25519.
		c.digestAlg = sigalg.Ed25519ph
	}
	return c, &o, nil
}

// PublicKey returns the key's public key, as its Public method returned it
// when the credential was made.
func (c *Credential) PublicKey() crypto.PublicKey { return c.pub }

// Certificates returns the certificate chain, leaf first, or nil for a
// key-only credential. The slice and certificates are shared; do not modify them.
func (c *Credential) Certificates() []*x509.Certificate { return c.chain }

// Hint returns the public-key hint of a key-only credential, or "" for a
// certificate credential.
func (c *Credential) Hint() string { return c.hint }

// HashFunc returns the digest algorithm the key signs artifacts with: SHA-256
// for ECDSA P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521 and Ed25519
// (signed as Ed25519ph). It is what sigil's verifier expects for the key.
func (c *Credential) HashFunc() crypto.Hash { return c.digestAlg.Hash() }

// KeyDetails returns the protobuf-specs PublicKeyDetails name of the key's
// signature algorithm, as SignMessage uses it: "PKIX_ECDSA_P256_SHA_256",
// "PKIX_RSA_PKCS1V15_2048_SHA256", "PKIX_RSA_PSS_2048_SHA256" (WithRSAPSS),
// "PKIX_ED25519". Digests are signed by the same algorithm, except that
// Ed25519 keys sign them as Ed25519ph. Rekor v2 entries record it.
func (c *Credential) KeyDetails() string {
	d, err := sigalg.KeyDetails(c.msgAlg, c.pub)
	if err != nil {
		return "" // unreachable: every credential's key is on the allow-list
	}
	return d
}

// SignDigest signs a digest made with [Credential.HashFunc]. The signature is
// ECDSA ASN.1 DER, RSA PKCS#1 v1.5 (or RSA-PSS, see [WithRSAPSS]), or
// Ed25519ph. rand is passed to the key's Sign method; nil means crypto/rand.
//
// Signatures from keys other than the standard library's own types (HSM,
// KMS and other crypto.Signer implementations) are verified before they are
// returned, so a key that returns, say, raw r||s instead of ASN.1 DER for
// ECDSA is caught here rather than by every verifier.
func (c *Credential) SignDigest(rand io.Reader, digest []byte) ([]byte, error) {
	if c == nil || c.key == nil {
		return nil, errZeroCredential
	}
	if h := c.digestAlg.Hash(); len(digest) != h.Size() {
		return nil, fmt.Errorf("signer: %d-byte digest, want %d bytes of %v", len(digest), h.Size(), h)
	}
	sig, err := c.key.Sign(randOrDefault(rand), digest, signerOpts(c.digestAlg))
	if err != nil {
		return nil, fmt.Errorf("signer: signing with %s: %w", c.digestAlg, err)
	}
	if !c.trusted {
		if err := c.digestAlg.VerifyDigest(c.pub, digest, sig); err != nil {
			return nil, fmt.Errorf("signer: the key's Sign method returned a %s signature that does not verify: %v", c.digestAlg, err)
		}
	}
	return sig, nil
}

// SignMessage signs a whole message, such as a DSSE pre-authentication
// encoding: it hashes msg with [Credential.HashFunc] and signs the digest as
// [Credential.SignDigest] does, except that Ed25519 keys sign msg itself
// (pure Ed25519). Keys that implement [crypto.MessageSigner] receive msg
// unhashed. rand is passed to the key; nil means crypto/rand. Signatures from
// keys other than the standard library's own types are verified before they
// are returned.
func (c *Credential) SignMessage(rand io.Reader, msg []byte) ([]byte, error) {
	if c == nil || c.key == nil {
		return nil, errZeroCredential
	}
	sig, err := crypto.SignMessage(c.key, randOrDefault(rand), msg, signerOpts(c.msgAlg))
	if err != nil {
		return nil, fmt.Errorf("signer: signing with %s: %w", c.msgAlg, err)
	}
	if !c.trusted {
		if err := c.msgAlg.Verify(c.pub, msg, sig); err != nil {
			return nil, fmt.Errorf("signer: the key's Sign method returned a %s signature that does not verify: %v", c.msgAlg, err)
		}
	}
	return sig, nil
}

var errZeroCredential = errors.New("signer: zero Credential; make one with FromKey or FromCertificateChain")

// signerOpts returns the crypto.SignerOpts that make a key sign with alg.
// Pointer options are fresh for each call, so a key cannot change them for
// another goroutine.
func signerOpts(alg sigalg.Algorithm) crypto.SignerOpts {
	switch alg {
	case sigalg.RSAPSSSHA256:
		return &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	case sigalg.Ed25519ph:
		return &ed25519.Options{Hash: crypto.SHA512}
	}
	// ECDSA and RSA PKCS#1 v1.5 sign a digest of alg.Hash(); pure Ed25519
	// signs the message itself, which crypto.Hash(0) says.
	return alg.Hash()
}

func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
