package rfc3161

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// Verification failure categories. Every error returned by Token.Verify is a
// *VerificationError that wraps exactly one of these (errors.Is).
var (
	// ErrImprintMismatch means the token timestamps different data.
	ErrImprintMismatch = errors.New("rfc3161: message imprint mismatch")
	// ErrSignerMismatch means the token was not signed by the given
	// certificate (SignerInfo sid, embedded certificate or ESS
	// signingCertificate disagree with it).
	ErrSignerMismatch = errors.New("rfc3161: signer mismatch")
	// ErrSignerCertificate means the signer certificate cannot issue this
	// timestamp (no timeStamping EKU, genTime outside its validity, or an
	// unsupported public key).
	ErrSignerCertificate = errors.New("rfc3161: unusable signer certificate")
	// ErrInvalidSignature means the CMS signature, its signed attributes or
	// its algorithms are invalid or unsupported.
	ErrInvalidSignature = errors.New("rfc3161: invalid signature")
)

// Reasons reported in VerificationError.Reason.
const (
	reasonNilToken        = "nil token"
	reasonNilSigner       = "nil signer certificate"
	reasonImprint         = "message imprint does not match signed data"
	reasonSID             = "signer certificate does not match SignerInfo sid"
	reasonEmbedded        = "embedded signer certificate differs from signer certificate"
	reasonEmbeddedMissing = "embedded certificates do not include signer certificate"
	reasonESS             = "signingCertificate attribute does not match signer certificate"
	reasonESSHash         = "unsupported signingCertificate hash algorithm"
	reasonEKU             = "signer certificate lacks timeStamping extended key usage"
	reasonValidity        = "genTime outside signer certificate validity"
	reasonKey             = "unsupported signer public key"
	reasonContentType     = "content-type attribute is not id-ct-TSTInfo"
	reasonDigestAlg       = "unsupported digest algorithm"
	reasonMessageDigest   = "message-digest attribute does not match TSTInfo"
	reasonSigAlg          = "unsupported signature algorithm"
	reasonSigHashMismatch = "signature algorithm hash differs from digest algorithm"
	reasonKeyMismatch     = "signature algorithm does not match signer public key"
	reasonSignature       = "signature verification failed"
)

// VerificationError is returned by Token.Verify when a token does not
// verify.
type VerificationError struct {
	// Reason is a short, human-readable description of the failed check.
	Reason string
	// Err is the failure category: ErrImprintMismatch, ErrSignerMismatch,
	// ErrSignerCertificate or ErrInvalidSignature.
	Err error
}

// Error implements error.
func (e *VerificationError) Error() string {
	return "rfc3161: verification failed: " + e.Reason
}

// Unwrap returns the failure category.
func (e *VerificationError) Unwrap() error { return e.Err }

func failure(category error, reason string) error {
	return &VerificationError{Reason: reason, Err: category}
}

// Verify checks the token cryptographically against signed, the bytes that
// were timestamped (for Sigstore bundles: the signature bytes), and signer,
// the timestamp authority's leaf certificate taken from a trusted root.
//
// It checks that:
//   - the messageImprint equals HashAlg(signed);
//   - signer matches the SignerInfo sid; if the token embeds certificates,
//     the embedded certificate(s) matching the sid exist and are
//     byte-identical to signer;
//   - signer has the timeStamping extended key usage and GenTime is within
//     [signer.NotBefore, signer.NotAfter];
//   - any ESS signingCertificate(V2) attribute identifies signer;
//   - the content-type attribute is id-ct-TSTInfo and the message-digest
//     attribute is the digest of the TSTInfo under the SignerInfo
//     digestAlgorithm (SHA-256, SHA-384 or SHA-512 only);
//   - the signature over the signed attributes verifies with signer's key
//     (ECDSA P-256/P-384/P-521, RSA PKCS #1 v1.5 or PSS with 2048 to 8192
//     bit moduli, or Ed25519).
//
// Verify does not build or check a chain to a root. Any failure is returned
// as a *VerificationError.
func (t *Token) Verify(signed []byte, signer *x509.Certificate) error {
	if t == nil {
		return failure(ErrInvalidSignature, reasonNilToken)
	}
	if signer == nil {
		return failure(ErrSignerMismatch, reasonNilSigner)
	}
	var buf [sha512.Size]byte
	d := digest(t.hashAlg, signed, &buf)
	if d == nil || subtle.ConstantTimeCompare(d, t.imprint) != 1 {
		return failure(ErrImprintMismatch, reasonImprint)
	}
	return t.verifySigner(signer)
}

// verifySigner performs all Verify checks except the message imprint.
func (t *Token) verifySigner(signer *x509.Certificate) error {
	if !t.SignerMatches(signer) {
		return failure(ErrSignerMismatch, reasonSID)
	}
	if t.hasCerts {
		// RFC 3161 §2.4.1: when certificates are embedded, the signer's is
		// among them. Embedded certificates are not signed, so any that
		// claims to be the signer must be exactly the trusted one.
		if len(t.sidCerts) == 0 {
			return failure(ErrSignerMismatch, reasonEmbeddedMissing)
		}
		for _, c := range t.sidCerts {
			if !bytes.Equal(c.Raw, signer.Raw) {
				return failure(ErrSignerMismatch, reasonEmbedded)
			}
		}
	}
	var buf [sha512.Size]byte
	for _, id := range t.essCertIDs {
		if id.hash == 0 {
			return failure(ErrSignerMismatch, reasonESSHash)
		}
		if d := digest(id.hash, signer.Raw, &buf); !bytes.Equal(d, id.certHash) {
			return failure(ErrSignerMismatch, reasonESS)
		}
	}

	if !hasTimeStampingEKU(signer) {
		return failure(ErrSignerCertificate, reasonEKU)
	}
	if t.genTime.Before(signer.NotBefore) || t.genTime.After(signer.NotAfter) {
		return failure(ErrSignerCertificate, reasonValidity)
	}

	if !bytes.Equal(t.contentType, oidTSTInfo) {
		return failure(ErrInvalidSignature, reasonContentType)
	}
	if t.digestHash == 0 {
		return failure(ErrInvalidSignature, reasonDigestAlg)
	}
	d := digest(t.digestHash, t.eContent, &buf)
	if subtle.ConstantTimeCompare(d, t.messageDigest) != 1 {
		return failure(ErrInvalidSignature, reasonMessageDigest)
	}
	return t.verifySignature(signer.PublicKey)
}

// verifySignature checks the SignerInfo signature over the DER signed
// attributes.
func (t *Token) verifySignature(pub crypto.PublicKey) error {
	if t.sigScheme == sigUnsupported {
		return failure(ErrInvalidSignature, reasonSigAlg)
	}
	if t.sigHash != 0 && t.sigHash != t.digestHash {
		return failure(ErrInvalidSignature, reasonSigHashMismatch)
	}
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		if t.sigScheme != sigECDSA {
			return failure(ErrInvalidSignature, reasonKeyMismatch)
		}
		if c := pub.Curve; c != elliptic.P256() && c != elliptic.P384() && c != elliptic.P521() {
			return failure(ErrSignerCertificate, reasonKey)
		}
		if !ecdsa.VerifyASN1(pub, t.attrsDigest, t.signature) {
			return failure(ErrInvalidSignature, reasonSignature)
		}
	case *rsa.PublicKey:
		if bits := pub.N.BitLen(); bits < 2048 || bits > 8192 {
			return failure(ErrSignerCertificate, reasonKey)
		}
		var err error
		d := t.attrsDigest
		switch t.sigScheme {
		case sigRSAPKCS1:
			err = rsa.VerifyPKCS1v15(pub, t.digestHash, d, t.signature)
		case sigRSAPSS:
			// A salt length of 0 maps to rsa.PSSSaltLengthAuto.
			err = rsa.VerifyPSS(pub, t.digestHash, d, t.signature,
				&rsa.PSSOptions{SaltLength: t.pssSaltLen, Hash: t.digestHash})
		default:
			return failure(ErrInvalidSignature, reasonKeyMismatch)
		}
		if err != nil {
			return failure(ErrInvalidSignature, reasonSignature)
		}
	case ed25519.PublicKey:
		if t.sigScheme != sigEd25519 {
			return failure(ErrInvalidSignature, reasonKeyMismatch)
		}
		if len(pub) != ed25519.PublicKeySize {
			return failure(ErrSignerCertificate, reasonKey)
		}
		if !ed25519.Verify(pub, t.signedAttrs, t.signature) {
			return failure(ErrInvalidSignature, reasonSignature)
		}
	default:
		return failure(ErrSignerCertificate, reasonKey)
	}
	return nil
}

// SignerMatches reports whether cert is identified by the token's SignerInfo
// sid (issuer and serial number, or subject key identifier). It does no
// cryptographic verification and is meant to pick the candidate signer
// among several trusted timestamp authorities before calling Verify.
func (t *Token) SignerMatches(cert *x509.Certificate) bool {
	if t == nil || cert == nil {
		return false
	}
	if t.sidSKI != nil {
		return len(cert.SubjectKeyId) > 0 && bytes.Equal(t.sidSKI, cert.SubjectKeyId)
	}
	return t.sidSerial != nil && cert.SerialNumber != nil &&
		bytes.Equal(t.sidIssuer, cert.RawIssuer) &&
		t.sidSerial.Cmp(cert.SerialNumber) == 0
}

func hasTimeStampingEKU(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping {
			return true
		}
	}
	return false
}

// digest returns h(data) in buf, or nil if h is not supported. SHA-1 is
// only used to match ESS signingCertificate (v1) certificate hashes.
func digest(h crypto.Hash, data []byte, buf *[sha512.Size]byte) []byte {
	switch h {
	case crypto.SHA256:
		s := sha256.Sum256(data)
		return buf[:copy(buf[:], s[:])]
	case crypto.SHA384:
		s := sha512.Sum384(data)
		return buf[:copy(buf[:], s[:])]
	case crypto.SHA512:
		s := sha512.Sum512(data)
		return buf[:copy(buf[:], s[:])]
	case crypto.SHA1:
		s := sha1.Sum(data)
		return buf[:copy(buf[:], s[:])]
	}
	return nil
}

// An Authority is a trusted timestamp authority prepared once, when a
// verifier or a client is built: its signing certificate and the window in
// which its whole certificate chain is valid.
type Authority struct {
	CA     *trustroot.CertificateAuthority
	Leaf   *x509.Certificate
	Window trustroot.TimeRange
}

// NewAuthority prepares a trusted root's timestamp authority.
func NewAuthority(ca *trustroot.CertificateAuthority) *Authority {
	return &Authority{CA: ca, Leaf: ca.Certificates[0], Window: ca.ChainValidity()}
}

// errNoAuthority is FindSigner's answer when no candidate is t's signer
// (made once: FindSigner runs on every Verify).
var errNoAuthority = errors.New("no trusted timestamp authority issued it")

// FindSigner returns the authority of as that issued t over signed: its
// leaf is t's signer and verifies t (Verify), its chain's links verify
// (trustroot.CertificateAuthority.VerifyChain), and t's time lies in the
// window in which the trusted root vouches for the authority and in its
// chain's validity. Otherwise it returns the reason the last candidate
// failed.
func (t *Token) FindSigner(signed []byte, as []*Authority) (*Authority, error) {
	lastErr := errNoAuthority
	for _, a := range as {
		if !t.SignerMatches(a.Leaf) {
			continue
		}
		if err := t.Verify(signed, a.Leaf); err != nil {
			lastErr = err
			continue
		}
		// The trusted chain's links are checked once, on first use.
		if err := a.CA.VerifyChain(); err != nil {
			lastErr = err
			continue
		}
		switch {
		case !a.CA.ValidFor.Contains(t.GenTime):
			lastErr = fmt.Errorf("time %s is outside the trusted root's validity window for %s", t.GenTime.Format(time.RFC3339), a.CA.URI)
			continue
		case !a.Window.Contains(t.GenTime):
			lastErr = fmt.Errorf("time %s is outside the validity of the TSA's certificate chain", t.GenTime.Format(time.RFC3339))
			continue
		}
		return a, nil
	}
	return nil, lastErr
}
