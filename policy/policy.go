package policy

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
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

// A Policy judges verified facts.
//
// The policies of this package return a *[ViolationError] from Evaluate when
// they reject the input. Callers may implement Policy themselves, but [Func]
// is usually simpler.
type Policy interface {
	// Evaluate returns nil when in satisfies the policy and an error
	// otherwise.
	Evaluate(in *Input) error
	// String describes the policy for error messages.
	String() string
}

// ViolationError reports why a policy rejected its input. Use errors.As to
// find it in an error returned by Evaluate (or by verify).
type ViolationError struct {
	// Policy is the policy that failed, as its String method renders it.
	// For All it is the first failing member, not the All itself.
	Policy string
	// Reason says why the policy failed.
	Reason string
}

// Error returns "policy: " followed by the policy and the reason.
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

// Regexp returns a Matcher for values the regular expression (RE2 syntax, as
// package regexp) matches in full: the pattern is anchored as ^(?:pattern)$.
// An empty or invalid pattern is an error, and so is a pattern that cannot be
// anchored that way (one ending inside an unterminated \Q quote).
func Regexp(pattern string) (Matcher, error) {
	if pattern == "" {
		return Matcher{}, errors.New("policy: empty regular expression")
	}
	// Check the pattern on its own first: a pattern with unbalanced
	// parentheses such as "a)|(b" would otherwise close the anchoring group
	// early and compile as the unanchored ^(?:a)|(b)$.
	if _, err := regexp.Compile(pattern); err != nil {
		return Matcher{}, fmt.Errorf("policy: %w", err)
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return Matcher{}, fmt.Errorf("policy: regular expression %q cannot be anchored: %w", pattern, err)
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

// String renders an exact Matcher as a quoted string, a regular expression
// as ~pattern, and the zero Matcher as <empty>.
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

// Identity requires a certificate whose OIDC issuer (see [IssuerClaim])
// matches issuer exactly and one of whose subject alternative names (see
// [SubjectAlternativeNames]) matches san exactly. If either is empty the
// policy rejects every input.
func Identity(issuer, san string) Policy { return identity{Exact(issuer), Exact(san)} }

// IdentityMatch is [Identity] with caller-built matchers (for example an
// anchored regular expression for the subject). If either is the zero
// Matcher the policy rejects every input.
func IdentityMatch(issuer, san Matcher) Policy { return identity{issuer, san} }

func (p identity) String() string {
	return "identity(issuer " + p.issuer.String() + ", san " + p.san.String() + ")"
}

func (p identity) configError() string {
	if p.issuer.empty() || p.san.empty() {
		return "empty matcher never matches"
	}
	return ""
}

func (p identity) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "%s", r)
	}
	if in == nil || in.Certificate == nil {
		return violation(p, "signer has no certificate")
	}
	iss, ok := IssuerClaim(in.Certificate)
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
// value that matches m. Values are decoded as [ExtensionValue] decodes them:
// DER UTF8String for 1.3.6.1.4.1.57264.1.8 and later, raw bytes for the
// legacy 1.3.6.1.4.1.57264.1.1–.6. An empty oid or the zero Matcher rejects
// every input.
func Extension(oid asn1.ObjectIdentifier, m Matcher) Policy {
	return extension{slices.Clone(oid), m}
}

func (p extension) String() string { return "extension(" + p.oid.String() + " " + p.m.String() + ")" }

func (p extension) configError() string {
	if p.m.empty() || len(p.oid) == 0 {
		return "empty matcher never matches"
	}
	return ""
}

func (p extension) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "%s", r)
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

// SubjectDN requires a certificate whose subject distinguished name matches
// m, written as RFC 2253 writes it (pkix.RDNSequence.String): every
// attribute of the subject as the certificate encodes it, last RDN first,
// multi-valued RDNs joined by "+", for example "CN=release-bot,O=Example
// Corp,C=US". Repeated attributes all appear: a subject
// "C=US, CN=attacker, CN=release-bot" is "CN=release-bot,CN=attacker,C=US",
// which Exact("CN=release-bot,C=US") does not match (pkix.Name.String, by
// contrast, keeps only the last CN). The zero Matcher rejects every input.
func SubjectDN(m Matcher) Policy { return subjectDN{m} }

func (p subjectDN) String() string { return "subject(" + p.m.String() + ")" }

func (p subjectDN) configError() string {
	if p.m.empty() {
		return "empty matcher never matches"
	}
	return ""
}

func (p subjectDN) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "%s", r)
	}
	if in == nil || in.Certificate == nil {
		return violation(p, "signer has no certificate")
	}
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(in.Certificate.RawSubject, &rdns); err != nil || len(rest) != 0 {
		return violation(p, "subject is not a distinguished name")
	}
	if dn := rdns.String(); !p.m.Match(dn) {
		return violation(p, "subject %q does not match", dn)
	}
	return nil
}

type publicKey struct{ pub crypto.PublicKey }

// PublicKey requires that the signature was verified with pub (whether pub
// came from a certificate or was trusted directly). Keys are compared with
// their Equal method, which every crypto/... public key type has. A nil or
// empty pub, or one without an Equal method, rejects every input.
func PublicKey(pub crypto.PublicKey) Policy { return publicKey{pub} }

func (p publicKey) String() string { return fmt.Sprintf("public-key(%T)", p.pub) }

type equaler interface{ Equal(crypto.PublicKey) bool }

func (p publicKey) configError() string {
	if p.pub == nil {
		return "no key given"
	}
	// A typed nil such as (*ecdsa.PublicKey)(nil) would panic in Equal.
	switch v := reflect.ValueOf(p.pub); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Chan:
		if v.IsNil() {
			return "no key given"
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return "no key given"
		}
	}
	if _, ok := p.pub.(equaler); !ok {
		return fmt.Sprintf("key type %T cannot be compared", p.pub)
	}
	return ""
}

func (p publicKey) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "%s", r)
	}
	if in == nil || in.PublicKey == nil || !p.pub.(equaler).Equal(in.PublicKey) {
		return violation(p, "signer used a different key")
	}
	return nil
}

type all []Policy

// All requires every policy to pass; it returns the error of the first one
// that fails. All with no policies, or with a nil policy, rejects everything.
func All(ps ...Policy) Policy { return all(slices.Clone(ps)) }

func (p all) String() string { return "all(" + join(p) + ")" }

func (p all) configError() string {
	if len(p) == 0 {
		return "no policies given"
	}
	return configErrors(p)
}

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

// Any requires at least one policy to pass. Any with no policies rejects
// everything; a nil policy never passes.
func Any(ps ...Policy) Policy { return atLeast{1, slices.Clone(ps)} }

// AtLeast requires at least n of the policies to pass; a nil policy never
// passes. Each policy counts once per time it is listed, so list distinct
// policies. Like the other combinators it never fails to build: an n that is
// not between 1 and len(ps) makes a policy that rejects every input (and that
// [Not] treats as misconfigured), with a reason naming n and len(ps).
func AtLeast(n int, ps ...Policy) Policy { return atLeast{n, slices.Clone(ps)} }

func (p atLeast) String() string { return fmt.Sprintf("at-least(%d, %s)", p.n, join(p.ps)) }

func (p atLeast) configError() string {
	switch {
	case len(p.ps) == 0:
		return "no policies given"
	case p.n < 1 || p.n > len(p.ps):
		return fmt.Sprintf("n = %d is not between 1 and %d, the number of policies", p.n, len(p.ps))
	}
	return configErrors(p.ps)
}

func (p atLeast) Evaluate(in *Input) error {
	if len(p.ps) == 0 {
		return violation(p, "no policies given")
	}
	if p.n < 1 || p.n > len(p.ps) {
		return violation(p, "n = %d is not between 1 and %d, the number of policies", p.n, len(p.ps))
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
//
// Not fails closed on a policy that was built wrongly and so can never pass:
// a nil policy, or one that contains an empty matcher, a nil key or
// function, an All or Any with no policies, or an AtLeast whose n is out of
// range. Not(Identity("", "")) rejects every input rather than accepting it.
func Not(p Policy) Policy { return not{p} }

func (p not) String() string { return "not(" + fmt.Sprint(p.p) + ")" }

func (p not) configError() string { return configError(p.p) }

func (p not) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "inner policy is misconfigured: %s", r)
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
// from f rejects the input, and its text becomes the violation's Reason. f
// receives the Input as verified: Certificate is nil for a key-only signer.
// A nil f rejects every input.
func Func(name string, f func(in *Input) error) Policy { return fn{name, f} }

func (p fn) String() string { return "func(" + p.name + ")" }

func (p fn) configError() string {
	if p.f == nil {
		return "nil function"
	}
	return ""
}

func (p fn) Evaluate(in *Input) error {
	if r := p.configError(); r != "" {
		return violation(p, "%s", r)
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

// configError reports why p was built so that it can never pass (an empty
// matcher, a nil policy, key or function, no policies), or "" if it is well
// formed. Policies implemented outside this package are taken as well formed.
func configError(p Policy) string {
	if p == nil {
		return "nil policy"
	}
	if c, ok := p.(interface{ configError() string }); ok {
		return c.configError()
	}
	return ""
}

func configErrors(ps []Policy) string {
	for _, q := range ps {
		if r := configError(q); r != "" {
			return r
		}
	}
	return ""
}

func join(ps []Policy) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ", ")
}
