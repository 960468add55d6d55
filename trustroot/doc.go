// Package trustroot holds sigil's trusted material: the certificate
// authorities, transparency logs, certificate-transparency logs and
// timestamp authorities a verifier trusts, each with its validity window.
//
// A TrustedRoot comes from a trusted_root.json document (ParseJSON,
// FromFile), from a ClientTrustConfig document (which also carries a signing
// configuration), or from the snapshots of the public-good Sigstore
// instance embedded in this package (PublicGood, PublicGoodStaging). The
// embedded snapshots let a first run verify with no network access; they are
// reported as snapshots, with their date, by Snapshot.
//
// FromPrivateDeployment builds the material of a private deployment from
// its parts (Fulcio and TSA certificate chains, Rekor v1 and v2 and CT log
// keys, with their URLs), through the same checks, and MarshalJSON writes any
// root as a trusted_root.json document.
//
// # Signing configuration
//
// A signer also needs to know which services to use. ParseSigningConfig
// reads a signing configuration (signing_config.v0.2.json), and
// TrustedRoot.Services returns the one a ClientTrustConfig document, a TUF
// repository or FromPrivateDeployment provided. Its selection methods
// (Fulcio, OIDCProvider, RekorLogs, TimestampAuthorities) pick, for a given
// time and the API versions the caller speaks, the services the
// protobuf-specs rules call for: valid at that time, of the highest supported
// API version, newest first, one per operator, as many as the configuration's
// selector (ALL, ANY or EXACT n) asks. When nothing fits, their errors wrap
// ErrNoService.
//
// FromTUF gets current material the way Sigstore distributes it, from a TUF
// repository (the public-good one by default, or a private deployment's),
// verified from an embedded or caller-supplied root.json and cached on disk;
// TUFRefresher keeps it current in a long-running service. FromTUF and
// TUFRefresher are the only parts of this package that use the network.
//
// Parsing checks, once, everything about the material that never changes:
// every certificate chain is linked by valid signatures from CA certificates,
// every timestamp authority's signing certificate has the timeStamping
// extended key usage, every key (of a log, or of any certificate in a chain)
// is one of sigil's allowed algorithms, and every entity has a validity window
// with a start that does not end before it starts. Certificate validity
// periods are not checked here: verifiers check them against the signing time.
// Verifiers built on a TrustedRoot do not repeat those checks per bundle.
//
// A TrustedRoot is immutable and safe for concurrent use.
package trustroot
