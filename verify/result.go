package verify

import (
	"crypto"
	"crypto/x509"
	"time"

	"github.com/sigil-dev/sigil/intoto"
)

// Result holds only facts Verify has verified. It is returned only when
// every check passed.
type Result struct {
	// MediaType is the bundle's media type.
	MediaType string
	// Signer is who signed.
	Signer Signer
	// TlogEntries are the transparency-log entries that verified.
	TlogEntries []LogEntry
	// Timestamps are the verified observer timestamps.
	Timestamps []Timestamp
	// SCTs counts the signed certificate timestamps that verified, from
	// distinct CT logs (CT logs of one operator count once).
	SCTs int
	// PayloadType is the payload type of a DSSE bundle's envelope:
	// intoto.PayloadType, or one the Verifier was told to accept
	// (AllowPayloadType). It is empty for a message-signature bundle.
	PayloadType string
	// Statement is the in-toto statement of a DSSE bundle of
	// intoto.PayloadType, decoded strictly (see Verifier.Verify); nil for
	// other bundles.
	Statement *intoto.Statement
}

// Signer describes the verified signer.
type Signer struct {
	// Certificate is the signing certificate, verified to chain to a trusted
	// CA; nil for a public-key bundle.
	Certificate *x509.Certificate
	// Chain is the validated certification path above the certificate:
	// its issuer first, the trust anchor of a trusted CA last. It may hold
	// intermediates the bundle carried (validated, never anchors). Nil for a
	// public-key bundle.
	Chain []*x509.Certificate
	// PublicKey is the key that verified the signature.
	PublicKey crypto.PublicKey
	// KeyHint is the bundle's public-key hint, for public-key bundles.
	KeyHint string
	// Issuer and SubjectAlternativeNames summarise a Fulcio certificate:
	// the OIDC issuer and the identities the certificate binds.
	Issuer                  string
	SubjectAlternativeNames []string
}

// LogEntry is a verified transparency-log entry.
type LogEntry struct {
	LogID   []byte
	BaseURL string
	// Operator is who runs the log, as the trusted root names it; empty
	// when the root names no operator.
	Operator string
	// LogIndex is the entry's index as its inclusion promise signs it or,
	// without one, as its inclusion proof proves it (a Rekor v2 entry's
	// stated index must equal its proof's; for a sharded Rekor v1 log the
	// proof's index counts within the shard).
	LogIndex int64
	Kind     string // kind/version, e.g. "hashedrekord/0.0.1"
	// IntegratedTime is the time the log promised (SET) to have integrated
	// the entry; zero when the entry has no verified promise (Rekor v2).
	IntegratedTime time.Time
	// InclusionProof reports whether a Merkle inclusion proof to a signed
	// checkpoint verified; otherwise the entry verified by its promise.
	InclusionProof bool
	// Witnesses are the verified cosignatures of the checkpoint by the
	// witnesses of the log's policy (RequireWitnessPolicy), in checkpoint
	// order; nil when the log has no policy.
	Witnesses []WitnessCosignature

	witnessedAt time.Time // when the policy's quorum vouches for the checkpoint
}

// Timestamp is a verified observer timestamp.
type Timestamp struct {
	Time time.Time
	// Kind is "rfc3161", "integrated-time" or "witness-cosignature".
	Kind string
	// Authority is the TSA's or the log's URL.
	Authority string
	// Operator is who runs the TSA or the log, as the trusted root names
	// it; empty when the root names no operator.
	Operator string
}
