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
// distinct authorities: by operator where the trusted root names one, so
// that two logs (or TSAs, or CT logs) of one operator count once, and by
// log or authority where it does not. Each defaults to 1 ([DefaultSCTs],
// [DefaultTlogEntries], [DefaultTimestamps]) when the trusted root lists an
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
// Certificate bundles verify when RFC 5280 path validation (crypto/x509)
// finds a path from the leaf to the anchor of a trusted CA, valid at every
// verified signing time. The anchor of a CA is the last certificate of its
// chain in the trusted root (usually the self-signed root): a leaf issued by
// the root directly verifies as well as one issued by its intermediate. The
// CA's other certificates, and the certificates a bundle carries after its
// leaf (an x509CertificateChain, in any bundle version), are intermediates
// the path may use; a bundle certificate is never an anchor and counts only
// as far as a path through it validates. Path validation checks every
// signature, validity period, basic constraint and name constraint, and nests
// extended key usages: every certificate of the path must allow codeSigning
// (or any usage), and the leaf must name codeSigning itself and not be a CA
// certificate (UnsafeAllowCASigningCertificates relaxes the last rule to "not
// a CA certificate that may issue certificates", for hierarchies such as
// model_signing's test PKI that issue CA:TRUE leaves without keyCertSign).
// The validated path above the leaf is Result.Signer.Chain.
//
// The trusted part of a path costs its signature checks once: a CA's own
// chain is checked (trustroot.CertificateAuthority.VerifyChain) the first
// time a leaf chains to it, and a CA whose chain is broken fails every such
// leaf at StepCertificate. A leaf issued by the CA's issuing certificate is
// then validated against that certificate, the chain's own properties
// (extended key usages, path lengths; no name or policy constraints above
// it) having been checked once, so the path costs one signature check per
// bundle; any other path (bundle intermediates that could take part, a
// constrained chain) is walked to the anchor in full. Both ways accept and
// reject the same leaves.
//
// A critical subject alternative name extension holding only Fulcio
// username otherNames, which crypto/x509 does not parse, is handled by sigil
// (it reads them for policies) instead of failing as an unhandled critical
// extension; any other unhandled critical extension fails. Name constraints
// still apply: crypto/x509 checks the DNS, email, URI and IP constraints of
// every CA of the path against the leaf's names of those forms; an otherName
// is of none of them, and RFC 5280 (4.2.1.10) applies a constraint only to
// names of its own form. A CA that constrains a form crypto/x509 does not
// process (otherName, directoryName, ...) in a critical extension is
// rejected, on every path through it.
//
// Public-key bundles verify only with a key the caller trusts (WithPublicKey,
// or WithPublicKeyDetails to declare its algorithm, as RSA-PSS keys need). The
// signature algorithm comes from the key, or the algorithm declared for it
// (WithPublicKeyDetails, a trusted root's key details for logs), and sigil's
// allow-list, never from the bundle.
//
// # Revocation
//
// No Sigstore client checks revocation (Fulcio certificates live ten
// minutes); enterprise CAs revoke. A Verifier given CRLs (WithCRLs,
// WithCRLFiles) or a RevocationChecker (WithRevocationChecker, for OCSP
// responses or deny lists the caller holds) checks every certificate of the
// validated path except its anchor (trusted by configuration): the leaf and
// every intermediate, from the trusted root or the bundle. Failures are at
// StepRevocation.
//
// Each of those certificates must be covered by a source: a CRL of its
// issuer (whose issuer name is the certificate's issuer name) or the
// checker, which covers every certificate it is asked about. A certificate
// no source covers fails (ErrNoRevocationStatus): with CRLs alone, give one
// for every CA of the path (for root → intermediate → leaf, the root's CRL,
// covering the intermediate, and the intermediate's, covering the leaf).
//
// Every CRL of a certificate's issuer must be signed by the key of the
// issuer certificate in the validated path (which must be allowed to sign
// CRLs) and be current at the verifier's clock (WithClock): thisUpdate ≤ now
// ≤ nextUpdate. A CRL that fails either check is an error (ErrCRLSignature,
// ErrStaleCRL), never skipped. These checks run at Verify, for the CRLs of
// the issuers on the path (so a CRL goes stale at its nextUpdate while the
// Verifier is in use); a CRL of a CA no path goes through is not consulted.
// A CA that signs CRLs with several keys under one name (key rollover) must
// be given only the CRL of the key that issued the path's certificate.
//
// A certificate revoked at or before the signing time fails with a
// *RevokedError carrying the revocation time and reason. The signing time is
// the earliest verified time of the bundle (observer timestamps and log
// integration times; the verifier's clock when it has none): the signature
// existed then. A certificate revoked after that time for a reason that does
// not put its key in doubt (superseded, affiliationChanged,
// cessationOfOperation, privilegeWithdrawn, certificateHold, unspecified)
// still verifies: signatures made while it was good stay good, as for code
// signing generally. Revocation for keyCompromise, cACompromise or
// aACompromise fails whatever the time, since the key may have been in other
// hands before the CA learnt of it. A CRL entry's invalidityDate (RFC 5280
// 5.3.2), when earlier than its revocation date, is the time compared.
//
// A CRL must be a complete CRL of one issuer: at most limits.MaxCRLSize (16
// MiB), with a nextUpdate, without critical extensions besides the authority
// key identifier and CRL number, without critical entry extensions, and
// without removeFromCRL entries; delta CRLs, partitioned CRLs (an issuing
// distribution point) and indirect CRLs are rejected by New, since sigil
// does not process their scope. A Verifier takes at most 64 CRLs.
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
