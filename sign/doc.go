// Package sign makes Sigstore bundles: it hashes (streaming), signs with any
// key, and collects the evidence verifiers ask for — RFC 3161 timestamps,
// transparency-log entries, a certificate — into a version 0.3 bundle.
//
// # Signing
//
// Keys and what verifiers will know them by come from package signer, as a
// *signer.Credential: an in-memory or file key, a key in an HSM or KMS
// behind crypto.Signer, with a public-key hint or a certificate chain.
// Prepare one BundleBuilder per credential and reuse it:
//
//	cred, err := signer.FromKey(key)                 // any crypto.Signer
//	b, err := sign.NewBundleBuilder(cred)
//	bun, err := b.SignArtifact(ctx, f)               // streamed, hashed once
//	out, err := bun.MarshalJSON()
//
// SignArtifact reads an artifact of any size in constant memory and signs
// its digest; SignDigest signs a digest computed elsewhere; SignDSSE signs a
// payload in a DSSE envelope; SignStatement signs an in-toto statement (a
// model-signing manifest of many thousands of subjects is one statement).
// The digest algorithm comes from the key (Credential.HashFunc), never from
// the caller: SHA-256 for ECDSA P-256 and RSA, SHA-384 for P-384, SHA-512
// for P-521 and Ed25519. Ed25519 keys sign artifacts (message signatures)
// as Ed25519ph over the SHA-512 digest, since a digest is all that a bundle,
// a log entry or a digest-only verifier has, and DSSE envelopes as pure
// Ed25519 over the pre-authentication encoding; verify accepts exactly
// these forms (cosign v3.1.3's verify-blob --key still expects pure
// Ed25519 for message signatures, and sigstore-js verifies no Ed25519
// message signature).
//
// A signature made elsewhere — by a signing service, or an HSM driven by
// other software — becomes a bundle with AssembleMessage or AssembleDSSE,
// which verify it against the signer's public key or certificate (a
// credential of signer.FromPublicKey or signer.FromCertificate, which names
// the signer as a signing credential does but holds no key) before anything
// else.
//
// # Timestamps, logs and certificates
//
// Optional steps go through small interfaces that clients of Sigstore
// services implement: Timestamper (a TSA), TransparencyLog (Rekor v1 or v2)
// and CertificateProvider (Fulcio, for keyless signing). Clients of the real
// services come with the package: NewTimestampAuthority, NewRekor (Rekor v1)
// and NewRekorV2, or all those a signing configuration selects
// (WithSigningConfig); signer.NewFulcio is the CertificateProvider. Each
// client checks every response against the trusted root before it is used
// (ErrInvalidResponse), bounds its requests with timeouts and retries
// idempotent failures with backoff and jitter (signer.ServiceError). These clients
// are the only network I/O of the package; every method that may reach a
// service takes a context first. The steps run in the order sign, timestamp (over the
// signature), log, bundle, self-check. A service that fails fails the
// signing: no bundle is returned without the evidence the options asked for.
//
// # Verifying what is signed
//
// WithSelfCheck verifies every bundle before it is returned; pass it
// (*verify.Verifier).SelfCheck() for a verifier built on the trusted root
// your users will verify with. A bundle that fails is never returned.
// Package sign does not import package verify: the function is the only
// link between them.
//
// # Output
//
// Bundles use media type bundle.MediaTypeV03. A certificate credential's
// bundles carry only the leaf certificate: verifiers find intermediates and
// roots in their trusted root (a BYO-PKI root lists the intermediate and the
// root as one certificate authority). Key credentials' bundles carry the
// public-key hint; verifiers are given the key itself.
//
// # Errors
//
// Option errors name the option. Errors from services (timestamp authority,
// log, certificate provider) and from reading the artifact are returned
// wrapped, so errors.Is finds context.Canceled and network errors.
// ErrSelfCheck marks a bundle that failed its self-check; the self-check's
// own error is wrapped too. ErrInvalidSignature marks a signature given to
// Assemble that does not verify.
//
// A BundleBuilder is immutable and safe for concurrent use by multiple
// goroutines when its credential's key and its services are.
package sign
