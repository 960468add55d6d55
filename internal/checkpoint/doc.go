// Package checkpoint parses and verifies transparency-log checkpoints: the
// signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) that Rekor v1
// and Rekor v2 put in a Sigstore bundle's inclusionProof.checkpoint.envelope.
//
// A checkpoint envelope looks like this:
//
//	log2025-alpha1.rekor.sigstage.dev
//	736
//	rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=
//
//	— log2025-alpha1.rekor.sigstage.dev 8w1amdbj1mjNN674dHAkD92+QZoEg...
//
// The note text (origin, tree size, base64 root hash, optional extension
// lines, each ending in a newline) is followed by a blank line and one or more
// signature lines "— <name> <base64(4-byte key hint || signature)>". The
// signed message is the note text, including its final newline.
//
// # Use
//
// Most callers need only [Open]: it takes the envelope, the [Log] built from
// the trusted root (never from the bundle) and the keys of any witnesses the
// caller trusts, binds the origin to the log, verifies the log's signature
// and the trusted witnesses' cosignatures, and returns the parsed checkpoint
// with every signature line ([Signed]). [ParseCheckpoint] checks syntax only;
// its result is untrusted.
//
// Signature lines are parsed and checked by golang.org/x/mod/sumdb/note (the
// reference implementation): the log's key and the witnesses' keys are its
// Verifiers, so log signatures and cosignatures take one code path.
//
// Open does not compare the checkpoint with anything but the log: the caller
// checks that the root hash and tree size match the inclusion proof, and
// judges the cosignatures against a witness policy.
//
// # Which signature lines count
//
// A signature line is the log's when both its key name is the one the
// origin implies (see [Open]) and its key ID equals [Log].KeyID: in
// signed-note semantics the pair (name, key ID) identifies a key, and
// verifiers must ignore signatures that match only one of the two. A line is
// a trusted witness's when it has that witness's name and cosignature/v1 key
// ID. All other lines (untrusted witnesses, other keys of the same origin,
// signature types this package does not know) are ignored, wherever they
// appear. The first line of each known key must verify (a failing signature
// from a known key rejects the note), and the log's must exist.
//
// Supported log keys: Ed25519 (Rekor v2; the signature is Ed25519 over the
// text) and ECDSA P-256, P-384 and P-521 (Rekor v1, and rekor-tiles with an
// ECDSA key; an ASN.1 DER signature over SHA-256, SHA-384 or SHA-512 of the
// text respectively). Witness keys: cosignature/v1 (Ed25519).
//
// # Errors
//
// Every function documents its errors. In short:
//   - errors.Is(err, [ErrMalformed]): the input could not be parsed;
//   - errors.As(err, new(*[VerificationError])): the input was checked and is
//     not a checkpoint signed by the log, or carries a bad cosignature from a
//     trusted witness ([VerificationError].Reason says how);
//   - errors.Is(err, [ErrInvalidLog]): the caller's [Log] is unusable (a
//     configuration error, not a property of the input).
//
// # Limits
//
// Inputs are bounded before any other work: an envelope of at most
// [MaxNoteSize] bytes, at most [MaxTextLines] text lines, at most
// [MaxSignatures] signature lines, and at most [MaxLineLength] bytes per line.
// Longer inputs are malformed. The line bound leaves room for post-quantum
// cosignatures (ML-DSA-87 lines are about 6.2 KiB).
//
// # Concurrency
//
// All functions are safe for concurrent use; nothing here has mutable state.
package checkpoint
