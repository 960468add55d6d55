package sign

import (
	"context"
	"crypto"
	"crypto/x509"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/signer"
)

// A Timestamper obtains RFC 3161 timestamps from a timestamp authority.
//
// Timestamp returns a DER-encoded TimeStampResp whose token's message
// imprint is a digest of signature. The bundle builder checks that the
// response parses and that its imprint covers signature; whether the TSA is
// trusted is for the verifier to decide. Errors are returned to the caller
// of the Sign method wrapped, so context and network errors stay visible to
// errors.Is.
type Timestamper interface {
	Timestamp(ctx context.Context, signature []byte) ([]byte, error)
}

// A TransparencyLog appends signatures to a transparency log (Rekor v1 or
// v2).
//
// Append logs what e describes and returns the entry as a bundle records it,
// with an inclusion proof and its checkpoint (and, for Rekor v1, an
// inclusion promise). The entry goes into the bundle as returned; the bundle
// builder checks its structure, not its proofs (a self-check does that; see
// WithSelfCheck). Errors are returned to the caller wrapped.
type TransparencyLog interface {
	Append(ctx context.Context, e *LogRequest) (*bundle.TlogEntry, error)
}

// A LogRequest describes one signature to log: exactly one of Message and
// Envelope is set, and the signer is named by Certificate or, when that is
// nil, by PublicKey. Implementations must not modify it.
type LogRequest struct {
	// Message is the message signature and the artifact digest it signs,
	// for a hashedrekord entry.
	Message *bundle.MessageSignature
	// Envelope is the signed DSSE envelope, for a dsse entry (or, in Rekor
	// v2 style, a hashedrekord entry over its pre-authentication encoding).
	Envelope *bundle.Envelope
	// Certificate is the signing certificate (the leaf), or nil for a
	// key-signed bundle.
	Certificate *x509.Certificate
	// PublicKey is the signer's public key; with a certificate it is the
	// certificate's key.
	PublicKey crypto.PublicKey
	// KeyDetails names the signer's algorithm, as protobuf-specs'
	// PublicKeyDetails does ("PKIX_RSA_PSS_2048_SHA256"; Ed25519 keys are
	// "PKIX_ED25519" and sign digests as Ed25519ph); empty means the key's
	// default algorithm (RSA PKCS#1 v1.5 for RSA). A Rekor v2 entry records
	// it (see signer.Credential.KeyDetails).
	KeyDetails string
}

// A CertificateProvider issues a certificate for a credential's key, as
// Fulcio (signer.NewFulcio) does for keyless signing.
//
// Certificate returns the chain for c's public key, leaf first. It may have
// c sign a proof of possession (c.SignMessage, c.SignDigest). The bundle
// builder checks that the leaf certifies c's public key; the leaf goes into
// the bundle.
type CertificateProvider interface {
	Certificate(ctx context.Context, c *signer.Credential) ([]*x509.Certificate, error)
}
