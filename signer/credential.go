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
// ([FromCertificateChain]). It is the one way sigil names a signer: a key
// that signs elsewhere (a remote signing service) is named by a credential
// of its public key or certificate alone ([FromPublicKey],
// [FromCertificate]), which checks signatures but cannot sign.
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
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	c, err := newSigningCredential(key, o)
	if err != nil {
		return nil, err
	}
	if err := c.setHint(o); err != nil {
		return nil, err
	}
	return c, nil
}

// FromPublicKey makes a key-only credential for a key that signs elsewhere
// (a remote signing service, an HSM driven by other software): it names the
// signer as [FromKey] does, with the same options, and checks signatures
// ([Credential.VerifyDigest], [Credential.VerifyMessage]); it cannot sign
// ([Credential.CanSign] is false). sign.AssembleMessage and sign.AssembleDSSE
// bundle the signatures it checks.
func FromPublicKey(pub crypto.PublicKey, opts ...Option) (*Credential, error) {
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	c, err := newCredential(nil, pub, o)
	if err != nil {
		return nil, err
	}
	if err := c.setHint(o); err != nil {
		return nil, err
	}
	return c, nil
}

// FromCertificate makes a certificate credential for a key that signs
// elsewhere, as [FromPublicKey] does for a bare key: chain is checked as
// [FromCertificateChain] checks it, the leaf's key must be on sigil's
// allow-list. It cannot sign. Options do not apply.
func FromCertificate(chain []*x509.Certificate) (*Credential, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, fmt.Errorf("%w: no leaf certificate", ErrInvalidChain)
	}
	c, err := newCredential(nil, chain[0].PublicKey, &options{})
	if err != nil {
		return nil, err
	}
	if err := c.setChain(chain); err != nil {
		return nil, err
	}
	return c, nil
}

// setHint sets the hint the options ask for, or the default one.
func (c *Credential) setHint(o *options) error {
	if o.hintSet {
		c.hint = o.hint
		return nil
	}
	der, err := sigalg.MarshalPublicKey(c.pub)
	if err != nil {
		return fmt.Errorf("%w: encoding the public key: %v", ErrUnsupportedKey, err)
	}
	sum := sha256.Sum256(der)
	c.hint = base64.StdEncoding.EncodeToString(sum[:])
	return nil
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
	o, err := applyOptions(opts)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New("signer: nil key")
	}
	if o.hintSet {
		return nil, errors.New("signer: WithHint() does not apply to FromCertificateChain: certificate credentials are known by their certificate")
	}
	if o.pss {
		return nil, errors.New("signer: WithRSAPSS() does not apply to FromCertificateChain: verifiers assume RSA PKCS#1 v1.5 for certificate keys")
	}
	c, err := newSigningCredential(key, o)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no certificates", ErrInvalidChain)
	}
	if chain[0] == nil {
		return nil, fmt.Errorf("%w: certificate 0 is nil", ErrInvalidChain)
	}
	if !sigalg.EqualKeys(c.pub, chain[0].PublicKey) {
		return nil, fmt.Errorf("%w (leaf %q holds a %T)", ErrKeyMismatch, chain[0].Subject, chain[0].PublicKey)
	}
	if err := c.setChain(chain); err != nil {
		return nil, err
	}
	return c, nil
}

// setChain checks that each certificate of chain is issued and signed by the
// next one, and sets it.
func (c *Credential) setChain(chain []*x509.Certificate) error {
	if len(chain) > limits.MaxChainLength {
		return fmt.Errorf("%w: %d certificates, at most %d allowed", ErrInvalidChain, len(chain), limits.MaxChainLength)
	}
	for i, cert := range chain {
		if cert == nil {
			return fmt.Errorf("%w: certificate %d is nil", ErrInvalidChain, i)
		}
	}
	for i := 0; i+1 < len(chain); i++ {
		child, parent := chain[i], chain[i+1]
		if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
			return fmt.Errorf("%w: certificate %d (%q) is issued by %q, not by certificate %d (%q)",
				ErrInvalidChain, i, child.Subject, child.Issuer, i+1, parent.Subject)
		}
		if err := child.CheckSignatureFrom(parent); err != nil {
			return fmt.Errorf("%w: certificate %d (%q) is not signed by certificate %d (%q): %v",
				ErrInvalidChain, i, child.Subject, i+1, parent.Subject, err)
		}
	}
	c.chain = slices.Clip(slices.Clone(chain))
	return nil
}

// applyOptions applies the options every constructor shares.
func applyOptions(opts []Option) (*options, error) {
	var o options
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("signer: nil Option")
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &o, nil
}

// newSigningCredential makes the credential of key: the standard library's
// own key types are trusted to sign correctly; others' signatures are
// checked as they are made.
func newSigningCredential(key crypto.Signer, o *options) (*Credential, error) {
	trusted := false
	switch k := key.(type) {
	case nil:
		return nil, errors.New("signer: nil key")
	case *ecdsa.PrivateKey:
		if k == nil {
			return nil, errors.New("signer: nil key")
		}
		trusted = true
	case *rsa.PrivateKey:
		if k == nil {
			return nil, errors.New("signer: nil key")
		}
		trusted = true
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: %d-byte Ed25519 private key", ErrUnsupportedKey, len(k))
		}
		trusted = true
	}
	c, err := newCredential(key, key.Public(), o)
	if err != nil {
		return nil, err
	}
	c.trusted = trusted
	return c, nil
}

// newCredential derives the algorithms from pub and the options; key is
// nil for a credential that cannot sign.
func newCredential(key crypto.Signer, pub crypto.PublicKey, o *options) (*Credential, error) {
	if err := checkAllowed(pub); err != nil {
		return nil, err
	}
	c := &Credential{key: key, pub: pub}
	alg, _ := sigalg.ForKey(pub)
	c.msgAlg = alg
	c.digestAlg = alg.ForDigests() // Ed25519 keys sign digests as Ed25519ph
	switch {
	case o.pss && alg != sigalg.RSAPKCS1SHA256:
		return nil, fmt.Errorf("signer: WithRSAPSS() needs an RSA key, not %T", pub)
	case o.pss:
		c.digestAlg, c.msgAlg = sigalg.RSAPSSSHA256, sigalg.RSAPSSSHA256
	}
	return c, nil
}

// CanSign reports whether the credential holds a signing key: false for
// [FromPublicKey] and [FromCertificate] credentials, which only name a
// signer and check its signatures.
func (c *Credential) CanSign() bool { return c != nil && c.key != nil }

// VerifyDigest checks sig over a digest made with h, as sigil's verifier
// checks a message signature of the credential's key: ECDSA or RSA (PKCS#1
// v1.5, or PSS with [WithRSAPSS]) over a SHA-256, SHA-384 or SHA-512
// digest, Ed25519 keys as Ed25519ph over SHA-512.
func (c *Credential) VerifyDigest(h crypto.Hash, digest, sig []byte) error {
	if c == nil || c.pub == nil {
		return errZeroCredential
	}
	alg, err := c.digestAlg.WithHash(h)
	if err != nil {
		return err
	}
	if len(digest) != h.Size() {
		return fmt.Errorf("signer: %d-byte digest for %v", len(digest), h)
	}
	return alg.VerifyDigest(c.pub, digest, sig)
}

// VerifyMessage checks sig over a whole message (a DSSE pre-authentication
// encoding), as [Credential.SignMessage] makes it: the key's algorithm over
// the message, pure Ed25519 for Ed25519 keys.
func (c *Credential) VerifyMessage(msg, sig []byte) error {
	if c == nil || c.pub == nil {
		return errZeroCredential
	}
	return c.msgAlg.Verify(c.pub, msg, sig)
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
	if c == nil || c.pub == nil {
		return nil, errZeroCredential
	}
	if c.key == nil {
		return nil, ErrNoSigningKey
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
	if c == nil || c.pub == nil {
		return nil, errZeroCredential
	}
	if c.key == nil {
		return nil, ErrNoSigningKey
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

// ErrNoSigningKey is returned by the signing methods of a credential made by
// [FromPublicKey] or [FromCertificate], which has no key to sign with.
var ErrNoSigningKey = errors.New("signer: the credential names a signer whose key is elsewhere (FromPublicKey, FromCertificate); it cannot sign")

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
