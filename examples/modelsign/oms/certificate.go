package oms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// CertificateVerifier returns a verifier for certificate-method bundles
// whose signing certificate chains to one of anchors at time now: sigil's
// RFC 5280 path validation from the bundle's leaf, through the bundle's
// other certificates as untrusted intermediates, to an anchor, for code
// signing (see package verify). A bundle certificate is never an anchor.
// Errors of path validation are a *verify.Error of step
// verify.StepCertificate.
//
// model_signing's certificate method issues its signing certificates as CA
// certificates (basicConstraints CA:TRUE, key usage digitalSignature only),
// which sigil refuses by default; this verifier accepts them, as
// model_signing does, through verify.UnsafeAllowCASigningCertificates, which
// accepts only CA leaves whose key usage rules out issuing certificates
// (no keyCertSign). Every other check of the leaf and its path applies.
// opts are further verify options, such as verify.WithCRLFiles for
// revocation checking.
func CertificateVerifier(anchors []*x509.Certificate, now time.Time, opts ...verify.Option) (*verify.Verifier, error) {
	if len(anchors) == 0 {
		return nil, errors.New("oms: no trust anchors (--cert-chain)")
	}
	var cas []trustroot.DeploymentOption
	for _, a := range anchors {
		cas = append(cas, trustroot.WithCertificateAuthority(a))
	}
	root, err := trustroot.FromPrivateDeployment(cas...)
	if err != nil {
		return nil, err
	}
	opts = append([]verify.Option{verify.WithClock(func() time.Time { return now }), verify.UnsafeAllowCASigningCertificates()}, opts...)
	return verify.New(root, opts...)
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
	// The rules verify applies to the leaf (UnsafeAllowCASigningCertificates).
	if c := certs[0]; c.IsCA && (c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageCertSign != 0) {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: errors.New("signing certificate is a CA certificate that may issue certificates (keyCertSign, or no key usage)")}
	}
	if c := certs[0]; c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: errors.New("signing certificate lacks the digitalSignature key usage")}
	}
	if len(paths[0]) < 2 {
		return nil, &verify.Error{Step: verify.StepCertificate, Err: fmt.Errorf("the signing certificate is itself a trust anchor")}
	}
	return paths[0], nil
}

// VerifyCertificate verifies a certificate-method bundle and the model at
// modelPath: the signing certificate must chain to one of anchors at now (see
// CertificateVerifier), and any signer it certifies is accepted. It also
// verifies the bundles model_signing v0.2.0 wrote, whose signature is not a
// DSSE one (sigil's verify rightly rejects it): v0.2.0 signed "DSSEV1 <type
// length> <type> <payload length> " followed by Python's repr() of the
// payload bytes, hashed with SHA-256 whatever the key. That form is accepted
// only for a statement of the v0.1 predicate, an ECDSA signing certificate
// validated as above, and only when the DSSE signature does not verify; the
// Result is then nil. Such a bundle fails when vopts are given: its path is
// not validated by package verify, so they could not be honoured. vopts are
// passed to CertificateVerifier. Errors are as Verify's.
func VerifyCertificate(ctx context.Context, b *bundle.Bundle, anchors []*x509.Certificate, now time.Time, modelPath string, opts VerifyOptions, vopts ...verify.Option) (*verify.Result, *Manifest, error) {
	v, err := CertificateVerifier(anchors, now, vopts...)
	if err != nil {
		return nil, nil, err
	}
	res, m, err := Verify(ctx, v, b, policy.UnsafeAnySigner(), modelPath, opts)
	var ve *verify.Error
	if errors.As(err, &ve) && ve.Step == verify.StepSignature && isV01(b.Envelope().Payload) {
		if len(vopts) > 0 {
			return nil, nil, fmt.Errorf("%w (a model_signing v0.2.0 signature is verified without verify's options, such as revocation checking)", err)
		}
		if len(vopts) > 0 {
			return nil, nil, fmt.Errorf("%w (a model_signing v0.2.0 signature is verified without verify's options, such as revocation checking)", err)
		}
		m, err := verifyV02(ctx, b, anchors, now, modelPath, opts)
		return nil, m, err
	}
	return res, m, err
}

func verifyV02(ctx context.Context, b *bundle.Bundle, anchors []*x509.Certificate, now time.Time, modelPath string, opts VerifyOptions) (*Manifest, error) {
	env := b.Envelope()
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
		return nil, &verify.Error{Step: verify.StepSignature, Err: fmt.Errorf("neither a DSSE nor a model_signing v0.2.0 signature")}
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

// isV01 reports whether payload is a statement of the v0.1 predicate type.
// It says nothing about a signature.
func isV01(payload []byte) bool {
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
