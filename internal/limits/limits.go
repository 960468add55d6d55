// Package limits holds every bound sigil places on attacker-controlled sizes
// and counts. Parsers and verifiers refer to these constants instead of
// choosing their own, so the limits are reviewed in one place.
package limits

const (
	// MaxBundleSize bounds the JSON encoding of a bundle (DSSE payloads
	// included). Model-signing manifests with thousands of subjects stay far
	// below it.
	MaxBundleSize = 32 << 20

	// MaxDSSEPayloadSize bounds the payload of a bundle's DSSE envelope.
	// In-toto statements are kilobytes (a model-signing manifest of ten
	// thousand files is about two megabytes); the bound halves the work of
	// checking and decoding the largest payload a bundle could otherwise
	// hold (verify's BenchmarkBounds).
	MaxDSSEPayloadSize = 16 << 20

	// MaxTrustedRootSize bounds a trusted_root.json or ClientTrustConfig file.
	MaxTrustedRootSize = 4 << 20

	// MaxChainLength bounds certificate chains, in bundles and in trusted roots.
	MaxChainLength = 10

	// MaxTlogEntries bounds the transparency-log entries in one bundle.
	MaxTlogEntries = 32

	// MaxTimestamps bounds the RFC 3161 timestamps in one bundle.
	MaxTimestamps = 32

	// MaxInclusionProofHashes bounds the audit path of an inclusion proof
	// (a tree of 2^64 leaves needs at most 64 hashes).
	MaxInclusionProofHashes = 64

	// MaxEntryBodySize bounds a transparency-log entry's canonicalized body.
	MaxEntryBodySize = 1 << 20

	// MaxCheckpointSize bounds a checkpoint (signed note) envelope.
	MaxCheckpointSize = 64 << 10

	// MaxSCTs bounds the signed certificate timestamps read from one certificate.
	MaxSCTs = 32

	// MaxStatementSubjects bounds the subjects of one in-toto statement,
	// which verify decodes (stopping at the first one beyond it) and sign
	// writes. Attestations name a handful of artifacts; a release with
	// thousands fits. The bound keeps the work of decoding the largest
	// statement a bundle can hold within verify's budget (BenchmarkBounds).
	MaxStatementSubjects = 1 << 15

	// MaxCRLSize bounds one certificate revocation list a verifier is given
	// (DER, or its PEM file), about 400,000 revoked certificates.
	MaxCRLSize = 16 << 20

	// MaxCRLs bounds the revocation lists one verifier is given.
	MaxCRLs = 64

	// MaxTrustedEntities bounds the CAs, logs and TSAs of one trusted root.
	MaxTrustedEntities = 256
)
