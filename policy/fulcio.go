package policy

import (
	"crypto/x509"
	"encoding/asn1"
	"unicode/utf8"
)

// Fulcio certificate extension OIDs (see Fulcio's docs/oid-info.md), for use
// with [Extension] and [ExtensionValue]. OIDOtherName is not an extension: it
// is the type of Fulcio's "username" otherName subject alternative name.
// Treat these variables as constants.
//
// Fulcio records the OIDC issuer twice over its history: [OIDIssuerV1]
// (.1, a raw string, deprecated by Fulcio) and [OIDIssuerV2] (.8, a DER
// UTF8String). [IssuerClaim] reads whichever the certificate carries.
var (
	OIDIssuerV1                            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	OIDGitHubWorkflowTrigger               = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 2}
	OIDGitHubWorkflowSHA                   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 3}
	OIDGitHubWorkflowName                  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 4}
	OIDGitHubWorkflowRepository            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 5}
	OIDGitHubWorkflowRef                   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 6}
	OIDOtherName                           = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 7}
	OIDIssuerV2                            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
	OIDBuildSignerURI                      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 9}
	OIDBuildSignerDigest                   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 10}
	OIDRunnerEnvironment                   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 11}
	OIDSourceRepositoryURI                 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 12}
	OIDSourceRepositoryDigest              = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 13}
	OIDSourceRepositoryRef                 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 14}
	OIDSourceRepositoryIdentifier          = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 15}
	OIDSourceRepositoryOwnerURI            = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 16}
	OIDSourceRepositoryOwnerIdentifier     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 17}
	OIDBuildConfigURI                      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 18}
	OIDBuildConfigDigest                   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 19}
	OIDBuildTrigger                        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 20}
	OIDRunInvocationURI                    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 21}
	OIDSourceRepositoryVisibilityAtSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 22}
	OIDDeploymentEnvironment               = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 23}
)

// Private copies of the OIDs this package relies on, which callers cannot
// change by writing to the exported variables.
var (
	oidSAN           = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidFulcioPrefix  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1}
	oidIssuerV1      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidOtherNameType = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 7}
	oidIssuerV2      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// ExtensionValue returns the decoded value of the Fulcio extension oid in
// cert. Extensions 1.3.6.1.4.1.57264.1.1 to .6 hold raw UTF-8 strings; later
// ones hold a DER UTF8String. Invalid encodings are reported as absent, and
// so is every extension of a nil cert.
func ExtensionValue(cert *x509.Certificate, oid asn1.ObjectIdentifier) (string, bool) {
	v, st := extensionValue(cert, oid)
	return v, st == extOK
}

type extState int

const (
	extAbsent extState = iota
	extMalformed
	extOK
)

// extensionValue is ExtensionValue, telling an absent extension from a
// malformed one.
func extensionValue(cert *x509.Certificate, oid asn1.ObjectIdentifier) (string, extState) {
	if cert == nil {
		return "", extAbsent
	}
	for _, e := range cert.Extensions {
		if !e.Id.Equal(oid) {
			continue
		}
		if legacyExtension(oid) {
			if !utf8.Valid(e.Value) {
				return "", extMalformed
			}
			return string(e.Value), extOK
		}
		var s string
		rest, err := asn1.UnmarshalWithParams(e.Value, &s, "utf8")
		if err != nil || len(rest) != 0 {
			return "", extMalformed
		}
		return s, extOK
	}
	return "", extAbsent
}

func legacyExtension(oid asn1.ObjectIdentifier) bool {
	if len(oid) != 9 || !oid[:8].Equal(oidFulcioPrefix) {
		return false
	}
	return oid[8] >= 1 && oid[8] <= 6
}

// IssuerClaim returns the OIDC issuer (the token's "iss" claim) Fulcio
// recorded in cert, the value [Identity] matches: the value of
// extension 1.3.6.1.4.1.57264.1.8 ([OIDIssuerV2]) if present, else that of the
// legacy 1.3.6.1.4.1.57264.1.1 ([OIDIssuerV1]). A malformed .8 is not
// overridden by .1: IssuerClaim then reports no issuer. A nil cert has none.
func IssuerClaim(cert *x509.Certificate) (string, bool) {
	switch v, st := extensionValue(cert, oidIssuerV2); st {
	case extOK:
		return v, true
	case extMalformed:
		return "", false
	}
	return ExtensionValue(cert, oidIssuerV1)
}

// SubjectAlternativeNames returns the certificate's subject alternative
// names as strings, in this order: URIs (as url.URL.String renders them),
// email addresses, DNS names, and Fulcio "username" otherNames
// (1.3.6.1.4.1.57264.1.7, [OIDOtherName]). IP addresses and other kinds of
// name are left out. If the SAN extension is malformed no otherNames are
// returned. A nil cert has no names.
func SubjectAlternativeNames(cert *x509.Certificate) []string {
	if cert == nil {
		return nil
	}
	var out []string
	for _, u := range cert.URIs {
		out = append(out, u.String())
	}
	out = append(out, cert.EmailAddresses...)
	out = append(out, cert.DNSNames...)
	return append(out, otherNames(cert)...)
}

// otherNames extracts Fulcio otherName SANs, which crypto/x509 does not parse.
func otherNames(cert *x509.Certificate) []string {
	var out []string
	for _, e := range cert.Extensions {
		if !e.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &seq); err != nil || len(rest) != 0 ||
			seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
			return nil
		}
		names := seq.Bytes
		for len(names) > 0 {
			var name asn1.RawValue
			rest, err := asn1.Unmarshal(names, &name)
			if err != nil {
				return nil
			}
			names = rest
			if name.Class != asn1.ClassContextSpecific || name.Tag != 0 || !name.IsCompound {
				continue
			}
			var on struct {
				ID    asn1.ObjectIdentifier
				Value string `asn1:"explicit,tag:0,utf8"`
			}
			// otherName is [0] IMPLICIT SEQUENCE { type-id, [0] EXPLICIT value }:
			// re-wrap the implicit body as a SEQUENCE to decode it.
			body, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: name.Bytes})
			if err != nil {
				continue
			}
			if rest, err := asn1.Unmarshal(body, &on); err != nil || len(rest) != 0 || !on.ID.Equal(oidOtherNameType) {
				continue
			}
			out = append(out, on.Value)
		}
	}
	return out
}
