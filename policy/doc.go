// Package policy decides whether a verified signer is the one the caller
// expects.
//
// A [Policy] is a predicate over verified facts (an [Input]): the signing
// certificate that chained to a trusted CA, or the trusted public key that
// verified the signature. Package verify evaluates the policy only after
// every cryptographic check has passed, and only on facts it has verified.
// A policy that rejects its input returns a *[ViolationError].
//
// Matching is exact by default. Regular expressions ([Regexp]) are anchored
// by this package (a pattern p is compiled as ^(?:p)$), so a pattern never
// matches a substring by accident. An empty matcher never matches anything:
// an [Identity] with an empty issuer or subject, or [All]/[Any] with no
// policies, rejects every input, and so does [Not] of such a policy. To
// accept any verified signer, say so with [UnsafeAnySigner].
//
// Policies combine with [All], [Any], [AtLeast] and [Not].
//
// # Fulcio certificates
//
// [Identity] matches the OIDC issuer recorded by Fulcio (extension
// 1.3.6.1.4.1.57264.1.8, or the legacy 1.3.6.1.4.1.57264.1.1) and the
// certificate's subject alternative names (URI, email, DNS name, or Fulcio's
// "username" otherName). [IdentityMatch] does the same with a [Matcher] for
// each. [Extension] matches any Fulcio claim by OID; the OIDs are exported as
// variables ([OIDSourceRepositoryURI] and so on). [IssuerClaim],
// [SubjectAlternativeNames] and [ExtensionValue] read the same values for
// use in a [Func].
//
// # Other certificate authorities and keys
//
// [SubjectDN] matches a certificate's subject distinguished name with a
// [Matcher], [PublicKey] requires a given key, and [Func] runs any Go check
// over the verified certificate or key.
//
// Policies and Matchers are immutable and safe for concurrent use.
package policy
