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
// # Witnesses
//
// A checkpoint proves an entry is in a tree the log signed, not that the
// log shows everyone the same tree. RequireWitnessPolicy(baseURL, policy)
// requires the checkpoints of a log's entries to be cosigned
// (c2sp.org/tlog-cosignature) by witnesses satisfying a policy of package
// witness; Result.TlogEntries[i].Witnesses names those that verified. By
// default no witness is required, as in other Sigstore verifiers. A
// witnessed checkpoint counts as an observer timestamp only with
// WitnessTimestamps. Checkpoints are bound to their log: a Rekor v2
// checkpoint's origin must be the host name of the log's base URL (or
// host:port when the URL has that port), a Rekor v1 one's must have the form
// "<name> - <tree ID>" signed as <name>.
//
// # Keys and certificates
//
// Certificate bundles verify when the leaf chains to a trusted CA at every
// verified signing time; chains in trusted roots were checked when the root
// was parsed, so per bundle only the leaf's own signature is verified (plus a
// full path walk when a CA carries name or policy constraints). Public-key
// bundles verify only with a key the caller trusts (WithPublicKey). The
// signature algorithm comes from the key and sigil's allow-list, never from
// the bundle.
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
