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
// Most callers need only [Open]: it takes the envelope and a [Verifier] built
// from the trusted root (never from the bundle), verifies the log's signature
// and returns the parsed [Checkpoint]. [ParseNote] and [ParseCheckpoint] check
// syntax only; their results are untrusted.
//
// Open does not compare the checkpoint with anything else: the caller checks
// that the root hash and tree size match the inclusion proof, and (if it
// wants to) that the origin is the one expected for the log. Rekor v1 origins
// have the form "<hostname> - <tree ID>"; Rekor v2 origins equal the signer
// name.
//
// # Which signature lines count
//
// A signature line is the log's when both its key name equals [Verifier].Name
// and its key hint equals [Verifier].Hint: in signed-note semantics the pair
// (name, key ID) identifies a key, and verifiers must ignore signatures that
// match only one of the two. All other lines (witness cosignatures, other keys
// of the same origin, lines in signature formats this package does not know)
// are ignored, wherever they appear. Every line that does match must verify
// (the signed-note specification says a failing signature from a known key
// should reject the note), and at least one must exist. Identical duplicate
// lines are verified once.
//
// Supported log keys: Ed25519 (Rekor v2; the signature is Ed25519 over the
// text) and ECDSA P-256, P-384 and P-521 (Rekor v1; an ASN.1 DER signature
// over SHA-256, SHA-384 or SHA-512 of the text respectively).
//
// # Errors
//
// Every function documents its errors. In short:
//   - errors.Is(err, [ErrMalformed]): the input could not be parsed;
//   - errors.As(err, new(*[VerificationError])): the input was checked and is
//     not signed by the log ([VerificationError].Reason says how);
//   - errors.Is(err, [ErrInvalidVerifier]): the caller's [Verifier] is
//     unusable (a configuration error, not a property of the input).
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
