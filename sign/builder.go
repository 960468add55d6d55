package sign

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/internal/streamhash"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/signer"
)

// A BundleBuilder signs artifacts, digests and DSSE payloads with one
// credential and makes Sigstore bundles (version 0.3) of the signatures,
// with the timestamps, transparency-log entries and certificates its
// options obtain. It is immutable and safe for concurrent use if the
// credential's key and the services it was given are.
type BundleBuilder struct {
	cred *signer.Credential
	cfg  *config
}

// ErrSelfCheck is wrapped by the error a Sign method returns when the bundle
// it made failed the self-check (WithSelfCheck). The error also wraps the
// self-check's own error: a *verify.Error, for verify's SelfCheck.
var ErrSelfCheck = errors.New("sign: self-check failed")

// NewBundleBuilder prepares a BundleBuilder for c. Every option is checked
// here, and NewBundleBuilder fails naming the option at fault. The
// credential's key must be one of sigil's allowed algorithms.
//
// Defaults: bundles name the signer by the credential's certificate (the
// leaf alone; verifiers take intermediates and roots from their trusted
// root; WithFullChain puts the whole chain in) or its public-key hint; no timestamp, no transparency-log entry, no
// self-check; crypto/rand.Reader.
func NewBundleBuilder(c *signer.Credential, opts ...Option) (*BundleBuilder, error) {
	if c == nil {
		return nil, errors.New("sign: nil credential")
	}
	if !c.CanSign() {
		return nil, errors.New("sign: the credential cannot sign (signer.FromPublicKey, signer.FromCertificate): bundle signatures made elsewhere with AssembleMessage or AssembleDSSE")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if cfg.certs != nil && len(c.Certificates()) > 0 {
		return nil, errors.New("sign: WithCertificateProvider: the credential already has a certificate chain")
	}
	if cfg.rand == nil {
		cfg.rand = rand.Reader
	}
	return &BundleBuilder{cred: c, cfg: cfg}, nil
}

// SignArtifact reads artifact to its end, hashing it once with the
// credential's hash function in constant memory, signs the digest and
// returns the bundle. The context is checked between reads. Errors reading
// the artifact are returned wrapped.
func (b *BundleBuilder) SignArtifact(ctx context.Context, artifact io.Reader) (*bundle.Bundle, error) {
	if artifact == nil {
		return nil, errors.New("sign: nil artifact reader")
	}
	h := b.cred.HashFunc()
	d, err := streamhash.Sum(ctx, artifact, h)
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("sign: reading artifact: %w", err)
	}
	return b.signDigest(ctx, h, d[h])
}

// SignDigest signs a precomputed artifact digest and returns the bundle.
// alg must be the credential's hash function (Credential.HashFunc), the
// digest it signs: SHA-256 for ECDSA P-256 and RSA keys, SHA-384 for P-384,
// SHA-512 for P-521 and Ed25519.
func (b *BundleBuilder) SignDigest(ctx context.Context, alg crypto.Hash, digest []byte) (*bundle.Bundle, error) {
	if want := b.cred.HashFunc(); alg != want {
		return nil, fmt.Errorf("sign: SignDigest with a %v digest, the credential's key signs %v digests", alg, want)
	}
	if len(digest) != alg.Size() {
		return nil, fmt.Errorf("sign: %d-byte digest for %v", len(digest), alg)
	}
	return b.signDigest(ctx, alg, digest)
}

func (b *BundleBuilder) signDigest(ctx context.Context, alg crypto.Hash, digest []byte) (*bundle.Bundle, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chain, err := b.certificates(ctx)
	if err != nil {
		return nil, err
	}
	sig, err := b.cred.SignDigest(b.cfg.rand, digest)
	if err != nil {
		return nil, fmt.Errorf("sign: signing: %w", err)
	}
	msg := &bundle.MessageSignature{DigestAlgorithm: alg, Digest: digest, Signature: sig}
	return finish(ctx, b.cfg, b.cred, chain, msg, nil)
}

// SignDSSE signs payload in a DSSE envelope of payloadType and returns the
// bundle. The key signs the envelope's pre-authentication encoding (PAE):
// hashed with the credential's hash function, or itself for Ed25519. The
// payload may be at most 16 MiB, the most a bundle may carry.
func (b *BundleBuilder) SignDSSE(ctx context.Context, payloadType string, payload []byte) (*bundle.Bundle, error) {
	if err := checkPayload(payloadType, payload); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	chain, err := b.certificates(ctx)
	if err != nil {
		return nil, err
	}
	sig, err := b.cred.SignMessage(b.cfg.rand, dsse.PAE(payloadType, payload))
	if err != nil {
		return nil, fmt.Errorf("sign: signing: %w", err)
	}
	env := &bundle.Envelope{PayloadType: payloadType, Payload: payload, Signature: sig}
	return finish(ctx, b.cfg, b.cred, chain, nil, env)
}

// SignStatement signs an in-toto v1 statement in a DSSE envelope of type
// intoto.PayloadType and returns the bundle. The statement is checked and
// encoded by intoto.Marshal: it must have a predicate type and 1 to 32,768
// subjects (the most verifiers read), each with a digest; SHA-2 digests
// ("sha256", "sha384", "sha512") must be lowercase hex of the right length.
// A statement Marshal refuses is an error wrapping
// intoto.ErrInvalidStatement.
func (b *BundleBuilder) SignStatement(ctx context.Context, st *intoto.Statement) (*bundle.Bundle, error) {
	payload, err := intoto.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return b.SignDSSE(ctx, intoto.PayloadType, payload)
}

// checkPayload checks a DSSE payload type and payload against what bundles
// may carry.
func checkPayload(payloadType string, payload []byte) error {
	if payloadType == "" {
		return errors.New("sign: empty DSSE payload type")
	}
	if len(payload) > limits.MaxDSSEPayloadSize {
		return fmt.Errorf("sign: DSSE payload of %d bytes exceeds the %d-byte limit", len(payload), limits.MaxDSSEPayloadSize)
	}
	return nil
}

// certificates returns the chain the bundle names the signer by: the
// credential's, one from the certificate provider, or none (its public key).
func (b *BundleBuilder) certificates(ctx context.Context) ([]*x509.Certificate, error) {
	if certs := b.cred.Certificates(); len(certs) > 0 || b.cfg.certs == nil {
		return certs, nil
	}
	chain, err := b.cfg.certs.Certificate(ctx, b.cred)
	if err != nil {
		return nil, fmt.Errorf("sign: certificate provider: %w", err)
	}
	if len(chain) == 0 || chain[0] == nil {
		return nil, errors.New("sign: certificate provider returned no certificate")
	}
	if !sigalg.EqualKeys(b.cred.PublicKey(), chain[0].PublicKey) {
		return nil, errors.New("sign: certificate provider returned a certificate for another key")
	}
	return chain, nil
}

// optionNames formats option names for messages.
func optionNames(names []string) string { return strings.Join(names, ", ") }
