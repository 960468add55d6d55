// Package rfc3161 parses and verifies RFC 3161 timestamp responses as
// carried in Sigstore bundles
// (verificationMaterial.timestampVerificationData.rfc3161Timestamps).
//
// A bundle timestamp is a DER TimeStampResp (RFC 3161 §2.4.2) whose token is
// a CMS SignedData (RFC 5652) over a TSTInfo. [Parse] decodes it strictly
// (DER only, bounded sizes and counts, no trailing data) into a [Token];
// [Token.Verify] then checks the message imprint against the timestamped
// bytes (the bundle signature), the SignerInfo signature, its signed
// attributes and the signer certificate supplied by the caller.
//
// Chain building is out of scope: the caller is expected to take the signer
// certificate from a trusted root (FindSigner checks its chain's links
// through trustroot.CertificateAuthority.VerifyChain), and may use
// [Token.SignerMatches] to pick the right one among several timestamp
// authorities.
package rfc3161
