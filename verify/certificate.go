package verify

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/policy"
)

var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

// verifyCertificate checks the signing certificate by RFC 5280 path
// validation (crypto/x509) from the leaf to the anchor of a trusted CA, at
// every verified time, then the revocation status of the path and the
// leaf's SCTs.
//
// The anchor is the last certificate of the CA's chain in the trusted root;
// the CA's other certificates and the certificates the bundle carries after
// the leaf are intermediates the path may use. A bundle certificate is
// never an anchor, and is trusted only as far as a path through it
// validates: signatures, validity at every verified time, basic and name
// constraints, and extended key usages nested as crypto/x509 nests them (every
// certificate of the path must allow codeSigning, or any usage).
func (v *Verifier) verifyCertificate(b *bundle.Bundle, s *signer, times []time.Time, res *Result) error {
	leaf := s.cert
	if err := checkLeaf(leaf, v.cfg.caSigners); err != nil {
		return fail(StepCertificate, err)
	}
	pathLeaf, err := forPathValidation(leaf)
	if err != nil {
		return fail(StepCertificate, err)
	}
	untrusted := b.Certificates()[1:]
	var path []*x509.Certificate
	var ca *preparedCA
	var lastErr error
	for _, c := range v.cas {
		p, err := c.path(pathLeaf, untrusted, times)
		if err != nil {
			// An error from a CA the leaf chains to says more than "unknown
			// authority" from the others.
			var unknown x509.UnknownAuthorityError
			if lastErr == nil || !errors.As(err, &unknown) {
				lastErr = err
			}
			continue
		}
		path, ca = p, c
		break
	}
	if ca == nil {
		if lastErr == nil {
			lastErr = errors.New("the trusted root lists no certificate authority")
		}
		return fail(StepCertificate, fmt.Errorf("not issued by any trusted certificate authority: %w", lastErr))
	}
	if err := v.checkRevocation(path, times); err != nil {
		return err
	}
	n, err := v.verifySCTs(leaf, path[1])
	if err != nil {
		return err
	}
	res.SCTs = n
	iss, _ := policy.OIDCIssuer(leaf)
	res.Signer = Signer{
		Certificate: leaf, Chain: path[1:], PublicKey: leaf.PublicKey,
		Issuer: iss, SubjectAlternativeNames: policy.SubjectAlternativeNames(leaf),
	}
	return nil
}

var codeSigning = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}

// path returns a validated path from leaf to c's anchor, leaf first (the
// leaf as given), valid at every time, with untrusted as intermediates
// besides c's own. It fails if the leaf does not chain to c.
func (c *preparedCA) path(leaf *x509.Certificate, untrusted []*x509.Certificate, times []time.Time) ([]*x509.Certificate, error) {
	inters := c.inters
	for _, u := range untrusted {
		if slices.ContainsFunc(c.ca.Certificates, u.Equal) {
			continue // a copy of a trusted certificate adds no path, only signature checks
		}
		if inters == c.inters {
			inters = c.inters.Clone()
		}
		inters.AddCert(u)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: c.roots, Intermediates: inters, CurrentTime: times[0], KeyUsages: codeSigning,
	})
	if err != nil {
		return nil, err
	}
	for _, chain := range chains {
		if err = c.checkTimes(chain, times); err == nil {
			return chain, nil
		}
	}
	return nil, err
}

// checkTimes checks that every certificate of chain is valid at every
// verified time (crypto/x509 checked only the first) and that the trusted
// root vouches for the CA at every time.
func (c *preparedCA) checkTimes(chain []*x509.Certificate, times []time.Time) error {
	for _, t := range times {
		for i, cert := range chain {
			if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
				what := "the signing certificate"
				if i > 0 {
					what = "CA certificate " + cert.Subject.String()
				}
				return fmt.Errorf("signing time %s is outside the validity of %s (%s to %s)", t.Format(time.RFC3339),
					what, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339))
			}
		}
		if !c.ca.ValidFor.Contains(t) {
			return fmt.Errorf("signing time %s is outside the trusted root's validity window for %s", t.Format(time.RFC3339), c.ca.URI)
		}
	}
	return nil
}

// checkLeaf checks what makes a certificate fit to sign code, whoever issued
// it: not a CA (unless allowCA), the digitalSignature key usage if it has key
// usages, and the codeSigning extended key usage itself (anyExtendedKeyUsage
// is not enough).
func checkLeaf(c *x509.Certificate, allowCA bool) error {
	if c.IsCA && !allowCA {
		return errors.New("signing certificate is a CA certificate (see UnsafeAllowCASigningCertificates)")
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
	return nil
}

// forPathValidation returns the leaf to give crypto/x509's path validation.
//
// crypto/x509 parses DNS, email, URI and IP subject alternative names; a SAN
// extension holding none of these (Fulcio's username identities are a
// single otherName, 1.3.6.1.4.1.57264.1.7) stays in the certificate's
// UnhandledCriticalExtensions when critical, and crypto/x509 then rejects
// the certificate. sigil reads that otherName itself (policy.
// SubjectAlternativeNames), so when every name of the extension is a
// well-formed Fulcio username otherName, the extension is handled: the leaf
// given to crypto/x509 is a copy without it in UnhandledCriticalExtensions.
// Any other unhandled critical extension, or a critical SAN with any other
// kind of name beside those otherNames, fails.
//
// Name constraints still apply: crypto/x509 checks the DNS, email, URI and IP
// constraints of every CA of the path against the leaf's names of those
// forms. An otherName is of none of those forms, and RFC 5280 (4.2.1.10)
// applies a constraint only to names of its own form, so DNS, email, URI and
// IP constraints do not restrict it. A CA that constrains a form crypto/x509
// does not process (otherName, directoryName, ...) in a critical extension
// carries an unhandled critical extension itself, and crypto/x509 rejects
// every path through it.
func forPathValidation(c *x509.Certificate) (*x509.Certificate, error) {
	if len(c.UnhandledCriticalExtensions) == 0 {
		return c, nil
	}
	for _, ext := range c.UnhandledCriticalExtensions {
		if !ext.Equal(oidSAN) || !onlyFulcioOtherNames(c) {
			return nil, fmt.Errorf("signing certificate has an unhandled critical extension %s", ext)
		}
	}
	cp := *c
	cp.UnhandledCriticalExtensions = nil
	return &cp, nil
}

// onlyFulcioOtherNames reports whether c's SAN extension holds at least one
// name and only Fulcio username otherNames that policy reads. crypto/x509
// parsed none of its names (the extension is unhandled), so every name
// policy returns is one of those otherNames; the extension holds nothing
// else when it has as many names as policy returns.
func onlyFulcioOtherNames(c *x509.Certificate) bool {
	n := len(policy.SubjectAlternativeNames(c))
	if n == 0 {
		return false
	}
	for _, e := range c.Extensions {
		if !e.Id.Equal(oidSAN) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &seq); err != nil || len(rest) != 0 ||
			seq.Class != asn1.ClassUniversal || seq.Tag != asn1.TagSequence || !seq.IsCompound {
			return false
		}
		count := 0
		for names := seq.Bytes; len(names) > 0; count++ {
			var name asn1.RawValue
			rest, err := asn1.Unmarshal(names, &name)
			if err != nil {
				return false
			}
			names = rest
		}
		return count == n
	}
	return false
}

// verifySCTs counts the embedded SCTs that verify against distinct trusted
// CT logs (CT logs of one operator, where the trusted root names operators,
// count once) and checks the count against the threshold.
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
	seen := map[string]bool{}
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
		if l == nil || seen[l.witness] {
			continue // unknown log, or its operator already counted
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
		seen[l.witness] = true
	}
	if len(seen) < need {
		if lastErr == nil {
			lastErr = errors.New("no SCT from a trusted CT log")
		}
		return 0, fail(StepSCT, fmt.Errorf("%w: %d verified SCTs from distinct logs (of distinct operators, where the trusted root names them), need %d (%v)", ErrThreshold, len(seen), need, lastErr))
	}
	return len(seen), nil
}
