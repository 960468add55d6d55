package verify

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/codesign"
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
	if err := codesign.CheckLeaf(leaf, v.cfg.caSigners); err != nil {
		if errors.Is(err, codesign.ErrCA) {
			return fail(StepCertificate, errors.New("signing certificate is a CA certificate (see UnsafeAllowCASigningCertificates)"))
		}
		return fail(StepCertificate, fmt.Errorf("signing certificate %w", err))
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
	iss, _ := policy.IssuerClaim(leaf)
	res.Signer = Signer{
		Certificate: leaf, Chain: path[1:], PublicKey: leaf.PublicKey,
		Issuer: iss, SubjectAlternativeNames: policy.SubjectAlternativeNames(leaf),
	}
	return nil
}

var codeSigning = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}

// path returns a validated path from leaf to c's anchor, leaf first (the
// leaf as given), valid at every time, with untrusted as intermediates
// besides c's own. It fails if the leaf does not chain to c, or if it does
// and c's trusted chain is broken (trustroot.CertificateAuthority.
// VerifyChain, checked once, on first use).
//
// When the leaf is issued by the first certificate of c's chain and nothing
// else could extend the path (shortPath), crypto/x509 validates the leaf
// against that certificate as the anchor, and the rest of the chain, whose
// properties were checked once (staticShortcut, VerifyChain), is appended:
// one signature check per bundle instead of one per link. Otherwise
// crypto/x509 walks the whole path to c's anchor. Both accept the same
// leaves with the same path; see staticShortcut for the argument.
func (c *preparedCA) path(leaf *x509.Certificate, untrusted []*x509.Certificate, times []time.Time) ([]*x509.Certificate, error) {
	var chains [][]*x509.Certificate
	var err error
	if c.shortPath(leaf, untrusted) {
		chains, err = leaf.Verify(x509.VerifyOptions{Roots: c.issuerRoots, CurrentTime: times[0], KeyUsages: codeSigning})
		if err != nil {
			return nil, err
		}
		// The only chain is [leaf, issuer]; the path goes on to the anchor.
		chains[0] = append(chains[0][:1:1], c.ca.Certificates...)
	} else {
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
		chains, err = leaf.Verify(x509.VerifyOptions{
			Roots: c.roots, Intermediates: inters, CurrentTime: times[0], KeyUsages: codeSigning,
		})
		if err != nil {
			return nil, err
		}
	}
	if err := c.ca.VerifyChain(); err != nil {
		return nil, fmt.Errorf("the signing certificate chains to a trusted certificate authority whose own chain is broken: %w", err)
	}
	for _, chain := range chains {
		if len(chain) < 2 {
			// crypto/x509 returns [leaf] for a leaf that is the anchor itself.
			err = errors.New("the signing certificate is a trusted anchor itself")
			continue
		}
		if err = c.checkTimes(chain, times); err == nil {
			return chain, nil
		}
	}
	return nil, err
}

// OIDs of the extensions that make crypto/x509's path validation depend on
// more than each link (staticShortcut).
var (
	oidNameConstraints   = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidPolicyMappings    = asn1.ObjectIdentifier{2, 5, 29, 33}
	oidPolicyConstraints = asn1.ObjectIdentifier{2, 5, 29, 36}
)

func hasExtension(c *x509.Certificate, id asn1.ObjectIdentifier) bool {
	return slices.ContainsFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(id) })
}

// staticShortcut reports whether a leaf issued by chain[0] (the CA's issuing
// certificate; chain[n] is its anchor, n >= 1) may be validated by
// crypto/x509 against chain[0] as the anchor, with chain[1:] appended, in
// place of the full walk to chain[n]. It checks, without a signature, the
// properties of chain[1:] that crypto/x509 would otherwise check on every
// call; VerifyChain checks the links' signatures, once.
//
// The argument, for a leaf with shortPath's conditions (issued, by name,
// by chain[0]; a subject no certificate of the chain has; no policy
// constraints; no untrusted certificate whose subject is one of the chain's).
// crypto/x509 (Verify, buildChains, isValid, policiesValid,
// checkChainForKeyUsage, checkChainConstraints of Go 1.26) finds parents by
// issuer name only. The chain's subjects are distinct and each certificate
// names the next as its issuer, so the full walk's only candidate parent of
// the leaf is chain[0], that of chain[k] is chain[k+1], and no bundle
// certificate is ever a candidate: the full walk builds at most the one
// path [leaf, chain[0], ..., chain[n]], and the short walk at most [leaf,
// chain[0]]. Check by check, the full walk's answer on that path equals the
// short walk's answer combined with what is checked here once:
//   - leaf: unhandled critical extensions and validity at the first time are
//     checked alike by both walks; its subject is none of the chain's, so
//     neither walk finds it among its roots (the path [leaf]) or takes a
//     certificate of the chain for one already on the path (alreadyInChain).
//   - leaf by chain[0]: the same CheckSignatureFrom, and chain[0]'s isValid
//     differs only in that an intermediate must be a CA with basic
//     constraints, required here; its path length sees 0 intermediates in
//     both, so a failure gives the same UnknownAuthorityError.
//   - chain[k] by chain[k+1], k < n: the same CheckSignatureFrom in
//     VerifyChain (whose error fails the path in both cases) and the name
//     link, checked here; isValid's checks of chain[k+1] are checked here
//     (no unhandled critical extension; a CA with basic constraints below
//     the anchor; a path length that allows the k+1 intermediates below it,
//     the leaf counted) except its validity at the first time, which
//     checkTimes checks at every time on the whole path.
//   - extended key usage: crypto/x509 requires, certificate by certificate,
//     none, anyExtendedKeyUsage or codeSigning; checked here for chain[1:],
//     by the short walk for the leaf and chain[0].
//   - name constraints: no certificate of chain[1:] has any, so the full
//     walk applies only chain[0]'s, to the leaf's names, as the short walk
//     does (crypto/x509 applies an anchor's constraints too).
//   - policies (RFC 5280 6.1 as updated by RFC 9618): with no policy
//     constraints or mappings in chain[:n] (the anchor is not processed) and
//     no policy constraints in the leaf (whose requireExplicitPolicy 0 would
//     make chain[0]'s policies count), explicit_policy never reaches 0 and
//     no mapping is checked, so both walks accept whatever the policies.
//   - the signature-check budget: n+1 checks, far under crypto/x509's 100.
//
// The name links and CA flags checked here are also checked by VerifyChain
// and trustroot's parsing; they are repeated so that the argument rests on
// this function alone. A chain of one certificate needs no shortcut: its
// full walk is already the single check of the leaf by the anchor.
func staticShortcut(chain []*x509.Certificate) bool {
	n := len(chain) - 1
	if n < 1 {
		return false
	}
	for k, c := range chain {
		if c.PublicKey == nil || len(c.UnhandledCriticalExtensions) > 0 || !allowsCodeSigning(c) {
			return false
		}
		for _, d := range chain[:k] {
			if bytes.Equal(d.RawSubject, c.RawSubject) {
				return false
			}
		}
		if k < n {
			if !c.BasicConstraintsValid || !c.IsCA || !bytes.Equal(c.RawIssuer, chain[k+1].RawSubject) ||
				hasExtension(c, oidPolicyConstraints) || hasExtension(c, oidPolicyMappings) {
				return false
			}
		}
		if k > 0 {
			if hasExtension(c, oidNameConstraints) || c.BasicConstraintsValid && c.MaxPathLen >= 0 && k > c.MaxPathLen {
				return false
			}
		}
	}
	return true
}

// allowsCodeSigning reports whether crypto/x509's nesting of extended key
// usages lets c be on a codeSigning path.
func allowsCodeSigning(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return true
	}
	return slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageCodeSigning)
}

// shortPath reports whether leaf, with untrusted as the bundle's other
// certificates, may be validated against c's issuing certificate as the
// anchor (see staticShortcut): c allows it, the leaf names that certificate
// as its issuer, has a subject no certificate of c's chain has and no policy
// constraints, and no untrusted certificate, copies of c's aside, has the
// subject of one of c's certificates (it would be a candidate parent).
func (c *preparedCA) shortPath(leaf *x509.Certificate, untrusted []*x509.Certificate) bool {
	chain := c.ca.Certificates
	if c.issuerRoots == nil || !bytes.Equal(leaf.RawIssuer, chain[0].RawSubject) || hasExtension(leaf, oidPolicyConstraints) {
		return false
	}
	for _, t := range chain {
		if bytes.Equal(leaf.RawSubject, t.RawSubject) {
			return false
		}
	}
	for _, u := range untrusted {
		if slices.ContainsFunc(chain, u.Equal) {
			continue
		}
		for _, t := range chain {
			if bytes.Equal(u.RawSubject, t.RawSubject) {
				return false
			}
		}
	}
	return true
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
// count once) and checks the count against the threshold. An SCT that does
// not verify fails the step only when too few others do.
func (v *Verifier) verifySCTs(leaf, issuer *x509.Certificate) (int, error) {
	need := v.cfg.scts.n
	checked, err := sct.Check(leaf, issuer, v.ctlogs)
	if err != nil {
		return 0, fail(StepSCT, err)
	}
	if checked.Verified >= need {
		return checked.Verified, nil
	}
	if !checked.Present {
		return 0, fail(StepSCT, fmt.Errorf("%w: certificate has no embedded SCT, need %d", ErrThreshold, need))
	}
	cause := errors.New("no SCT from a trusted CT log")
	if n := len(checked.Failures); n > 0 {
		cause = checked.Failures[n-1]
	}
	return 0, fail(StepSCT, fmt.Errorf("%w: %d verified SCTs from distinct logs (of distinct operators, where the trusted root names them), need %d (%v)", ErrThreshold, checked.Verified, need, cause))
}
