package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/sigil-dev/sigil/internal/limits"
)

// RevocationReason is an RFC 5280 CRLReason (section 5.3.1).
type RevocationReason int

// The RFC 5280 revocation reasons. 7 is not used.
const (
	ReasonUnspecified          RevocationReason = 0
	ReasonKeyCompromise        RevocationReason = 1
	ReasonCACompromise         RevocationReason = 2
	ReasonAffiliationChanged   RevocationReason = 3
	ReasonSuperseded           RevocationReason = 4
	ReasonCessationOfOperation RevocationReason = 5
	ReasonCertificateHold      RevocationReason = 6
	ReasonRemoveFromCRL        RevocationReason = 8
	ReasonPrivilegeWithdrawn   RevocationReason = 9
	ReasonAACompromise         RevocationReason = 10
)

var reasonNames = map[RevocationReason]string{
	ReasonUnspecified:          "unspecified",
	ReasonKeyCompromise:        "keyCompromise",
	ReasonCACompromise:         "cACompromise",
	ReasonAffiliationChanged:   "affiliationChanged",
	ReasonSuperseded:           "superseded",
	ReasonCessationOfOperation: "cessationOfOperation",
	ReasonCertificateHold:      "certificateHold",
	ReasonRemoveFromCRL:        "removeFromCRL",
	ReasonPrivilegeWithdrawn:   "privilegeWithdrawn",
	ReasonAACompromise:         "aACompromise",
}

// String returns the reason's RFC 5280 name, e.g. "keyCompromise".
func (r RevocationReason) String() string {
	if n, ok := reasonNames[r]; ok {
		return n
	}
	return fmt.Sprintf("reason(%d)", int(r))
}

// Compromise reports whether r says the key may have been in other hands
// before the revocation: keyCompromise, cACompromise or aACompromise.
func (r RevocationReason) Compromise() bool {
	return r == ReasonKeyCompromise || r == ReasonCACompromise || r == ReasonAACompromise
}

// Revocation is the revocation of one certificate, as a source reports it.
type Revocation struct {
	// Time is when the certificate stopped being good: from a CRL, the
	// entry's revocation date, or its invalidityDate when that is earlier.
	Time   time.Time
	Reason RevocationReason
}

// invalidates reports whether the revocation fails a signature that
// existed at signed.
func (r *Revocation) invalidates(signed time.Time) bool {
	return r.Reason.Compromise() || !r.Time.After(signed)
}

// A RevocationChecker reports the revocation status of cert, issued by
// issuer (both from the validated path): a nil Revocation and nil error if
// its source does not list cert as revoked, the revocation if it does, or an
// error if it cannot tell (Verify then fails at StepRevocation, wrapping
// it). Verify applies the signing-time rule to what it reports. It is called
// synchronously from Verify, possibly concurrently; it should answer from
// data the caller fetched beforehand (OCSP responses, a deny list): sigil
// itself never goes to the network to verify.
type RevocationChecker func(cert, issuer *x509.Certificate) (*Revocation, error)

// RevokedError is the cause of a StepRevocation failure for a revoked
// certificate. Use errors.As to obtain it from the *Error.
type RevokedError struct {
	// Certificate is the revoked certificate: the signing certificate or an
	// intermediate of its path.
	Certificate *x509.Certificate
	Revocation
	// Source names where the revocation is recorded: "CRL of <issuer>" or
	// "revocation checker".
	Source string
	// SigningTime is the signing time the revocation was compared with.
	SigningTime time.Time
}

func (e *RevokedError) Error() string {
	when := "before the signing time " + e.SigningTime.UTC().Format(time.RFC3339)
	if e.Reason.Compromise() {
		when = "for a key compromise, which fails every signature"
	}
	return fmt.Sprintf("certificate %s (serial %s) revoked at %s (%s), %s, per the %s", e.Certificate.Subject,
		serialKey(e.Certificate.SerialNumber), e.Time.UTC().Format(time.RFC3339), e.Reason, when, e.Source)
}

var (
	// ErrStaleCRL is wrapped when a CRL that applies to a certificate of the
	// path is outside its thisUpdate–nextUpdate window at the verifier's clock.
	ErrStaleCRL = errors.New("CRL is not current")
	// ErrCRLSignature is wrapped when a CRL that names a certificate's issuer
	// is not signed by that issuer's key.
	ErrCRLSignature = errors.New("CRL not signed by the issuing CA's key")
	// ErrNoRevocationStatus is wrapped when revocation checking is on and no
	// source covers a certificate of the path.
	ErrNoRevocationStatus = errors.New("no revocation status")
)

// WithCRLs checks the revocation status of signing certificates against
// the certificate revocation lists crls, each DER or PEM ("X509 CRL" blocks,
// several to a file if need be), as the package documentation describes
// (Revocation). It may be given several times. New fails if a CRL does not
// parse or is outside the limits. Default: no revocation checking.
func WithCRLs(crls ...[]byte) Option {
	return func(c *config) error {
		for i, data := range crls {
			if err := c.addCRLs(data); err != nil {
				return fmt.Errorf("verify: WithCRLs: CRL %d: %w", i, err)
			}
		}
		return nil
	}
}

// WithCRLFiles is WithCRLs with the CRLs read from files, when New runs.
func WithCRLFiles(paths ...string) Option {
	return func(c *config) error {
		for _, p := range paths {
			data, err := limits.ReadFile(p, limits.MaxCRLSize)
			if err == nil {
				err = c.addCRLs(data)
			}
			if err != nil {
				return fmt.Errorf("verify: WithCRLFiles: %s: %w", p, err)
			}
		}
		return nil
	}
}

// WithRevocationChecker checks the revocation status of every certificate
// of a signing certificate's validated path, except its anchor, with check
// too (OCSP responses, deny lists). Give it at most once. Default: none.
func WithRevocationChecker(check RevocationChecker) Option {
	return func(c *config) error {
		if check == nil {
			return errors.New("verify: WithRevocationChecker: nil checker")
		}
		if c.checker != nil {
			return errors.New("verify: WithRevocationChecker given twice")
		}
		c.checker = check
		return nil
	}
}

func (c *config) addCRLs(data []byte) error {
	crls, err := parseCRLs(data)
	if err != nil {
		return err
	}
	if len(c.crls)+len(crls) > limits.MaxCRLs {
		return fmt.Errorf("more than %d CRLs", limits.MaxCRLs)
	}
	c.crls = append(c.crls, crls...)
	return nil
}

// preparedCRL is a CRL that passed parseCRLs, indexed by serial number.
type preparedCRL struct {
	crl     *x509.RevocationList
	revoked map[string]Revocation
	// signers holds the SHA-256 of issuer certificates whose key was found
	// to sign the CRL, so that a CRL's signature is checked once per issuer.
	// Only certificates of validated paths are checked, so it stays small.
	signers sync.Map
}

var (
	oidAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidCRLNumber      = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// parseCRLs parses one DER CRL or a PEM file of "X509 CRL" blocks and checks
// what sigil requires of a CRL (see the package documentation).
func parseCRLs(data []byte) ([]*preparedCRL, error) {
	if len(data) > limits.MaxCRLSize {
		return nil, fmt.Errorf("CRL of %d bytes exceeds the limit of %d", len(data), limits.MaxCRLSize)
	}
	var ders [][]byte
	if rest := bytes.TrimSpace(data); bytes.HasPrefix(rest, []byte("-----BEGIN")) {
		for len(rest) > 0 {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				return nil, errors.New("malformed PEM")
			}
			if block.Type != "X509 CRL" {
				return nil, fmt.Errorf("PEM block %q, want X509 CRL", block.Type)
			}
			ders = append(ders, block.Bytes)
			rest = bytes.TrimSpace(rest)
		}
	} else {
		ders = [][]byte{data}
	}
	var out []*preparedCRL
	for _, der := range ders {
		p, err := parseCRL(der)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parseCRL(der []byte) (*preparedCRL, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, err
	}
	if len(crl.Raw) != len(der) {
		return nil, errors.New("trailing data after the CRL")
	}
	if crl.NextUpdate.IsZero() {
		return nil, fmt.Errorf("CRL of %s without nextUpdate", crl.Issuer)
	}
	if crl.NextUpdate.Before(crl.ThisUpdate) {
		return nil, fmt.Errorf("CRL of %s: nextUpdate before thisUpdate", crl.Issuer)
	}
	for _, e := range crl.Extensions {
		if e.Critical && !e.Id.Equal(oidAuthorityKeyID) && !e.Id.Equal(oidCRLNumber) {
			return nil, fmt.Errorf("CRL of %s has critical extension %s, which sigil does not process (delta, partitioned and indirect CRLs are not supported)", crl.Issuer, e.Id)
		}
	}
	p := &preparedCRL{crl: crl, revoked: make(map[string]Revocation, len(crl.RevokedCertificateEntries))}
	for i := range crl.RevokedCertificateEntries {
		e := &crl.RevokedCertificateEntries[i]
		for _, x := range e.Extensions {
			if x.Critical {
				return nil, fmt.Errorf("CRL of %s: entry %s has critical extension %s, which sigil does not process", crl.Issuer, serialKey(e.SerialNumber), x.Id)
			}
		}
		r := RevocationReason(e.ReasonCode)
		if _, ok := reasonNames[r]; !ok || r == ReasonRemoveFromCRL {
			return nil, fmt.Errorf("CRL of %s: entry %s has reason %s, not allowed in a complete CRL", crl.Issuer, serialKey(e.SerialNumber), r)
		}
		rev := Revocation{Time: e.RevocationTime, Reason: r}
		for _, x := range e.Extensions {
			if !x.Id.Equal(oidInvalidityDate) {
				continue
			}
			var invalid time.Time
			if rest, err := asn1.UnmarshalWithParams(x.Value, &invalid, "generalized"); err != nil || len(rest) != 0 {
				return nil, fmt.Errorf("CRL of %s: entry %s has a malformed invalidityDate", crl.Issuer, serialKey(e.SerialNumber))
			}
			if invalid.Before(rev.Time) {
				rev.Time = invalid
			}
		}
		p.revoked[serialKey(e.SerialNumber)] = rev
	}
	return p, nil
}

func serialKey(n *big.Int) string {
	if n == nil {
		return "<none>"
	}
	return n.Text(16)
}

// check checks that the CRL is signed by issuer's key and current at now.
func (p *preparedCRL) check(issuer *x509.Certificate, now time.Time) error {
	if now.Before(p.crl.ThisUpdate) || now.After(p.crl.NextUpdate) {
		return fmt.Errorf("%w: the CRL of %s is for %s to %s, the time is %s", ErrStaleCRL, p.crl.Issuer,
			p.crl.ThisUpdate.UTC().Format(time.RFC3339), p.crl.NextUpdate.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	id := sha256.Sum256(issuer.Raw)
	if _, ok := p.signers.Load(id); ok {
		return nil
	}
	if err := p.crl.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: the CRL naming %s as issuer does not verify with the key of %s: %v", ErrCRLSignature, p.crl.Issuer, issuer.Subject, err)
	}
	p.signers.Store(id, struct{}{})
	return nil
}

// prepareCRLs indexes crls by the DER of their issuer's name.
func prepareCRLs(crls []*preparedCRL) map[string][]*preparedCRL {
	if len(crls) == 0 {
		return nil
	}
	m := make(map[string][]*preparedCRL)
	for _, c := range crls {
		m[string(c.crl.RawIssuer)] = append(m[string(c.crl.RawIssuer)], c)
	}
	return m
}

// checkRevocation checks every certificate of path but its anchor against
// the Verifier's revocation sources, for a signature that existed at the
// earliest of times.
func (v *Verifier) checkRevocation(path []*x509.Certificate, times []time.Time) error {
	if v.crls == nil && v.cfg.checker == nil {
		return nil
	}
	signed := times[0]
	for _, t := range times[1:] {
		if t.Before(signed) {
			signed = t
		}
	}
	now := v.cfg.now()
	for i := 0; i+1 < len(path); i++ {
		cert, issuer := path[i], path[i+1]
		covered := false
		for _, crl := range v.crls[string(cert.RawIssuer)] {
			if err := crl.check(issuer, now); err != nil {
				return fail(StepRevocation, err)
			}
			covered = true
			if r, ok := crl.revoked[serialKey(cert.SerialNumber)]; ok {
				if r.invalidates(signed) {
					return fail(StepRevocation, &RevokedError{Certificate: cert, Revocation: r, Source: "CRL of " + crl.crl.Issuer.String(), SigningTime: signed})
				}
			}
		}
		if v.cfg.checker != nil {
			r, err := v.cfg.checker(cert, issuer)
			if err != nil {
				return fail(StepRevocation, fmt.Errorf("revocation checker, for %s: %w", cert.Subject, err))
			}
			covered = true
			if r != nil && r.invalidates(signed) {
				return fail(StepRevocation, &RevokedError{Certificate: cert, Revocation: *r, Source: "revocation checker", SigningTime: signed})
			}
		}
		if !covered {
			return fail(StepRevocation, fmt.Errorf("%w: no CRL of %s, the issuer of %s", ErrNoRevocationStatus, issuer.Subject, cert.Subject))
		}
	}
	return nil
}
