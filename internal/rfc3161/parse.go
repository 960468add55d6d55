package rfc3161

import (
	"bytes"
	"crypto"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Parsing limits.
const (
	// MaxSize is the largest TimeStampResp, in bytes, that Parse accepts.
	MaxSize = 64 << 10

	maxCertificates     = 16
	maxSignedAttrs      = 32
	maxDigestAlgorithms = 16
	maxESSCertIDs       = 16
	maxStatusStrings    = 16
)

// ErrMalformed is wrapped by every error returned by Parse.
var ErrMalformed = errors.New("rfc3161: malformed timestamp")

// Token is a parsed, NOT yet verified, RFC 3161 timestamp token. Its
// exported fields come from the TSTInfo and the SignedData; none of them may
// be trusted before Verify succeeds.
//
// Verify relies only on a private copy of the parsed data: modifying the
// exported fields does not change its outcome. A Token is safe for
// concurrent use by multiple goroutines.
type Token struct {
	// GenTime is TSTInfo.genTime, in UTC.
	GenTime time.Time
	// HashAlg is the messageImprint hash algorithm: crypto.SHA256,
	// crypto.SHA384 or crypto.SHA512.
	HashAlg crypto.Hash
	// HashedMessage is messageImprint.hashedMessage.
	HashedMessage []byte
	// Nonce is TSTInfo.nonce, or nil when absent.
	Nonce *big.Int
	// Policy is TSTInfo.policy.
	Policy asn1.ObjectIdentifier
	// SerialNumber is TSTInfo.serialNumber.
	SerialNumber *big.Int
	// Certificates are the certificates embedded in the SignedData, in
	// order. It may be empty.
	Certificates []*x509.Certificate

	// eContent is the DER TSTInfo (the content of the eContent OCTET STRING).
	eContent []byte
	// Private copies of the exported TSTInfo fields Verify relies on, so
	// that changes to the exported fields cannot affect verification.
	genTime time.Time
	hashAlg crypto.Hash
	imprint []byte

	// SignerInfo.sid: either issuer+serial or subject key identifier.
	sidIssuer []byte // raw DER Name
	sidSerial *big.Int
	sidSKI    []byte

	// hasCerts records whether the SignedData embeds certificates; sidCerts
	// are those of them that match the sid.
	hasCerts bool
	sidCerts []*x509.Certificate

	// digestHash is the SignerInfo digestAlgorithm; 0 if not allow-listed.
	digestHash crypto.Hash

	// Signature algorithm.
	sigScheme   sigScheme
	sigHash     crypto.Hash // hash named by the signature algorithm, 0 if none
	pssSaltLen  int
	signedAttrs []byte // DER of the signed attributes, re-tagged as SET OF
	// attrsDigest is digestHash(signedAttrs), computed once by Parse so
	// that Verify does not allocate for it; nil if digestHash is 0.
	attrsDigest []byte
	signature   []byte

	// Signed attribute values.
	contentType   []byte // raw OID contents
	messageDigest []byte
	essCertIDs    []essCertID
}

// essCertID is the first ESSCertID of a signingCertificate (v1) or
// signingCertificateV2 attribute.
type essCertID struct {
	hash     crypto.Hash // 0 if not supported
	certHash []byte
}

type sigScheme uint8

const (
	sigUnsupported sigScheme = iota
	sigECDSA
	sigRSAPKCS1
	sigRSAPSS
	sigEd25519
)

// Context-specific tags.
var (
	tagCtx0Cons = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagCtx1Cons = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagCtx2Cons = cbasn1.Tag(2).ContextSpecific().Constructed()
	tagCtx3Cons = cbasn1.Tag(3).ContextSpecific().Constructed()
	tagCtx0Prim = cbasn1.Tag(0).ContextSpecific()
	tagCtx1Prim = cbasn1.Tag(1).ContextSpecific()
)

func malformed(msg string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, msg)
}

// Parse parses a DER TimeStampResp (RFC 3161 §2.4.2). The status must be
// granted (0) or grantedWithMods (1) and the response must carry a
// timeStampToken. The encoding must be DER with no trailing data at any
// level, and der must not exceed MaxSize bytes. Every error wraps
// ErrMalformed.
//
// Parse does not verify anything cryptographically; see Token.Verify.
// The returned Token does not alias der.
func Parse(der []byte) (*Token, error) {
	if len(der) == 0 {
		return nil, malformed("empty input")
	}
	if len(der) > MaxSize {
		return nil, malformed("input larger than 64 KiB")
	}
	// Own the bytes so later changes to der cannot alter the token.
	der = bytes.Clone(der)

	in := cryptobyte.String(der)
	var resp cryptobyte.String
	if !in.ReadASN1(&resp, cbasn1.SEQUENCE) {
		return nil, malformed("invalid TimeStampResp")
	}
	if !in.Empty() {
		return nil, malformed("trailing data after TimeStampResp")
	}
	var status cryptobyte.String
	if !resp.ReadASN1(&status, cbasn1.SEQUENCE) {
		return nil, malformed("invalid PKIStatusInfo")
	}
	if err := parseStatus(status); err != nil {
		return nil, err
	}
	if resp.Empty() {
		return nil, malformed("granted response without timeStampToken")
	}
	var contentInfo cryptobyte.String
	if !resp.ReadASN1(&contentInfo, cbasn1.SEQUENCE) {
		return nil, malformed("invalid timeStampToken ContentInfo")
	}
	if !resp.Empty() {
		return nil, malformed("trailing data in TimeStampResp")
	}

	t := new(Token)
	if err := t.parseContentInfo(contentInfo); err != nil {
		return nil, err
	}
	if err := t.parseTSTInfo(t.eContent); err != nil {
		return nil, err
	}
	t.GenTime, t.HashAlg, t.HashedMessage = t.genTime, t.hashAlg, bytes.Clone(t.imprint)
	t.hasCerts = len(t.Certificates) > 0
	for _, c := range t.Certificates {
		if t.SignerMatches(c) {
			t.sidCerts = append(t.sidCerts, c)
		}
	}
	return t, nil
}

// parseStatus parses the contents of a PKIStatusInfo and requires a granted
// status.
func parseStatus(s cryptobyte.String) error {
	var status int64
	if !s.ReadASN1Integer(&status) {
		return malformed("invalid PKIStatus")
	}
	if s.PeekASN1Tag(cbasn1.SEQUENCE) {
		var text cryptobyte.String
		if !s.ReadASN1(&text, cbasn1.SEQUENCE) {
			return malformed("invalid PKIFreeText")
		}
		for n := 0; !text.Empty(); n++ {
			var str cryptobyte.String
			if n == maxStatusStrings || !text.ReadASN1(&str, cbasn1.UTF8String) {
				return malformed("invalid PKIFreeText")
			}
		}
	}
	if s.PeekASN1Tag(cbasn1.BIT_STRING) {
		var fail asn1.BitString
		if !s.ReadASN1BitString(&fail) {
			return malformed("invalid PKIFailureInfo")
		}
	}
	if !s.Empty() {
		return malformed("trailing data in PKIStatusInfo")
	}
	if status != 0 && status != 1 {
		return malformed(fmt.Sprintf("status %d is not granted", status))
	}
	return nil
}

func (t *Token) parseContentInfo(ci cryptobyte.String) error {
	var ct cryptobyte.String
	if !ci.ReadASN1(&ct, cbasn1.OBJECT_IDENTIFIER) {
		return malformed("invalid ContentInfo contentType")
	}
	if !bytes.Equal(ct, oidSignedData) {
		return malformed("timeStampToken is not SignedData")
	}
	var wrap, sd cryptobyte.String
	if !ci.ReadASN1(&wrap, tagCtx0Cons) || !ci.Empty() {
		return malformed("invalid ContentInfo content")
	}
	if !wrap.ReadASN1(&sd, cbasn1.SEQUENCE) || !wrap.Empty() {
		return malformed("invalid SignedData")
	}
	return t.parseSignedData(sd)
}

func (t *Token) parseSignedData(sd cryptobyte.String) error {
	var version int64
	if !sd.ReadASN1Integer(&version) || version < 1 || version > 5 {
		return malformed("invalid SignedData version")
	}

	var digestAlgs cryptobyte.String
	if !sd.ReadASN1(&digestAlgs, cbasn1.SET) {
		return malformed("invalid SignedData digestAlgorithms")
	}
	for n := 0; !digestAlgs.Empty(); n++ {
		if n == maxDigestAlgorithms {
			return malformed("too many digestAlgorithms")
		}
		if _, _, ok := readAlgorithm(&digestAlgs); !ok {
			return malformed("invalid digestAlgorithm")
		}
	}

	// EncapsulatedContentInfo: the TSTInfo.
	var eci, eType, eWrap, eContent cryptobyte.String
	if !sd.ReadASN1(&eci, cbasn1.SEQUENCE) ||
		!eci.ReadASN1(&eType, cbasn1.OBJECT_IDENTIFIER) {
		return malformed("invalid encapContentInfo")
	}
	if !bytes.Equal(eType, oidTSTInfo) {
		return malformed("eContentType is not id-ct-TSTInfo")
	}
	if !eci.ReadASN1(&eWrap, tagCtx0Cons) || !eci.Empty() ||
		!eWrap.ReadASN1(&eContent, cbasn1.OCTET_STRING) || !eWrap.Empty() {
		return malformed("missing or invalid eContent")
	}
	t.eContent = eContent

	// certificates [0] IMPLICIT CertificateSet OPTIONAL.
	var certs cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certs, &hasCerts, tagCtx0Cons) {
		return malformed("invalid certificates")
	}
	for !certs.Empty() {
		if len(t.Certificates) == maxCertificates {
			return malformed("too many certificates")
		}
		var raw cryptobyte.String
		if !certs.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
			return malformed("unsupported CertificateChoices")
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return fmt.Errorf("%w: embedded certificate %d: %w", ErrMalformed, len(t.Certificates), err)
		}
		t.Certificates = append(t.Certificates, c)
	}

	// crls [1] IMPLICIT RevocationInfoChoices OPTIONAL: ignored.
	if !sd.SkipOptionalASN1(tagCtx1Cons) {
		return malformed("invalid crls")
	}

	var signerInfos, si cryptobyte.String
	if !sd.ReadASN1(&signerInfos, cbasn1.SET) {
		return malformed("invalid signerInfos")
	}
	if !sd.Empty() {
		return malformed("trailing data in SignedData")
	}
	if signerInfos.Empty() {
		return malformed("no SignerInfo")
	}
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) {
		return malformed("invalid SignerInfo")
	}
	if !signerInfos.Empty() {
		return malformed("more than one SignerInfo")
	}
	return t.parseSignerInfo(si)
}

func (t *Token) parseSignerInfo(si cryptobyte.String) error {
	var version int64
	if !si.ReadASN1Integer(&version) {
		return malformed("invalid SignerInfo version")
	}
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		// issuerAndSerialNumber
		var ias, issuer cryptobyte.String
		serial := new(big.Int)
		if version != 1 ||
			!si.ReadASN1(&ias, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(serial) || !ias.Empty() {
			return malformed("invalid SignerInfo issuerAndSerialNumber")
		}
		t.sidIssuer, t.sidSerial = issuer, serial
	case si.PeekASN1Tag(tagCtx0Prim):
		// [0] IMPLICIT SubjectKeyIdentifier
		var ski cryptobyte.String
		if version != 3 || !si.ReadASN1(&ski, tagCtx0Prim) || len(ski) == 0 {
			return malformed("invalid SignerInfo subjectKeyIdentifier")
		}
		t.sidSKI = ski
	default:
		return malformed("invalid SignerInfo sid")
	}

	oid, params, ok := readAlgorithm(&si)
	if !ok {
		return malformed("invalid SignerInfo digestAlgorithm")
	}
	t.digestHash = hashFromAlgorithm(oid, params)

	// signedAttrs [0] IMPLICIT SET OF Attribute: required by RFC 3161.
	var attrsElem, attrs cryptobyte.String
	if !si.PeekASN1Tag(tagCtx0Cons) {
		return malformed("missing signedAttrs")
	}
	if !si.ReadASN1Element(&attrsElem, tagCtx0Cons) {
		return malformed("invalid signedAttrs")
	}
	body := attrsElem
	if !body.ReadASN1(&attrs, tagCtx0Cons) {
		return malformed("invalid signedAttrs")
	}
	if err := t.parseSignedAttrs(attrs); err != nil {
		return err
	}
	t.signedAttrs = bytes.Clone(attrsElem)
	t.signedAttrs[0] = byte(cbasn1.SET)

	oid, params, ok = readAlgorithm(&si)
	if !ok {
		return malformed("invalid SignerInfo signatureAlgorithm")
	}
	if err := t.parseSignatureAlgorithm(oid, params); err != nil {
		return err
	}

	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) || len(sig) == 0 {
		return malformed("invalid SignerInfo signature")
	}
	t.signature = sig

	// unsignedAttrs [1] IMPLICIT OPTIONAL: ignored.
	if !si.SkipOptionalASN1(tagCtx1Cons) {
		return malformed("invalid unsignedAttrs")
	}
	if !si.Empty() {
		return malformed("trailing data in SignerInfo")
	}
	if t.digestHash != 0 && t.sigScheme != sigEd25519 {
		var buf [sha512.Size]byte
		t.attrsDigest = bytes.Clone(digest(t.digestHash, t.signedAttrs, &buf))
	}
	return nil
}

func (t *Token) parseSignedAttrs(attrs cryptobyte.String) error {
	var haveCT, haveMD, haveSC, haveSCv2 bool
	for n := 0; !attrs.Empty(); n++ {
		if n == maxSignedAttrs {
			return malformed("too many signed attributes")
		}
		var attr, typ, values cryptobyte.String
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) ||
			!attr.ReadASN1(&typ, cbasn1.OBJECT_IDENTIFIER) || !validOID(typ) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() || values.Empty() {
			return malformed("invalid signed attribute")
		}
		switch {
		case bytes.Equal(typ, oidAttrContentType):
			var v cryptobyte.String
			if haveCT || !values.ReadASN1(&v, cbasn1.OBJECT_IDENTIFIER) || !validOID(v) || !values.Empty() {
				return malformed("invalid content-type attribute")
			}
			haveCT, t.contentType = true, v
		case bytes.Equal(typ, oidAttrMessageDigest):
			var v cryptobyte.String
			if haveMD || !values.ReadASN1(&v, cbasn1.OCTET_STRING) || !values.Empty() {
				return malformed("invalid message-digest attribute")
			}
			haveMD, t.messageDigest = true, v
		case bytes.Equal(typ, oidAttrSigningCertificate):
			if haveSC {
				return malformed("duplicate signingCertificate attribute")
			}
			id, ok := parseSigningCertificate(values, false)
			if !ok {
				return malformed("invalid signingCertificate attribute")
			}
			haveSC = true
			t.essCertIDs = append(t.essCertIDs, id)
		case bytes.Equal(typ, oidAttrSigningCertificateV2):
			if haveSCv2 {
				return malformed("duplicate signingCertificateV2 attribute")
			}
			id, ok := parseSigningCertificate(values, true)
			if !ok {
				return malformed("invalid signingCertificateV2 attribute")
			}
			haveSCv2 = true
			t.essCertIDs = append(t.essCertIDs, id)
		default:
			// Other attributes (e.g. signingTime) are covered by the
			// signature; only their framing is checked.
			for !values.Empty() {
				var tag cbasn1.Tag
				var v cryptobyte.String
				if !values.ReadAnyASN1Element(&v, &tag) {
					return malformed("invalid signed attribute value")
				}
			}
		}
	}
	if !haveCT {
		return malformed("missing content-type attribute")
	}
	if !haveMD {
		return malformed("missing message-digest attribute")
	}
	return nil
}

// parseSigningCertificate parses the attribute values of a
// signingCertificate (RFC 2634) or signingCertificateV2 (RFC 5035) attribute
// and returns its first ESSCertID, which identifies the signer.
func parseSigningCertificate(values cryptobyte.String, v2 bool) (essCertID, bool) {
	var sc, certs, first cryptobyte.String
	if !values.ReadASN1(&sc, cbasn1.SEQUENCE) || !values.Empty() ||
		!sc.ReadASN1(&certs, cbasn1.SEQUENCE) {
		return essCertID{}, false
	}
	// policies SEQUENCE OF PolicyInformation OPTIONAL
	if !sc.SkipOptionalASN1(cbasn1.SEQUENCE) || !sc.Empty() {
		return essCertID{}, false
	}
	if !certs.ReadASN1(&first, cbasn1.SEQUENCE) {
		return essCertID{}, false
	}
	for n := 1; !certs.Empty(); n++ {
		if n == maxESSCertIDs || !certs.SkipASN1(cbasn1.SEQUENCE) {
			return essCertID{}, false
		}
	}

	id := essCertID{hash: crypto.SHA1}
	if v2 {
		id.hash = crypto.SHA256 // DEFAULT {algorithm id-sha256}
		if first.PeekASN1Tag(cbasn1.SEQUENCE) {
			oid, params, ok := readAlgorithm(&first)
			if !ok {
				return essCertID{}, false
			}
			id.hash = hashFromAlgorithm(oid, params)
		}
	}
	var certHash cryptobyte.String
	if !first.ReadASN1(&certHash, cbasn1.OCTET_STRING) {
		return essCertID{}, false
	}
	if id.hash != 0 && len(certHash) != id.hash.Size() {
		return essCertID{}, false
	}
	id.certHash = certHash
	// issuerSerial IssuerSerial OPTIONAL: redundant with certHash.
	if !first.SkipOptionalASN1(cbasn1.SEQUENCE) || !first.Empty() {
		return essCertID{}, false
	}
	return id, true
}

// parseSignatureAlgorithm records the SignerInfo signatureAlgorithm.
// Algorithms that are well formed but not supported are recorded as
// sigUnsupported so that Verify reports them.
func (t *Token) parseSignatureAlgorithm(oid, params cryptobyte.String) error {
	nullOrAbsent := len(params) == 0 || bytes.Equal(params, derNull)
	switch {
	case bytes.Equal(oid, oidEd25519):
		if len(params) != 0 {
			return malformed("invalid Ed25519 parameters")
		}
		t.sigScheme = sigEd25519
	case bytes.Equal(oid, oidECPublicKey):
		if !nullOrAbsent {
			return malformed("invalid ECDSA parameters")
		}
		t.sigScheme = sigECDSA
	case bytes.Equal(oid, oidRSAEncryption):
		if !nullOrAbsent {
			return malformed("invalid RSA parameters")
		}
		t.sigScheme = sigRSAPKCS1
	case bytes.Equal(oid, oidRSAPSS):
		h, salt, ok := parsePSSParams(params)
		if !ok {
			return malformed("invalid RSASSA-PSS parameters")
		}
		if h != 0 {
			t.sigScheme, t.sigHash, t.pssSaltLen = sigRSAPSS, h, salt
		}
	default:
		for _, a := range sigAlgorithms {
			if bytes.Equal(oid, a.oid) {
				if !nullOrAbsent {
					return malformed("invalid signature algorithm parameters")
				}
				t.sigScheme, t.sigHash = a.scheme, a.hash
				return nil
			}
		}
		// Unknown algorithm: left as sigUnsupported.
	}
	return nil
}

// parsePSSParams parses RSASSA-PSS-params (RFC 4055). It returns hash 0
// when the parameters are well formed but not supported (defaults to SHA-1,
// a mask generation hash that differs from the message hash, or an unknown
// hash).
func parsePSSParams(params cryptobyte.String) (h crypto.Hash, saltLen int, ok bool) {
	var seq cryptobyte.String
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) || !params.Empty() {
		return 0, 0, false
	}
	h, mgfHash := crypto.SHA1, crypto.SHA1
	salt, trailer := int64(20), int64(1)
	var w cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&w, &present, tagCtx0Cons) {
		return 0, 0, false
	}
	if present {
		oid, p, ok := readAlgorithm(&w)
		if !ok || !w.Empty() {
			return 0, 0, false
		}
		h = hashFromAlgorithm(oid, p)
	}
	if !seq.ReadOptionalASN1(&w, &present, tagCtx1Cons) {
		return 0, 0, false
	}
	if present {
		oid, p, ok := readAlgorithm(&w)
		if !ok || !w.Empty() {
			return 0, 0, false
		}
		mgfHash = 0
		if bytes.Equal(oid, oidMGF1) {
			mgfOID, mgfParams, ok := readAlgorithm(&p)
			if !ok || !p.Empty() {
				return 0, 0, false
			}
			mgfHash = hashFromAlgorithm(mgfOID, mgfParams)
		}
	}
	if !seq.ReadOptionalASN1(&w, &present, tagCtx2Cons) {
		return 0, 0, false
	}
	if present && (!w.ReadASN1Integer(&salt) || !w.Empty() || salt < 0 || salt > 1024) {
		return 0, 0, false
	}
	if !seq.ReadOptionalASN1(&w, &present, tagCtx3Cons) {
		return 0, 0, false
	}
	if present && (!w.ReadASN1Integer(&trailer) || !w.Empty()) {
		return 0, 0, false
	}
	if !seq.Empty() || trailer != 1 {
		return 0, 0, false
	}
	if !allowedHash(h) || mgfHash != h {
		return 0, 0, true
	}
	return h, int(salt), true
}

func (t *Token) parseTSTInfo(der []byte) error {
	in := cryptobyte.String(der)
	var s cryptobyte.String
	if !in.ReadASN1(&s, cbasn1.SEQUENCE) || !in.Empty() {
		return malformed("invalid TSTInfo")
	}
	var version int64
	if !s.ReadASN1Integer(&version) || version != 1 {
		return malformed("invalid TSTInfo version")
	}
	if !s.ReadASN1ObjectIdentifier(&t.Policy) {
		return malformed("invalid TSTInfo policy")
	}

	var mi, hashed cryptobyte.String
	if !s.ReadASN1(&mi, cbasn1.SEQUENCE) {
		return malformed("invalid messageImprint")
	}
	oid, params, ok := readAlgorithm(&mi)
	if !ok {
		return malformed("invalid messageImprint hashAlgorithm")
	}
	t.hashAlg = hashFromAlgorithm(oid, params)
	if t.hashAlg == 0 {
		return malformed("unsupported messageImprint hash algorithm")
	}
	if !mi.ReadASN1(&hashed, cbasn1.OCTET_STRING) || !mi.Empty() {
		return malformed("invalid messageImprint hashedMessage")
	}
	if len(hashed) != t.hashAlg.Size() {
		return malformed("messageImprint length does not match its hash algorithm")
	}
	t.imprint = hashed

	t.SerialNumber = new(big.Int)
	if !s.ReadASN1Integer(t.SerialNumber) {
		return malformed("invalid TSTInfo serialNumber")
	}

	var gt cryptobyte.String
	if !s.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return malformed("invalid TSTInfo genTime")
	}
	if t.genTime, ok = parseGeneralizedTime(gt); !ok {
		return malformed("invalid TSTInfo genTime")
	}

	if s.PeekASN1Tag(cbasn1.SEQUENCE) {
		var acc cryptobyte.String
		if !s.ReadASN1(&acc, cbasn1.SEQUENCE) || !validAccuracy(acc) {
			return malformed("invalid TSTInfo accuracy")
		}
	}
	if s.PeekASN1Tag(cbasn1.BOOLEAN) {
		var ordering bool
		if !s.ReadASN1Boolean(&ordering) {
			return malformed("invalid TSTInfo ordering")
		}
	}
	if s.PeekASN1Tag(cbasn1.INTEGER) {
		t.Nonce = new(big.Int)
		if !s.ReadASN1Integer(t.Nonce) {
			return malformed("invalid TSTInfo nonce")
		}
	}
	// tsa [0] EXPLICIT GeneralName OPTIONAL
	var w cryptobyte.String
	var present bool
	if !s.ReadOptionalASN1(&w, &present, tagCtx0Cons) {
		return malformed("invalid TSTInfo tsa")
	}
	if present {
		var tag cbasn1.Tag
		var name cryptobyte.String
		if !w.ReadAnyASN1Element(&name, &tag) || !w.Empty() {
			return malformed("invalid TSTInfo tsa")
		}
	}
	// extensions [1] IMPLICIT Extensions OPTIONAL
	if !s.ReadOptionalASN1(&w, &present, tagCtx1Cons) {
		return malformed("invalid TSTInfo extensions")
	}
	if present {
		if w.Empty() {
			return malformed("invalid TSTInfo extensions")
		}
		for !w.Empty() {
			if !w.SkipASN1(cbasn1.SEQUENCE) {
				return malformed("invalid TSTInfo extensions")
			}
		}
	}
	if !s.Empty() {
		return malformed("trailing data in TSTInfo")
	}
	return nil
}

// validAccuracy checks the contents of an Accuracy SEQUENCE:
// { seconds INTEGER OPTIONAL, millis [0] INTEGER (1..999) OPTIONAL,
// micros [1] INTEGER (1..999) OPTIONAL } (implicit tags).
func validAccuracy(acc cryptobyte.String) bool {
	if acc.PeekASN1Tag(cbasn1.INTEGER) {
		var secs int64
		if !acc.ReadASN1Integer(&secs) || secs < 0 {
			return false
		}
	}
	for _, tag := range []cbasn1.Tag{tagCtx0Prim, tagCtx1Prim} {
		if !acc.PeekASN1Tag(tag) {
			continue
		}
		var v int64
		if !acc.ReadASN1Int64WithTag(&v, tag) || v < 1 || v > 999 {
			return false
		}
	}
	return acc.Empty()
}

// parseGeneralizedTime parses a DER GeneralizedTime as restricted by
// RFC 3161 §2.4.2: YYYYMMDDhhmmss[.s...]Z, with no trailing zeros in the
// fraction.
func parseGeneralizedTime(b []byte) (time.Time, bool) {
	if len(b) < 15 || b[len(b)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var f [6]int
	for i, r := range [6][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}} {
		v, ok := num(b[r[0]:r[1]])
		if !ok {
			return time.Time{}, false
		}
		f[i] = v
	}
	nsec := 0
	if frac := b[14 : len(b)-1]; len(frac) > 0 {
		// '.' followed by 1..9 digits, last digit non-zero.
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || frac[len(frac)-1] == '0' {
			return time.Time{}, false
		}
		v, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			v *= 10
		}
		nsec = v
	}
	year, month, day, hour, minute, sec := f[0], f[1], f[2], f[3], f[4], f[5]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // e.g. February 30th
		return time.Time{}, false
	}
	return t, true
}

// readAlgorithm reads an AlgorithmIdentifier and returns the raw OID
// contents and the raw parameters element (empty when absent).
func readAlgorithm(s *cryptobyte.String) (oid, params cryptobyte.String, ok bool) {
	var alg cryptobyte.String
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) ||
		!alg.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !validOID(oid) {
		return nil, nil, false
	}
	if !alg.Empty() {
		var tag cbasn1.Tag
		if !alg.ReadAnyASN1Element(&params, &tag) || !alg.Empty() {
			return nil, nil, false
		}
	}
	return oid, params, true
}

// validOID reports whether b is a well-formed OBJECT IDENTIFIER encoding.
func validOID(b []byte) bool {
	if len(b) == 0 || b[len(b)-1]&0x80 != 0 {
		return false
	}
	start := true
	for _, c := range b {
		if start && c == 0x80 { // non-minimal subidentifier
			return false
		}
		start = c&0x80 == 0
	}
	return true
}
