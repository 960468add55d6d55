package oms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strconv"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// CertificateVerifier returns a verifier for a certificate-method bundle
// whose signing certificate chains to one of anchors at time now: RFC 5280
// path validation (crypto/x509) from the bundle's leaf, through the
// bundle's other certificates as untrusted intermediates, to an anchor, for
// code signing. The validated path (without the leaf) becomes the CA of the
// verifier's trusted root. A bundle certificate is never an anchor: only a
// path to one of anchors is trusted. Errors of path validation are a
// *verify.Error of step verify.StepCertificate.
//
// The trusted root is built per bundle because sigil's verify checks a leaf
// against the CA chains of its trusted root; once verify builds paths through
// bundle intermediates itself, a root holding only the anchors will do.
func CertificateVerifier(b *bundle.Bundle, anchors []*x509.Certificate, now time.Time) (*verify.Verifier, error) {
	path, err := validatePath(b, anchors, now)
	if err != nil {
		return nil, err
	}
	root, err := trustroot.FromPrivateDeployment(trustroot.WithFulcio(anchorURL(path[len(path)-1]), path[1:]...))
	if err != nil {
		return nil, err
	}
	return verify.New(root, verify.WithClock(func() time.Time { return now }))
}

func validatePath(b *bundle.Bundle, anchors []*x509.Certificate, now time.Time) ([]*x509.Certificate, error) {
	certs := b.Certificates()
	if len(certs) == 0 {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: fmt.Errorf("the bundle carries no certificate")}
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	for _, a := range anchors {
		roots.AddCert(a)
	}
	for _, c := range certs[1:] {
		inters.AddCert(c)
	}
	paths, err := certs[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inters, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: err}
	}
	if len(paths[0]) < 2 {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: fmt.Errorf("the signing certificate is itself a trust anchor")}
	}
	return paths[0], nil
}

// anchorURL names an anchor in the trusted root built from it; nothing is
// ever fetched from it (.invalid, RFC 2606).
func anchorURL(anchor *x509.Certificate) string {
	sum := sha256.Sum256(anchor.Raw)
	return fmt.Sprintf("https://%x.cert-chain.invalid", sum[:8])
}

// VerifyV02 verifies a certificate-method bundle written by model_signing
// v0.2.0, whose signature is not a DSSE one (sigil's verify rightly rejects
// it): v0.2.0 signed "DSSEV1 <type length> <type> <payload length> " followed
// by Python's repr() of the payload bytes, hashed with SHA-256 whatever the
// key. VerifyV02 accepts only that legacy form: the v0.1 predicate, an ECDSA
// signing certificate that chains to one of anchors at now (as in
// CertificateVerifier) and that signature over the envelope's payload; then
// it verifies the model as Verify does.
func VerifyV02(ctx context.Context, b *bundle.Bundle, anchors []*x509.Certificate, now time.Time, modelPath string, opts VerifyOptions) (*Manifest, error) {
	env := b.Envelope()
	if env == nil || env.PayloadType != verify.InTotoPayloadType {
		return nil, fmt.Errorf("%w: not a DSSE bundle of an in-toto statement", ErrMalformed)
	}
	if !IsV01(env.Payload) {
		return nil, fmt.Errorf("%w: the v0.2.0 signature form is accepted only with the v0.1 predicate", ErrMalformed)
	}
	path, err := validatePath(b, anchors, now)
	if err != nil {
		return nil, err
	}
	pub, ok := path[0].PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, &verify.Error{Step: verify.StepSignature, Err: fmt.Errorf("v0.2.0 signatures are ECDSA, the certificate's key is %T", path[0].PublicKey)}
	}
	digest := sha256.Sum256(paeV02(env.PayloadType, env.Payload))
	if !ecdsa.VerifyASN1(pub, digest[:], env.Signature) {
		return nil, &verify.Error{Step: verify.StepSignature, Err: fmt.Errorf("invalid v0.2.0 signature")}
	}
	m, err := ParseStatement(env.Payload)
	if err != nil {
		return nil, err
	}
	if err := VerifyModel(ctx, modelPath, m, opts); err != nil {
		return nil, err
	}
	return m, nil
}

// IsV01 reports whether payload is a statement of the v0.1 predicate type.
// It says nothing about a signature.
func IsV01(payload []byte) bool {
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	return strictUnmarshal(payload, &st) == nil && st.PredicateType == PredicateTypeV01
}

// paeV02 is the message model_signing v0.2.0 signed in place of DSSE's
// pre-authentication encoding.
func paeV02(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEV1 " + strconv.Itoa(len(payloadType)) + " " + payloadType + " " + strconv.Itoa(len(payload)) + " ")
	pyBytesRepr(&b, payload)
	return b.Bytes()
}

// pyBytesRepr writes Python's repr() of a bytes value: b'...' (b"..." when
// the bytes hold a single quote and no double quote), with \\, the quote,
// \t, \n, \r escaped and other bytes outside printable ASCII as \xhh.
func pyBytesRepr(w *bytes.Buffer, p []byte) {
	quote := byte('\'')
	if bytes.IndexByte(p, '\'') >= 0 && bytes.IndexByte(p, '"') < 0 {
		quote = '"'
	}
	w.WriteByte('b')
	w.WriteByte(quote)
	const hexDigits = "0123456789abcdef"
	for _, c := range p {
		switch {
		case c == quote || c == '\\':
			w.WriteByte('\\')
			w.WriteByte(c)
		case c == '\t':
			w.WriteString(`\t`)
		case c == '\n':
			w.WriteString(`\n`)
		case c == '\r':
			w.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			w.Write([]byte{'\\', 'x', hexDigits[c>>4], hexDigits[c&15]})
		default:
			w.WriteByte(c)
		}
	}
	w.WriteByte(quote)
}
