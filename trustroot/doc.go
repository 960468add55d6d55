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
// TrustedRoot.SigningConfig returns the one a ClientTrustConfig document, a TUF
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
// Parsing checks everything about the material that never changes and
// costs no signature verification: every document is within its size limit
// and names a supported media type; every certificate parses and every key
// (of a log, or of any certificate in a chain) is one of sigil's allowed
// algorithms; every chain has at most 10 certificates,
// every issuer in it is a CA certificate (basic constraints present, cA
// asserted), and every timestamp authority's signing certificate has the
// timeStamping extended key usage; every entity has a validity window with a
// start that does not end before it starts. What a signature proves is left
// to first use: CertificateAuthority.VerifyChain checks that each certificate
// of a chain is issued and signed by the next, once per authority, when a
// verifier or client first relies on it (verify at the certificate step for
// CAs, the timestamp step for TSAs), so loading a root verifies no signature
// and a root's authorities that a process never uses cost it nothing. The
// last certificate of a chain is the trust anchor, trusted because the root
// lists it: its self-signature is not checked. FromPrivateDeployment, which
// assembles a root from the caller's own certificates, also verifies the
// chains' links before it returns, so that an error names the option at
// fault. Certificate validity periods are not checked here: verifiers check
// them against the signing time.
//
// A TrustedRoot is immutable and safe for concurrent use.
package trustroot
