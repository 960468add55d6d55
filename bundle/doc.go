// Package bundle is sigil's data model for Sigstore bundles: it parses and
// emits the bundle JSON format (versions 0.1, 0.2 and 0.3) and checks its
// structure, and nothing more.
//
// A *Bundle is untrusted. Parse guarantees only that the bundle is well
// formed: a known media type, exactly one of a message signature or a DSSE
// envelope, verification material of the kind its version allows, parseable
// certificates, transparency-log entries with the fields their version
// requires, and every size within the bounds of sigil's internal limits. It
// makes no trust decision; package verify does that.
//
// # Versions
//
// The media types accepted are
//
//	application/vnd.dev.sigstore.bundle+json;version=0.1
//	application/vnd.dev.sigstore.bundle+json;version=0.2
//	application/vnd.dev.sigstore.bundle+json;version=0.3
//	application/vnd.dev.sigstore.bundle.v0.3+json
//
// Any other media type is rejected with an error wrapping
// ErrUnsupportedMediaType. Version 0.1 entries must carry an inclusion
// promise (SET); from 0.2 on they must carry an inclusion proof. In every
// version an inclusion proof must carry its checkpoint. Version 0.3 usually
// carries a single certificate; it may carry a chain (BYO-PKI signers write
// one), whose certificates after the leaf are untrusted intermediates.
// MarshalJSON emits version 0.3 with the MediaTypeV03 spelling whenever that
// loses nothing, and never drops a certificate: a version 0.1 bundle with an
// entry that lacks an inclusion proof, and a version 0.1 or 0.2 bundle whose
// chain holds more than the leaf, keep their version (see MarshalJSON).
//
// # Canonical JSON
//
// Bundles are read in the JSON form every Sigstore client writes, the
// protobuf JSON mapping's canonical output: field names in camelCase (their
// JSON names), enum values by name, bytes in standard base64. The mapping
// also lets parsers accept proto field names ("verification_material"),
// enum numbers and URL-safe base64; Parse rejects them, as the Sigstore
// client specification advises: clients that do not decode through
// protobuf may reject or misread them, and a bundle must not verify for
// some verifiers and not for others. What the mapping defines one way only
// stays accepted: unpadded base64, null for an unset field, 64-bit integers
// as JSON strings or numbers.
//
// # Errors
//
// Every error from Parse and FromProto wraps ErrMalformed; errors.Is(err,
// ErrUnsupportedMediaType) additionally identifies an unknown version.
//
// A Bundle is immutable after Parse and safe for concurrent use. The values
// its methods return are shared with it; callers must not modify them.
package bundle
