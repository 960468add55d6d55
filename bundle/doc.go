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
// promise (SET); from 0.2 on they must carry an inclusion proof with a
// checkpoint. Version 0.3 carries a single certificate instead of a chain.
// Marshal always emits version 0.3 with the v0.3 media type.
//
// # Errors
//
// Every error from Parse wraps ErrMalformed; errors.Is(err,
// ErrUnsupportedMediaType) additionally identifies an unknown version.
//
// A Bundle is immutable after Parse and safe for concurrent use.
package bundle
