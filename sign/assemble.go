package sign

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/signer"
)

// ErrInvalidSignature is wrapped by the error AssembleMessage and
// AssembleDSSE return when the signature does not verify with the
// credential's key.
var ErrInvalidSignature = errors.New("sign: signature does not verify")

// AssembleMessage makes a bundle of a signature over an artifact digest
// made elsewhere (by a remote signing service, or an HSM driven by other
// software). c names the signer: a credential of signer.FromPublicKey or
// signer.FromCertificate, or any other (its key is not used). It verifies
// signature over digest with c's key first, as sigil's verifier will
// (signer.Credential.VerifyDigest: ECDSA and RSA over a SHA-256, SHA-384 or
// SHA-512 digest; Ed25519 keys as Ed25519ph over SHA-512): a signature that
// does not verify is an error wrapping ErrInvalidSignature, and no bundle. Then, as a BundleBuilder does, it obtains timestamps and
// transparency-log entries and runs the self-check its options ask for.
// WithCertificateProvider and WithRand do not apply and are rejected.
func AssembleMessage(ctx context.Context, c *signer.Credential, alg crypto.Hash, digest, signature []byte, opts ...Option) (*bundle.Bundle, error) {
	cfg, err := assembleConfig(c, opts)
	if err != nil {
		return nil, err
	}
	if len(signature) == 0 {
		return nil, errors.New("sign: empty signature")
	}
	if !alg.Available() || len(digest) != alg.Size() {
		return nil, fmt.Errorf("sign: %d-byte digest for %v", len(digest), alg)
	}
	if err := c.VerifyDigest(alg, digest, signature); err != nil {
		return nil, fmt.Errorf("%w with the given key (a %v digest): %v", ErrInvalidSignature, alg, err)
	}
	msg := &bundle.MessageSignature{DigestAlgorithm: alg, Digest: clone(digest), Signature: clone(signature)}
	return finish(ctx, cfg, c, c.Certificates(), msg, nil)
}

// AssembleDSSE makes a bundle of a DSSE envelope signed elsewhere: signature
// is c's key's signature over the envelope's pre-authentication encoding of
// payloadType and payload (hashed with the key's default hash, or pure
// Ed25519). It verifies the signature first, then proceeds as
// AssembleMessage does.
func AssembleDSSE(ctx context.Context, c *signer.Credential, payloadType string, payload, signature []byte, opts ...Option) (*bundle.Bundle, error) {
	cfg, err := assembleConfig(c, opts)
	if err != nil {
		return nil, err
	}
	if err := checkPayload(payloadType, payload); err != nil {
		return nil, err
	}
	if len(signature) == 0 {
		return nil, errors.New("sign: empty signature")
	}
	if err := c.VerifyMessage(dsse.PAE(payloadType, payload), signature); err != nil {
		return nil, fmt.Errorf("%w with the given key (DSSE, %s): %v", ErrInvalidSignature, c.KeyDetails(), err)
	}
	env := &bundle.Envelope{PayloadType: payloadType, Payload: clone(payload), Signature: clone(signature)}
	return finish(ctx, cfg, c, c.Certificates(), nil, env)
}

func assembleConfig(c *signer.Credential, opts []Option) (*config, error) {
	if c == nil || c.PublicKey() == nil {
		return nil, errors.New("sign: nil or zero Credential (use signer.FromPublicKey or signer.FromCertificate)")
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
