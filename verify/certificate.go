package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/policy"
)

var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

// verifyCertificate checks the signing certificate against the trusted CAs
// at every verified time, then its SCTs.
func (v *Verifier) verifyCertificate(b *bundle.Bundle, s *signer, times []time.Time, res *Result) error {
	leaf := s.cert
	if err := checkLeaf(leaf); err != nil {
		return fail(StepCertificate, err)
	}
	var ca *preparedCA
	var lastErr error = errors.New("not issued by any trusted certificate authority")
	for _, c := range v.cas {
		if !bytes.Equal(leaf.RawIssuer, c.issuer.RawSubject) {
			continue
		}
		if len(leaf.AuthorityKeyId) > 0 && len(c.issuer.SubjectKeyId) > 0 && !bytes.Equal(leaf.AuthorityKeyId, c.issuer.SubjectKeyId) {
			continue
		}
		if err := leaf.CheckSignatureFrom(c.issuer); err != nil {
			lastErr = fmt.Errorf("signature by %s: %w", c.issuer.Subject, err)
			continue
		}
		if err := c.checkTimes(leaf, times); err != nil {
			lastErr = err
			continue
		}
		ca = c
		break
	}
	if ca == nil {
		return fail(StepCertificate, lastErr)
	}
	if ca.constrained {
		// Name or policy constraints: let crypto/x509 walk the whole path.
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots: ca.roots, Intermediates: ca.inters, CurrentTime: times[0],
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		})
		if err != nil {
			return fail(StepCertificate, err)
		}
	}
	// Certificates beyond the leaf in a v0.1/v0.2 chain add nothing to trust;
	// they must be certificates of the CA chain the leaf verified against.
	for i, c := range b.Certificates()[1:] {
		found := false
		for _, t := range ca.ca.Certificates {
			found = found || bytes.Equal(c.Raw, t.Raw)
		}
		if !found {
			return fail(StepCertificate, fmt.Errorf("bundle chain certificate %d (%s) is not part of the trusted chain", i+1, c.Subject))
		}
	}
	n, err := v.verifySCTs(leaf, ca.issuer)
	if err != nil {
		return err
	}
	res.SCTs = n
	iss, _ := policy.OIDCIssuer(leaf)
	res.Signer = Signer{
		Certificate: leaf, Chain: ca.ca.Certificates, PublicKey: leaf.PublicKey,
		Issuer: iss, SubjectAlternativeNames: policy.SubjectAlternativeNames(leaf),
	}
	return nil
}

func (c *preparedCA) checkTimes(leaf *x509.Certificate, times []time.Time) error {
	for _, t := range times {
		switch {
		case t.Before(leaf.NotBefore) || t.After(leaf.NotAfter):
			return fmt.Errorf("signing time %s is outside the certificate's validity (%s to %s)",
				t.Format(time.RFC3339), leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339))
		case !c.window.Contains(t):
			return fmt.Errorf("signing time %s is outside the validity of the CA chain of %s", t.Format(time.RFC3339), c.ca.URI)
		case !c.ca.ValidFor.Contains(t):
			return fmt.Errorf("signing time %s is outside the trusted root's validity window for %s", t.Format(time.RFC3339), c.ca.URI)
		}
	}
	return nil
}

// checkLeaf checks what makes a certificate fit to sign code, whoever issued it.
func checkLeaf(c *x509.Certificate) error {
	// A CA certificate signs code only when its key usage rules out signing
	// certificates (RFC 5280 4.2.1.3: keyCertSign is required for that), as
	// in model_signing's certificate-method hierarchy.
	if c.IsCA && (c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageCertSign != 0) {
		return errors.New("signing certificate is a CA certificate that may issue certificates")
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errors.New("signing certificate lacks the digitalSignature key usage")
	}
	codeSigning := false
	for _, u := range c.ExtKeyUsage {
		codeSigning = codeSigning || u == x509.ExtKeyUsageCodeSigning
	}
	if !codeSigning {
		return errors.New("signing certificate lacks the codeSigning extended key usage")
	}
	for _, ext := range c.UnhandledCriticalExtensions {
		// crypto/x509 leaves a SAN extension holding only otherNames
		// unhandled; sigil reads Fulcio's otherName itself.
		if ext.Equal(oidSAN) && len(policy.SubjectAlternativeNames(c)) > 0 {
			continue
		}
		return fmt.Errorf("signing certificate has an unhandled critical extension %s", ext)
	}
	return nil
}

// verifySCTs counts the embedded SCTs that verify against distinct trusted
// CT logs and checks the count against the threshold.
func (v *Verifier) verifySCTs(leaf, issuer *x509.Certificate) (int, error) {
	need := v.cfg.scts.n
	scts, present, err := sct.Embedded(leaf)
	if err != nil {
		return 0, fail(StepSCT, err)
	}
	if !present || len(scts) == 0 {
		if need > 0 {
			return 0, fail(StepSCT, fmt.Errorf("%w: certificate has no embedded SCT, need %d", ErrThreshold, need))
		}
		return 0, nil
	}
	var tbs []byte
	seen := map[[32]byte]bool{}
	var lastErr error
	for i := range scts {
		st := &scts[i]
		var l *preparedLog
		for _, c := range v.ctlogs {
			if c.isCTv1 && c.ctID == st.LogID {
				l = c
				break
			}
		}
		if l == nil || seen[st.LogID] {
			continue // unknown log: not counted
		}
		if tbs == nil {
			if tbs, err = sct.PrecertTBS(leaf); err != nil {
				return 0, fail(StepSCT, err)
			}
		}
		if err := sct.Verify(st, l.alg, l.log.PublicKey, l.log.ValidFor, tbs, issuer); err != nil {
			lastErr = fmt.Errorf("SCT %d from %s: %w", i, l.log.BaseURL, err)
			continue
		}
		seen[st.LogID] = true
	}
	if len(seen) < need {
		if lastErr == nil {
			lastErr = errors.New("no SCT from a trusted CT log")
		}
		return 0, fail(StepSCT, fmt.Errorf("%w: %d verified SCTs from distinct logs, need %d (%v)", ErrThreshold, len(seen), need, lastErr))
	}
	return len(seen), nil
}
