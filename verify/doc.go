// Package verify checks Sigstore bundles against a trusted root, offline.
//
// Prepare one Verifier per trusted root with New and reuse it: New indexes
// the trusted material once, and a Verifier is immutable and safe for
// concurrent use. Verify takes the bundle, the artifact and a policy, all
// three required:
//
//	v, err := verify.New(root)
//	res, err := v.Verify(b, verify.ArtifactReader(f), policy.Identity(issuer, san))
//
// # Thresholds
//
// A Verifier requires independent witnesses that the signature existed and
// was published: SCTs embedded in the signing certificate
// (RequireSCTs), transparency-log entries (RequireTlogEntries) and observer
// timestamps — RFC 3161 timestamps and the integrated times of Rekor v1
// entries whose inclusion promise verified (RequireTimestamps). Each counts
// distinct authorities. Each defaults to 1 when the trusted root lists an
// authority that can provide it and to 0 otherwise, so a trusted root with
// only a CA, or none at all for key-signed bundles, verifies without logs.
// Lowering a threshold to zero takes an option named Unsafe….
//
// # Keys and certificates
//
// Certificate bundles verify when the leaf chains to a trusted CA at every
// verified signing time; chains in trusted roots were checked when the root
// was parsed, so per bundle only the leaf's own signature is verified (plus a
// full path walk when a CA carries name or policy constraints). Public-key
// bundles verify only with a key the caller trusts (WithPublicKey, or
// WithPublicKeyDetails to declare its algorithm, as RSA-PSS keys need). The
// signature algorithm comes from the key, or the algorithm declared for it
// (WithPublicKeyDetails, a trusted root's key details for logs), and sigil's
// allow-list, never from the bundle.
//
// # Ed25519
//
// A message signature by an Ed25519 key verifies as Ed25519ph (RFC 8032)
// over the artifact's SHA-512 digest, the form sigil's signer writes and
// the one the Sigstore algorithm registry recommends for hashedrekord
// (Rekor v2 logs no other): a signature that only a digest accompanies —
// the bundle's message digest, a log entry's, a caller's ArtifactDigest —
// can be checked only if it was made over that digest. A pure Ed25519
// signature over the artifact's bytes does not verify, not even when the
// caller supplies the bytes: the same bundle would then verify against a
// file and fail against its digest and in every log, and cosign's pure
// Ed25519 bundles carry an empty message digest, which bundle.Parse
// rejects. A DSSE envelope signed by an Ed25519 key verifies as pure
// Ed25519 over its pre-authentication encoding, which the bundle holds
// whole. A key declared "PKIX_ED25519_PH" (WithPublicKeyDetails) verifies
// envelopes as Ed25519ph too.
//
// # Bounds
//
// The work of a Verify call is bounded by the bundle, whatever its
// content: bundle.Parse limits the bundle to 32 MiB, a DSSE payload to
// 16 MiB, log entries and timestamps to 32 each; Verify reads at most
// 32,768 in-toto subjects and runs the policy before it hashes or decodes
// the payload. BenchmarkBounds builds the worst cases (a 16 MiB statement
// of 167,000 subjects, one at the subject limit with a large
// predicate, 32 large log entries) and measures each beside the cost of
// hashing its payload once.
//
// # Audit mode
//
// Audit runs every check Verify runs without stopping at the first failure
// and returns a Report listing them all, for deployments that roll
// verification out fail-open before enforcing it. The Report carries a
// Result only when the bundle fully verified; Verify is always fail-closed.
//
// # Errors
//
// Verify returns (nil, *Error) on every failure: Error.Step names the check
// that failed. ErrThreshold is wrapped when too few witnesses verified;
// a *policy.ViolationError when the policy rejected a verified signer;
// bundle.ErrMalformed never reaches Verify, as bundle.Parse rejects such
// bundles first.
package verify
