package sign

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Material is the public half of a signer, as a bundle names it: a public
// key with its hint, or a signing certificate. It is what AssembleMessage and
// AssembleDSSE need to check a signature made elsewhere (by a remote
// signing service, or an HSM driven by other software) and to bundle it.
type Material struct {
	pub  crypto.PublicKey
	hint string
	leaf *x509.Certificate
	// chain is the leaf's chain, leaf first, as the credential or the
	// certificate provider gave it; bundles carry it with WithFullChain.
	chain []*x509.Certificate
	// keyDetails names the credential's digest-signing algorithm (see
	// LogRequest.KeyDetails); empty for the key's default.
	keyDetails string
}

// ErrInvalidSignature is wrapped by the error AssembleMessage and
// AssembleDSSE return when the signature does not verify with the
// material's key.
var ErrInvalidSignature = errors.New("sign: signature does not verify")

// KeyMaterial names a signer by its public key. The bundle carries hint; an
// empty hint stands for the default one, as signer.FromKey makes it: the
// standard base64 encoding of the SHA-256 digest of the key's PKIX DER
// encoding. The key must be one of sigil's allowed algorithms.
func KeyMaterial(pub crypto.PublicKey, hint string) (*Material, error) {
	if _, err := sigalg.ForKey(pub); err != nil {
		return nil, fmt.Errorf("sign: KeyMaterial: %w", err)
	}
	if hint == "" {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("sign: KeyMaterial: %w", err)
		}
		sum := sha256.Sum256(der)
		hint = base64.StdEncoding.EncodeToString(sum[:])
	}
	return &Material{pub: pub, hint: hint}, nil
}

// CertificateMaterial names a signer by its certificate (the leaf of its
// chain; verifiers take the rest from their trusted root). The certificate's
// key must be one of sigil's allowed algorithms.
func CertificateMaterial(leaf *x509.Certificate) (*Material, error) {
	if leaf == nil {
		return nil, errors.New("sign: CertificateMaterial: nil certificate")
	}
	if _, err := sigalg.ForKey(leaf.PublicKey); err != nil {
		return nil, fmt.Errorf("sign: CertificateMaterial: %w", err)
	}
	return &Material{pub: leaf.PublicKey, leaf: leaf}, nil
}

// PublicKey returns the signer's public key.
func (m *Material) PublicKey() crypto.PublicKey { return m.pub }

// AssembleMessage makes a bundle of a signature over an artifact digest
// made elsewhere. It verifies signature over digest with m's key first, as
// sigil's verifier will (ECDSA and RSA PKCS#1 v1.5 over a SHA-256, SHA-384
// or SHA-512 digest; Ed25519 keys as Ed25519ph over SHA-512): a signature
// that does not verify is an error wrapping ErrInvalidSignature, and no
// bundle. Then, as a BundleBuilder does, it obtains timestamps and
// transparency-log entries and runs the self-check its options ask for.
// WithCertificateProvider and WithRand do not apply and are rejected.
func AssembleMessage(ctx context.Context, m *Material, alg crypto.Hash, digest, signature []byte, opts ...Option) (*bundle.Bundle, error) {
	cfg, err := assembleConfig(m, opts)
	if err != nil {
		return nil, err
	}
	if len(signature) == 0 {
		return nil, errors.New("sign: empty signature")
	}
	a, err := messageAlgorithm(m.pub, alg)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if len(digest) != alg.Size() {
		return nil, fmt.Errorf("sign: %d-byte digest for %v", len(digest), alg)
	}
	if err := a.VerifyDigest(m.pub, digest, signature); err != nil {
		return nil, fmt.Errorf("%w with the given key (%s over a %v digest): %v", ErrInvalidSignature, a, alg, err)
	}
	msg := &bundle.MessageSignature{DigestAlgorithm: alg, Digest: clone(digest), Signature: clone(signature)}
	return finish(ctx, cfg, m, msg, nil)
}

// AssembleDSSE makes a bundle of a DSSE envelope signed elsewhere: signature
// is m's key's signature over the envelope's pre-authentication encoding of
// payloadType and payload (hashed with the key's default hash, or pure
// Ed25519). It verifies the signature first, then proceeds as
// AssembleMessage does.
func AssembleDSSE(ctx context.Context, m *Material, payloadType string, payload, signature []byte, opts ...Option) (*bundle.Bundle, error) {
	cfg, err := assembleConfig(m, opts)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(payloadType, payload); err != nil {
		return nil, err
	}
	if len(signature) == 0 {
		return nil, errors.New("sign: empty signature")
	}
	a, err := sigalg.ForKey(m.pub)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := a.Verify(m.pub, dsse.PAE(payloadType, payload), signature); err != nil {
		return nil, fmt.Errorf("%w with the given key (DSSE, %s): %v", ErrInvalidSignature, a, err)
	}
	env := &bundle.Envelope{PayloadType: payloadType, Payload: clone(payload), Signature: clone(signature)}
	return finish(ctx, cfg, m, nil, env)
}

func assembleConfig(m *Material, opts []Option) (*config, error) {
	if m == nil || m.pub == nil {
		return nil, errors.New("sign: nil or zero Material (use KeyMaterial or CertificateMaterial)")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if len(cfg.builderOnly) > 0 {
		return nil, fmt.Errorf("sign: %s applies to NewBundleBuilder, not to assembling a signature made elsewhere", optionNames(cfg.builderOnly))
	}
	return cfg, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
