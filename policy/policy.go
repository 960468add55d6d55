package policy

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Input holds the verified facts a policy judges.
type Input struct {
	// Certificate is the verified signing certificate, or nil when the
	// signature was verified with a trusted public key.
	Certificate *x509.Certificate
	// PublicKey is the key that verified the signature.
	PublicKey crypto.PublicKey
}

// A Policy judges verified facts. Evaluate returns nil when the input
// satisfies the policy and a *ViolationError otherwise.
type Policy interface {
	Evaluate(in *Input) error
	String() string
}

// ViolationError reports why a policy rejected its input.
type ViolationError struct {
	Policy string // the policy that failed, as its String method renders it
	Reason string
}

func (e *ViolationError) Error() string {
	return "policy: " + e.Policy + ": " + e.Reason
}

func violation(p Policy, format string, args ...any) error {
	return &ViolationError{Policy: p.String(), Reason: fmt.Sprintf(format, args...)}
}

// A Matcher matches one string value exactly or by anchored regular expression.
type Matcher struct {
	exact string
	re    *regexp.Regexp
}

// Exact returns a Matcher for the exact value s. An empty s matches nothing.
func Exact(s string) Matcher { return Matcher{exact: s} }

// Regexp returns a Matcher for values the regular expression matches in
// full: the pattern is anchored as ^(?:pattern)$. An empty pattern is an error.
func Regexp(pattern string) (Matcher, error) {
	if pattern == "" {
		return Matcher{}, errors.New("policy: empty regular expression")
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return Matcher{}, fmt.Errorf("policy: %w", err)
	}
	return Matcher{re: re}, nil
}

// Match reports whether v matches. The zero Matcher matches nothing.
func (m Matcher) Match(v string) bool {
	switch {
	case m.re != nil:
		return m.re.MatchString(v)
	case m.exact != "":
		return v == m.exact
	}
	return false
}

func (m Matcher) String() string {
	switch {
	case m.re != nil:
		return "~" + strings.TrimSuffix(strings.TrimPrefix(m.re.String(), "^(?:"), ")$")
	case m.exact != "":
		return fmt.Sprintf("%q", m.exact)
	}
	return "<empty>"
}

func (m Matcher) empty() bool { return m.re == nil && m.exact == "" }

type identity struct{ issuer, san Matcher }

// Identity requires a certificate whose OIDC issuer matches issuer exactly
// and one of whose subject alternative names matches san exactly.
func Identity(issuer, san string) Policy { return identity{Exact(issuer), Exact(san)} }

// IdentityMatch is Identity with caller-built matchers (for example an
// anchored regular expression for the subject).
func IdentityMatch(issuer, san Matcher) Policy { return identity{issuer, san} }

func (p identity) String() string {
	return "identity(issuer " + p.issuer.String() + ", san " + p.san.String() + ")"
}

func (p identity) Evaluate(in *Input) error {
	if p.issuer.empty() || p.san.empty() {
		return violation(p, "empty matcher never matches")
	}
	if in == nil || in.Certificate == nil {
		return violation(p, "signer has no certificate")
	}
	iss, ok := OIDCIssuer(in.Certificate)
	if !ok {
		return violation(p, "certificate has no OIDC issuer extension")
	}
	if !p.issuer.Match(iss) {
		return violation(p, "issuer %q does not match", iss)
	}
	sans := SubjectAlternativeNames(in.Certificate)
	for _, s := range sans {
		if p.san.Match(s) {
			return nil
		}
	}
	return violation(p, "subject alternative names %q do not match", sans)
}

type extension struct {
	oid asn1.ObjectIdentifier
	m   Matcher
}

// Extension requires a certificate carrying the Fulcio extension oid with a
// value that matches m. Values are decoded as Fulcio encodes them: DER
// UTF8String for 1.3.6.1.4.1.57264.1.8 and later, raw bytes for the legacy
// 1.3.6.1.4.1.57264.1.1–.6.
func Extension(oid asn1.ObjectIdentifier, m Matcher) Policy { return extension{oid, m} }

func (p extension) String() string { return "extension(" + p.oid.String() + " " + p.m.String() + ")" }

func (p extension) Evaluate(in *Input) error {
	if p.m.empty() || len(p.oid) == 0 {
		return violation(p, "empty matcher never matches")
	}
	if in == nil || in.Certificate == nil {
		return violation(p, "signer has no certificate")
	}
	v, ok := ExtensionValue(in.Certificate, p.oid)
	if !ok {
		return violation(p, "certificate lacks the extension")
	}
	if !p.m.Match(v) {
		return violation(p, "value %q does not match", v)
	}
	return nil
}

type subjectDN struct{ m Matcher }

// SubjectDN requires a certificate whose subject distinguished name, in the
// RFC 2253 form of pkix.Name.String (for example "CN=release-bot,O=Example
// Corp,C=US"), matches m.
func SubjectDN(m Matcher) Policy { return subjectDN{m} }

func (p subjectDN) String() string { return "subject(" + p.m.String() + ")" }

func (p subjectDN) Evaluate(in *Input) error {
	if p.m.empty() {
		return violation(p, "empty matcher never matches")
	}
	if in == nil || in.Certificate == nil {
		return violation(p, "signer has no certificate")
	}
	if dn := in.Certificate.Subject.String(); !p.m.Match(dn) {
		return violation(p, "subject %q does not match", dn)
	}
	return nil
}

type publicKey struct{ pub crypto.PublicKey }

// PublicKey requires that the signature was verified with pub (whether pub
// came from a certificate or was trusted directly).
func PublicKey(pub crypto.PublicKey) Policy { return publicKey{pub} }

func (p publicKey) String() string { return fmt.Sprintf("public-key(%T)", p.pub) }

func (p publicKey) Evaluate(in *Input) error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := p.pub.(equaler)
	if !ok {
		return violation(p, "no key given")
	}
	if in == nil || in.PublicKey == nil || !e.Equal(in.PublicKey) {
		return violation(p, "signer used a different key")
	}
	return nil
}

type all []Policy

// All requires every policy to pass. All with no policies rejects everything.
func All(ps ...Policy) Policy { return all(ps) }

func (p all) String() string { return "all(" + join(p) + ")" }

func (p all) Evaluate(in *Input) error {
	if len(p) == 0 {
		return violation(p, "no policies given")
	}
	for _, q := range p {
		if q == nil {
			return violation(p, "nil policy")
		}
		if err := q.Evaluate(in); err != nil {
			return err
		}
	}
	return nil
}

type atLeast struct {
	n  int
	ps []Policy
}

// Any requires at least one policy to pass. Any with no policies rejects everything.
func Any(ps ...Policy) Policy { return atLeast{1, ps} }

// AtLeast requires at least n of the policies to pass. n must be between 1
// and len(ps).
func AtLeast(n int, ps ...Policy) (Policy, error) {
	if n < 1 || n > len(ps) {
		return nil, fmt.Errorf("policy: AtLeast(%d) of %d policies", n, len(ps))
	}
	return atLeast{n, ps}, nil
}

func (p atLeast) String() string { return fmt.Sprintf("at-least(%d, %s)", p.n, join(p.ps)) }

func (p atLeast) Evaluate(in *Input) error {
	if len(p.ps) == 0 || p.n < 1 {
		return violation(p, "no policies given")
	}
	passed := 0
	var reasons []string
	for _, q := range p.ps {
		if q == nil {
			continue
		}
		if err := q.Evaluate(in); err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		if passed++; passed >= p.n {
			return nil
		}
	}
	return violation(p, "%d of %d passed, need %d: %s", passed, len(p.ps), p.n, strings.Join(reasons, "; "))
}

type not struct{ p Policy }

// Not passes when p fails, and fails when p passes.
func Not(p Policy) Policy { return not{p} }

func (p not) String() string { return "not(" + fmt.Sprint(p.p) + ")" }

func (p not) Evaluate(in *Input) error {
	if p.p == nil {
		return violation(p, "nil policy")
	}
	if p.p.Evaluate(in) == nil {
		return violation(p, "inner policy passed")
	}
	return nil
}

type fn struct {
	name string
	f    func(*Input) error
}

// Func wraps a custom Go check. name appears in violation messages; an error
// from f rejects the input.
func Func(name string, f func(in *Input) error) Policy { return fn{name, f} }

func (p fn) String() string { return "func(" + p.name + ")" }

func (p fn) Evaluate(in *Input) error {
	if p.f == nil {
		return violation(p, "nil function")
	}
	if err := p.f(in); err != nil {
		return &ViolationError{Policy: p.String(), Reason: err.Error()}
	}
	return nil
}

type anySigner struct{}

// UnsafeAnySigner accepts any signer whose certificate or key verified. It
// states that the caller checks nothing about who signed: use it only where
// any holder of a trusted credential may sign.
func UnsafeAnySigner() Policy { return anySigner{} }

func (anySigner) String() string { return "unsafe-any-signer" }

func (anySigner) Evaluate(*Input) error { return nil }

func join(ps []Policy) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}
