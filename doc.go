// Package sigil documents the sigil module, an embeddable library for
// Sigstore signing and verification according to the Sigstore client
// specification and the sigstore/protobuf-specs formats, in which bringing
// your own PKI is a first-class case: the public-good instance, a private
// Sigstore deployment (its own Fulcio, Rekor v1 or v2, TSA, CT log and TUF
// repository), an enterprise CA that is not Fulcio, and bare long-lived keys
// go through one API.
//
// This package holds no code. The API is in its packages:
//
//   - bundle parses and writes Sigstore bundles, untrusted data with
//     structural checks only;
//   - trustroot loads trusted material (trusted_root.json, ClientTrustConfig,
//     TUF, a private deployment built in code) and signing configurations;
//   - verify checks a bundle against a trusted root, offline, and returns
//     only verified facts;
//   - policy decides whether a verified signer is the expected one;
//   - signer provides keys and credentials: key files, any crypto.Signer,
//     certificate chains, Fulcio certificates and OIDC identity tokens;
//   - sign makes bundles, with timestamps and transparency-log entries;
//   - intoto is the in-toto statement sign signs and verify returns, with
//     its checked encoder and strict decoder;
//   - witness reads witness keys and policies for log checkpoints;
//   - monitor watches transparency logs for consistency and for entries
//     that match a watch list.
//
// Start with verify's package documentation to verify, and sign's to sign.
// ARCHITECTURE.md in the repository maps how data flows through them and
// where each trust decision is made.
//
// # Compatibility
//
// sigil has not reached version 1.0, and no version is tagged yet. Until
// v1.0.0 any release may rename, change or remove exported identifiers of
// any package, when the old shape misleads or gets in the way; each such
// break is listed, old name beside new, in CHANGELOG.md at the repository
// root. Packages witness and monitor are the newest and the most likely to
// change. The internal packages and the programs under examples/ are not
// part of the API.
//
// Some things do not change between releases, before 1.0 as after:
//
//   - Formats. sigil reads and writes other projects' formats, and follows
//     their specifications rather than versioning its own (see Formats):
//     bundles sigil writes are for any Sigstore client to verify, and what
//     other clients write is for sigil to verify. The repository's
//     interoperability tests run cosign and sigstore-js both ways, and name
//     each combination that fails today because of another client's bug.
//   - Security direction. A default never becomes weaker silently: each
//     weakening is a separately named Unsafe… option (or AllowPayloadType and
//     the like, which name what they admit). A release may make verification
//     stricter, reject what an earlier one accepted, and say so in
//     CHANGELOG.md; it accepts more by default only where a specification
//     or the interoperability tests show sigil to be wrong.
//   - Error contracts. The sentinel errors packages document for errors.Is
//     (bundle.ErrMalformed, trustroot.ErrNoService, trustroot.ErrTUFUnavailable
//     and the rest) and the typed errors for errors.As (*verify.Error with
//     its Step, *policy.ViolationError) keep their meaning. Compare a Step
//     with its named constant, never with a number: the values are not
//     stable (they moved once, when StepRevocation was added). The text of
//     error messages is for people and may change in any release.
//
// What may change before 1.0 beyond names: the defaults (which the packages
// export as Default… constants, such as verify.DefaultTlogEntries and
// trustroot.DefaultTUFFreshness, so that a change is visible), the bounds
// placed on attacker-controlled sizes (documented where they apply, such as
// bundle.Parse's 32 MiB), the set of signature algorithms accepted (named
// as protobuf-specs' PublicKeyDetails names them), and the order in which Verify runs its checks
// (and so which step a bundle with several faults fails at).
//
// # Formats
//
// The formats sigil reads and writes, and the versions it follows:
//
//   - Sigstore bundles v0.1, v0.2 and v0.3 (bundle; writes v0.3),
//     trusted roots v0.1 and v0.2, ClientTrustConfig v0.1 and signing
//     configurations v0.2 (trustroot), as sigstore/protobuf-specs defines
//     them (the version in go.mod) in their canonical JSON form;
//   - DSSE v1 envelopes and in-toto Statement v1;
//   - Rekor v1 entries (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.1 and
//     0.0.2) and Rekor v2 (rekor-tiles) entries (hashedrekord and dsse
//     0.0.2); checkpoints as C2SP signed notes (c2sp.org/signed-note,
//     c2sp.org/tlog-checkpoint), witness cosignatures (c2sp.org/tlog-cosignature),
//     witness policies (the policy file rekor-tiles and Tessera read) and
//     tlog-tiles (c2sp.org/tlog-tiles);
//   - X.509 as RFC 5280 profiles it, with Fulcio's certificate extensions
//     (1.3.6.1.4.1.57264.1.*), RFC 6962 signed certificate timestamps, RFC
//     5280 CRLs and RFC 3161 timestamps;
//   - TUF 1.0 repositories, through go-tuf v2, laid out as Sigstore's are;
//   - the service APIs of Fulcio v2, Rekor v1, rekor-tiles and RFC 3161
//     timestamp authorities, and OpenID Connect identity tokens.
//
// # Go versions
//
// sigil requires the Go release that go.mod's go line names (Go 1.26
// today) and uses no cgo (only the PKCS#11 example, a separate module, does).
// Before 1.0 a release may raise the minimum to a newer Go release, and
// CHANGELOG.md says so when it does; from 1.0 on, sigil will build with the
// two most recent major Go releases, the ones the Go project supports.
package sigil
