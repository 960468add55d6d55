package policy_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/policy"
)

// Values of the synthetic Fulcio certificate.
const (
	ghIssuer  = "https://token.actions.githubusercontent.com"
	ghSAN     = "https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3"
	ghRepo    = "https://github.com/acme/app"
	ghEmail   = "release@acme.example"
	ghDNS     = "build.acme.example"
	ghTrigger = "push"
)

// Values of the real Fulcio certificates in ../testdata.
const (
	happyPathBundle = "../testdata/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json"
	happyIssuer     = "https://token.actions.githubusercontent.com"
	happySAN        = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	happyRepo       = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon"

	otherNameBundle = "../testdata/conformance/real-bundles/sigstore-go/othername.sigstore.json"
	otherNameIssuer = "http://oidc.local:8080"
	otherNameSAN    = "foo!oidc.local"
)

var (
	oidSAN        = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidUnassigned = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 99}
)

// testKey is the key every synthetic certificate is issued for (and
// self-signed with).
var testKey = sync.OnceValue(func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
})

// newCert self-signs a certificate from tmpl with the extra extensions.
func newCert(t testing.TB, tmpl *x509.Certificate, exts ...pkix.Extension) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(1)
	tmpl.NotBefore = time.Unix(1_700_000_000, 0)
	tmpl.NotAfter = tmpl.NotBefore.Add(10 * time.Minute)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	tmpl.ExtraExtensions = exts
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, testKey().Public(), testKey())
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// rawExt is a legacy Fulcio extension (.1 to .6): the value's raw bytes.
func rawExt(oid asn1.ObjectIdentifier, v string) pkix.Extension {
	return pkix.Extension{Id: oid, Value: []byte(v)}
}

// utf8Ext is a Fulcio extension (.8 and later): a DER UTF8String.
func utf8Ext(t testing.TB, oid asn1.ObjectIdentifier, v string) pkix.Extension {
	t.Helper()
	der, err := asn1.MarshalWithParams(v, "utf8")
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oid, Value: der}
}

// generalName is a GeneralName with an IMPLICIT context-specific tag
// (1 rfc822Name, 2 dNSName, 6 uniformResourceIdentifier).
func generalName(tag int, v string) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, Bytes: []byte(v)}
}

// otherName builds the GeneralName
//
//	[0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }
func otherName(t testing.TB, oid asn1.ObjectIdentifier, v string) asn1.RawValue {
	t.Helper()
	id, err := asn1.Marshal(oid)
	if err != nil {
		t.Fatal(err)
	}
	s, err := asn1.MarshalWithParams(v, "utf8")
	if err != nil {
		t.Fatal(err)
	}
	value, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: s})
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: append(id, value...)}
}

// sanDER builds a SubjectAltName extension value: SEQUENCE OF GeneralName.
func sanDER(t testing.TB, names ...asn1.RawValue) []byte {
	t.Helper()
	var body []byte
	for _, n := range names {
		der, err := asn1.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, der...)
	}
	der, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// fulcioCert is a certificate as Fulcio issues it for a GitHub Actions
// workflow, with both issuer extensions, plus an email and a DNS SAN.
func fulcioCert(t testing.TB) *x509.Certificate {
	t.Helper()
	u, err := url.Parse(ghSAN)
	if err != nil {
		t.Fatal(err)
	}
	return newCert(t, &x509.Certificate{URIs: []*url.URL{u}, EmailAddresses: []string{ghEmail}, DNSNames: []string{ghDNS}},
		rawExt(policy.OIDIssuerV1, ghIssuer),
		rawExt(policy.OIDGitHubWorkflowTrigger, ghTrigger),
		utf8Ext(t, policy.OIDIssuerV2, ghIssuer),
		utf8Ext(t, policy.OIDSourceRepositoryURI, ghRepo),
	)
}

// uriCert is a certificate with one URI SAN and the .8 issuer extension.
func uriCert(t testing.TB, issuer, san string) *x509.Certificate {
	t.Helper()
	u, err := url.Parse(san)
	if err != nil {
		t.Fatal(err)
	}
	return newCert(t, &x509.Certificate{URIs: []*url.URL{u}}, utf8Ext(t, policy.OIDIssuerV2, issuer))
}

// otherNameCert is a certificate with an empty subject whose only SAN is a
// Fulcio otherName, so the SAN extension is critical (RFC 5280 4.2.1.6).
func otherNameCert(t testing.TB) *x509.Certificate {
	t.Helper()
	return newCert(t, &x509.Certificate{},
		pkix.Extension{Id: oidSAN, Critical: true, Value: sanDER(t, otherName(t, policy.OIDOtherName, otherNameSAN))},
		rawExt(policy.OIDIssuerV1, otherNameIssuer),
		utf8Ext(t, policy.OIDIssuerV2, otherNameIssuer),
	)
}

// bundleCert reads the leaf certificate of a Sigstore bundle in ../testdata.
func bundleCert(t testing.TB, path string) *x509.Certificate {
	t.Helper()
	c, err := readBundleCert(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readBundleCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		return nil, err
	}
	var b struct {
		VerificationMaterial struct {
			Certificate struct {
				RawBytes string `json:"rawBytes"`
			} `json:"certificate"`
		} `json:"verificationMaterial"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	der, err := base64.StdEncoding.DecodeString(b.VerificationMaterial.Certificate.RawBytes)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func certInput(c *x509.Certificate) *policy.Input {
	return &policy.Input{Certificate: c, PublicKey: c.PublicKey}
}

func mustRegexp(t testing.TB, pattern string) policy.Matcher {
	t.Helper()
	m, err := policy.Regexp(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// evalCase is one evaluation of a policy. An empty wantReason means the
// policy must pass; otherwise Evaluate must return a *policy.ViolationError
// for wantPolicy (p.String() if empty) with exactly wantReason.
type evalCase struct {
	name       string
	p          policy.Policy
	in         *policy.Input
	wantPolicy string
	wantReason string
}

func runEval(t *testing.T, tests []evalCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Helper()
			checkEval(t, tt.p, tt.in, tt.wantPolicy, tt.wantReason)
		})
	}
}

func checkEval(t *testing.T, p policy.Policy, in *policy.Input, wantPolicy, wantReason string) {
	t.Helper()
	err := p.Evaluate(in)
	if wantReason == "" {
		if err != nil {
			t.Fatalf("%s: got %v, want pass", p, err)
		}
		return
	}
	var v *policy.ViolationError
	if !errors.As(err, &v) {
		t.Fatalf("%s: got %v (%T), want a *policy.ViolationError", p, err, err)
	}
	if wantPolicy == "" {
		wantPolicy = p.String()
	}
	if v.Policy != wantPolicy {
		t.Errorf("violation Policy = %q, want %q", v.Policy, wantPolicy)
	}
	if v.Reason != wantReason {
		t.Errorf("violation Reason = %q, want %q", v.Reason, wantReason)
	}
	if want := "policy: " + wantPolicy + ": " + wantReason; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestMatcher(t *testing.T) {
	tests := []struct {
		name string
		m    policy.Matcher
		v    string
		want bool
	}{
		{"exact", policy.Exact(ghSAN), ghSAN, true},
		{"exact/prefix", policy.Exact("foo"), "foobar", false},
		{"exact/suffix", policy.Exact("bar"), "foobar", false},
		{"exact/case", policy.Exact("foo"), "FOO", false},
		{"exact/trailing space", policy.Exact("foo"), "foo ", false},
		{"exact empty/empty value", policy.Exact(""), "", false},
		{"exact empty/value", policy.Exact(""), "foo", false},
		{"zero/empty value", policy.Matcher{}, "", false},
		{"zero/value", policy.Matcher{}, "foo", false},
		{"regexp", mustRegexp(t, "https://github.com/acme/.*"), "https://github.com/acme/x", true},
		{"regexp/leading junk", mustRegexp(t, "https://github.com/acme/.*"), "xhttps://github.com/acme/x", false},
		{"regexp/too short", mustRegexp(t, "https://github.com/acme/.*"), "https://github.com/acme", false},
		{"regexp/literal", mustRegexp(t, "foo"), "foo", true},
		{"regexp/prefix", mustRegexp(t, "foo"), "foobar", false},
		{"regexp/suffix", mustRegexp(t, "foo"), "barfoo", false},
		{"regexp/infix", mustRegexp(t, "foo"), "barfoobar", false},
		{"regexp/alternation anchored as a whole", mustRegexp(t, "a|b"), "ab", false},
		{"regexp/alternation second", mustRegexp(t, "a|b"), "b", true},
		{"regexp/multiline flag stays inside", mustRegexp(t, "(?m)foo"), "foo\nbar", false},
		{"regexp/trailing newline", mustRegexp(t, "foo"), "foo\n", false},
		{"regexp/case flag", mustRegexp(t, "(?i)FOO"), "foo", true},
		{"regexp/unescaped dot", mustRegexp(t, "a.c"), "abc", true},
		{"regexp/escaped dot", mustRegexp(t, `a\.c`), "abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Match(tt.v); got != tt.want {
				t.Errorf("%s.Match(%q) = %v, want %v", tt.m, tt.v, got, tt.want)
			}
		})
	}
}

func TestRegexpErrors(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // substring of the error
	}{
		{"", "policy: empty regular expression"},
		{"(", "policy: error parsing regexp: missing closing )"},
		{"[a", "policy: error parsing regexp: missing closing ]"},
		{`a\`, "policy: error parsing regexp: trailing backslash"},
		// Unbalanced parentheses would close the anchoring group early:
		// ^(?:a)|(b)$ matches any value starting with a or ending with b.
		{"a)|(b", "policy: error parsing regexp: unexpected )"},
		{"https://github.com/acme/app)|(.*", "policy: error parsing regexp: unexpected )"},
		// \Q quotes the rest of the pattern, anchoring group included.
		{`\Qfoo`, `policy: regular expression "\\Qfoo" cannot be anchored`},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			m, err := policy.Regexp(tt.pattern)
			if err == nil {
				t.Fatalf("Regexp(%q) = %s, want error", tt.pattern, m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Regexp(%q) error = %q, want it to contain %q", tt.pattern, err, tt.want)
			}
			if m.Match("a") || m.Match("b") || m.Match("") || m.String() != "<empty>" {
				t.Errorf("Regexp(%q) returned a non-zero Matcher %s with its error", tt.pattern, m)
			}
		})
	}
}

func TestMatcherString(t *testing.T) {
	tests := []struct {
		m    policy.Matcher
		want string
	}{
		{policy.Exact("a b"), `"a b"`},
		{policy.Exact(`"`), `"\""`},
		{mustRegexp(t, `https://github\.com/.*`), `~https://github\.com/.*`},
		{policy.Exact(""), "<empty>"},
		{policy.Matcher{}, "<empty>"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestIdentity(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	sanList := `["` + ghSAN + `" "` + ghEmail + `" "` + ghDNS + `"]`
	v1Only := certInput(newCert(t, &x509.Certificate{EmailAddresses: []string{"dev@example.com"}},
		rawExt(policy.OIDIssuerV1, "https://accounts.google.com")))
	bothIssuers := certInput(newCert(t, &x509.Certificate{EmailAddresses: []string{"dev@example.com"}},
		rawExt(policy.OIDIssuerV1, "https://legacy.example"),
		utf8Ext(t, policy.OIDIssuerV2, "https://v2.example")))
	// .8 holds raw bytes instead of a DER UTF8String: the issuer cannot be
	// read, and the legacy .1 must not stand in for it.
	badV2 := certInput(newCert(t, &x509.Certificate{EmailAddresses: []string{"dev@example.com"}},
		rawExt(policy.OIDIssuerV1, "https://legacy.example"),
		rawExt(policy.OIDIssuerV2, "https://v2.example")))
	noIssuer := certInput(newCert(t, &x509.Certificate{EmailAddresses: []string{"dev@example.com"}}))
	key := &policy.Input{PublicKey: testKey().Public()}
	otherNameIn := certInput(otherNameCert(t))
	junkPrefix := certInput(uriCert(t, ghIssuer, "xhttps://github.com/acme/x"))
	acmeRE := mustRegexp(t, "https://github.com/acme/.*")

	runEval(t, []evalCase{
		{name: "uri san", p: policy.Identity(ghIssuer, ghSAN), in: fulcio},
		{name: "email san", p: policy.Identity(ghIssuer, ghEmail), in: fulcio},
		{name: "dns san", p: policy.Identity(ghIssuer, ghDNS), in: fulcio},
		{name: "othername san", p: policy.Identity(otherNameIssuer, otherNameSAN), in: otherNameIn},
		{name: "legacy issuer only", p: policy.Identity("https://accounts.google.com", "dev@example.com"), in: v1Only},
		{name: "v2 issuer preferred", p: policy.Identity("https://v2.example", "dev@example.com"), in: bothIssuers},
		{name: "regexp san", p: policy.IdentityMatch(policy.Exact(ghIssuer), acmeRE), in: fulcio},
		{name: "regexp issuer", p: policy.IdentityMatch(mustRegexp(t, `https://token\.actions\.githubusercontent\.com`), policy.Exact(ghSAN)), in: fulcio},

		{name: "wrong issuer", p: policy.Identity("https://accounts.google.com", ghSAN), in: fulcio,
			wantReason: `issuer "` + ghIssuer + `" does not match`},
		{name: "issuer with trailing slash", p: policy.Identity(ghIssuer+"/", ghSAN), in: fulcio,
			wantReason: `issuer "` + ghIssuer + `" does not match`},
		{name: "legacy issuer not used when v2 present", p: policy.Identity("https://legacy.example", "dev@example.com"), in: bothIssuers,
			wantReason: `issuer "https://v2.example" does not match`},
		{name: "malformed v2 issuer", p: policy.Identity("https://legacy.example", "dev@example.com"), in: badV2,
			wantReason: "certificate has no OIDC issuer extension"},
		{name: "no issuer", p: policy.Identity(ghIssuer, "dev@example.com"), in: noIssuer,
			wantReason: "certificate has no OIDC issuer extension"},
		{name: "san prefix", p: policy.Identity(ghIssuer, ghRepo), in: fulcio,
			wantReason: "subject alternative names " + sanList + " do not match"},
		{name: "san with suffix", p: policy.Identity(ghIssuer, ghSAN+"x"), in: fulcio,
			wantReason: "subject alternative names " + sanList + " do not match"},
		{name: "othername san prefix", p: policy.Identity(otherNameIssuer, "foo"), in: otherNameIn,
			wantReason: `subject alternative names ["foo!oidc.local"] do not match`},
		{name: "regexp san not anchored at start", p: policy.IdentityMatch(policy.Exact(ghIssuer), acmeRE), in: junkPrefix,
			wantReason: `subject alternative names ["xhttps://github.com/acme/x"] do not match`},
		{name: "regexp san without wildcard", p: policy.IdentityMatch(policy.Exact(ghIssuer), mustRegexp(t, "https://github.com/acme/app")), in: fulcio,
			wantReason: "subject alternative names " + sanList + " do not match"},
		{name: "key only", p: policy.Identity(ghIssuer, ghSAN), in: key,
			wantReason: "signer has no certificate"},
		{name: "nil input", p: policy.Identity(ghIssuer, ghSAN), in: nil,
			wantReason: "signer has no certificate"},
		{name: "empty input", p: policy.Identity(ghIssuer, ghSAN), in: &policy.Input{},
			wantReason: "signer has no certificate"},

		{name: "empty issuer and san", p: policy.Identity("", ""), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "empty issuer", p: policy.Identity("", ghSAN), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "empty san", p: policy.Identity(ghIssuer, ""), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "empty on nil input", p: policy.Identity("", ""), in: nil,
			wantReason: "empty matcher never matches"},
		{name: "zero issuer matcher", p: policy.IdentityMatch(policy.Matcher{}, policy.Exact(ghSAN)), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "zero san matcher", p: policy.IdentityMatch(policy.Exact(ghIssuer), policy.Matcher{}), in: fulcio,
			wantReason: "empty matcher never matches"},
	})
}

func TestIdentityString(t *testing.T) {
	tests := []struct {
		p    policy.Policy
		want string
	}{
		{policy.Identity("i", "s"), `identity(issuer "i", san "s")`},
		{policy.Identity("", ""), `identity(issuer <empty>, san <empty>)`},
		{policy.IdentityMatch(policy.Exact("i"), mustRegexp(t, "s.*")), `identity(issuer "i", san ~s.*)`},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestExtension(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	bad := certInput(newCert(t, &x509.Certificate{},
		rawExt(policy.OIDSourceRepositoryURI, ghRepo),                              // not DER
		rawExt(policy.OIDGitHubWorkflowRef, "\xff\xfe"),                            // not UTF-8
		utf8Ext(t, policy.OIDGitHubWorkflowName, "wrapped"),                        // a .1–.6 value holding DER
		pkix.Extension{Id: policy.OIDRunnerEnvironment, Value: []byte{0x0c, 0x05}}, // truncated
	))
	key := &policy.Input{PublicKey: testKey().Public()}

	runEval(t, []evalCase{
		{name: "v2 exact", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo)), in: fulcio},
		{name: "v2 regexp", p: policy.Extension(policy.OIDSourceRepositoryURI, mustRegexp(t, `https://github\.com/acme/.+`)), in: fulcio},
		{name: "v2 issuer", p: policy.Extension(policy.OIDIssuerV2, policy.Exact(ghIssuer)), in: fulcio},
		{name: "legacy raw", p: policy.Extension(policy.OIDGitHubWorkflowTrigger, policy.Exact(ghTrigger)), in: fulcio},
		{name: "legacy issuer", p: policy.Extension(policy.OIDIssuerV1, policy.Exact(ghIssuer)), in: fulcio},

		{name: "wrong value", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/acme/other")), in: fulcio,
			wantReason: `value "` + ghRepo + `" does not match`},
		{name: "prefix value", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/acme")), in: fulcio,
			wantReason: `value "` + ghRepo + `" does not match`},
		{name: "regexp prefix", p: policy.Extension(policy.OIDSourceRepositoryURI, mustRegexp(t, "https://github.com/acme")), in: fulcio,
			wantReason: `value "` + ghRepo + `" does not match`},
		{name: "absent", p: policy.Extension(policy.OIDDeploymentEnvironment, policy.Exact("prod")), in: fulcio,
			wantReason: "certificate lacks the extension"},
		{name: "unassigned oid", p: policy.Extension(oidUnassigned, policy.Exact("x")), in: fulcio,
			wantReason: "certificate lacks the extension"},
		{name: "v2 not DER", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo)), in: bad,
			wantReason: "certificate lacks the extension"},
		{name: "v2 truncated", p: policy.Extension(policy.OIDRunnerEnvironment, mustRegexp(t, ".*")), in: bad,
			wantReason: "certificate lacks the extension"},
		{name: "legacy not UTF-8", p: policy.Extension(policy.OIDGitHubWorkflowRef, mustRegexp(t, "(?s).*")), in: bad,
			wantReason: "certificate lacks the extension"},
		{name: "legacy holding DER is raw", p: policy.Extension(policy.OIDGitHubWorkflowName, policy.Exact("wrapped")), in: bad,
			wantReason: `value "\f\awrapped" does not match`},
		{name: "key only", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo)), in: key,
			wantReason: "signer has no certificate"},
		{name: "nil input", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo)), in: nil,
			wantReason: "signer has no certificate"},
		{name: "empty value", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("")), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "zero matcher", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Matcher{}), in: fulcio,
			wantReason: "empty matcher never matches"},
		{name: "nil oid", p: policy.Extension(nil, policy.Exact(ghRepo)), in: fulcio,
			wantReason: "empty matcher never matches"},
	})
}

func TestSubjectDN(t *testing.T) {
	subject := pkix.Name{CommonName: "release-bot", Organization: []string{"Example Corp"}, Country: []string{"US"}}
	const dn = "CN=release-bot,O=Example Corp,C=US"
	in := certInput(newCert(t, &x509.Certificate{Subject: subject}))
	runEval(t, []evalCase{
		{name: "exact", p: policy.SubjectDN(policy.Exact(dn)), in: in},
		{name: "regexp", p: policy.SubjectDN(mustRegexp(t, `CN=release-bot,O=Example Corp,.*`)), in: in},
		{name: "prefix", p: policy.SubjectDN(policy.Exact("CN=release-bot")), in: in,
			wantReason: `subject "` + dn + `" does not match`},
		{name: "regexp prefix", p: policy.SubjectDN(mustRegexp(t, "CN=release-bot")), in: in,
			wantReason: `subject "` + dn + `" does not match`},
		{name: "reversed order", p: policy.SubjectDN(policy.Exact("C=US,O=Example Corp,CN=release-bot")), in: in,
			wantReason: `subject "` + dn + `" does not match`},
		{name: "empty subject", p: policy.SubjectDN(policy.Exact(dn)), in: certInput(otherNameCert(t)),
			wantReason: `subject "" does not match`},
		{name: "key only", p: policy.SubjectDN(policy.Exact(dn)), in: &policy.Input{PublicKey: testKey().Public()},
			wantReason: "signer has no certificate"},
		{name: "nil input", p: policy.SubjectDN(policy.Exact(dn)), in: nil,
			wantReason: "signer has no certificate"},
		{name: "empty", p: policy.SubjectDN(policy.Exact("")), in: in,
			wantReason: "empty matcher never matches"},
		{name: "zero matcher", p: policy.SubjectDN(policy.Matcher{}), in: in,
			wantReason: "empty matcher never matches"},
	})
}

// TestSubjectDNFullSequence: SubjectDN sees every RDN of the subject as the
// certificate encodes it, so repeated attributes (which pkix.Name keeps only
// the last of) and the encoded order both count.
func TestSubjectDNFullSequence(t *testing.T) {
	cn := func(v string) pkix.AttributeTypeAndValue {
		return pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: v}
	}
	o := pkix.AttributeTypeAndValue{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: "Example Corp"}
	// Subject CN=attacker, CN=release-bot: pkix.Name.String says "CN=release-bot".
	twoCNs := newCert(t, &x509.Certificate{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{cn("attacker"), cn("release-bot")}}})
	if got := twoCNs.Subject.String(); got != "CN=release-bot" {
		t.Fatalf("pkix.Name.String() = %q; the test no longer shows the ambiguity", got)
	}
	// CN before O in the encoding (Go's own templates put O first).
	cnFirst := newCert(t, &x509.Certificate{Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{cn("release-bot"), o}}})
	// One multi-valued RDN.
	multi := newCert(t, &x509.Certificate{RawSubject: mustMarshal(t, pkix.RDNSequence{{cn("release-bot"), o}})})
	runEval(t, []evalCase{
		{name: "repeated CN", p: policy.SubjectDN(policy.Exact("CN=release-bot")), in: certInput(twoCNs),
			wantReason: `subject "CN=release-bot,CN=attacker" does not match`},
		{name: "repeated CN regexp", p: policy.SubjectDN(mustRegexp(t, "CN=release-bot")), in: certInput(twoCNs),
			wantReason: `subject "CN=release-bot,CN=attacker" does not match`},
		{name: "repeated CN exact", p: policy.SubjectDN(policy.Exact("CN=release-bot,CN=attacker")), in: certInput(twoCNs)},
		{name: "encoded order", p: policy.SubjectDN(policy.Exact("O=Example Corp,CN=release-bot")), in: certInput(cnFirst)},
		{name: "canonical order", p: policy.SubjectDN(policy.Exact("CN=release-bot,O=Example Corp")), in: certInput(cnFirst),
			wantReason: `subject "O=Example Corp,CN=release-bot" does not match`},
		{name: "multi-valued", p: policy.SubjectDN(policy.Exact("CN=release-bot+O=Example Corp")), in: certInput(multi)},
		{name: "multi-valued split", p: policy.SubjectDN(policy.Exact("O=Example Corp,CN=release-bot")), in: certInput(multi),
			wantReason: `subject "CN=release-bot+O=Example Corp" does not match`},
	})
}

// plainKey is a public key type without an Equal method.
type plainKey struct{ b []byte }

func TestPublicKey(t *testing.T) {
	pub := testKey().Public()
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// A copy, not the same pointer: keys compare by value.
	pubCopy := *testKey().Public().(*ecdsa.PublicKey)
	cert := fulcioCert(t)

	runEval(t, []evalCase{
		{name: "trusted key", p: policy.PublicKey(pub), in: &policy.Input{PublicKey: pub}},
		{name: "equal key", p: policy.PublicKey(&pubCopy), in: &policy.Input{PublicKey: pub}},
		{name: "certificate key", p: policy.PublicKey(pub), in: certInput(cert)},
		{name: "ed25519", p: policy.PublicKey(edPub), in: &policy.Input{PublicKey: slices.Clone(edPub)}},

		{name: "different key", p: policy.PublicKey(other.Public()), in: &policy.Input{PublicKey: pub},
			wantReason: "signer used a different key"},
		{name: "different type", p: policy.PublicKey(edPub), in: &policy.Input{PublicKey: pub},
			wantReason: "signer used a different key"},
		{name: "certificate only", p: policy.PublicKey(pub), in: &policy.Input{Certificate: cert},
			wantReason: "signer used a different key"},
		{name: "nil input", p: policy.PublicKey(pub), in: nil,
			wantReason: "signer used a different key"},
		{name: "empty input", p: policy.PublicKey(pub), in: &policy.Input{},
			wantReason: "signer used a different key"},
		{name: "nil key", p: policy.PublicKey(nil), in: &policy.Input{PublicKey: pub},
			wantReason: "no key given"},
		{name: "typed nil key", p: policy.PublicKey((*ecdsa.PublicKey)(nil)), in: &policy.Input{PublicKey: pub},
			wantReason: "no key given"},
		{name: "empty ed25519 key", p: policy.PublicKey(ed25519.PublicKey{}), in: &policy.Input{PublicKey: ed25519.PublicKey{}},
			wantReason: "no key given"},
		{name: "key without Equal", p: policy.PublicKey(plainKey{[]byte{1}}), in: &policy.Input{PublicKey: plainKey{[]byte{1}}},
			wantReason: "key type policy_test.plainKey cannot be compared"},
	})
	if got, want := policy.PublicKey(pub).String(), "public-key(*ecdsa.PublicKey)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// Leaf policies for the combinator tests.
var (
	pass  = policy.Func("pass", func(*policy.Input) error { return nil })
	pass2 = policy.Func("pass2", func(*policy.Input) error { return nil })
	fail  = policy.Func("fail", func(*policy.Input) error { return errors.New("nope") })
	fail2 = policy.Func("fail2", func(*policy.Input) error { return errors.New("nope2") })
)

func TestAll(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	runEval(t, []evalCase{
		{name: "one", p: policy.All(pass), in: nil},
		{name: "two", p: policy.All(pass, pass2), in: nil},
		{name: "real", p: policy.All(policy.Identity(ghIssuer, ghSAN), policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo))), in: fulcio},

		{name: "first fails", p: policy.All(fail, pass), in: nil, wantPolicy: "func(fail)", wantReason: "nope"},
		{name: "last fails", p: policy.All(pass, fail), in: nil, wantPolicy: "func(fail)", wantReason: "nope"},
		{name: "first failure reported", p: policy.All(pass, fail2, fail), in: nil, wantPolicy: "func(fail2)", wantReason: "nope2"},
		{name: "real failure", p: policy.All(policy.Identity(ghIssuer, ghSAN), policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/evil/app"))), in: fulcio,
			wantPolicy: `extension(1.3.6.1.4.1.57264.1.12 "https://github.com/evil/app")`, wantReason: `value "` + ghRepo + `" does not match`},
		{name: "empty", p: policy.All(), in: fulcio, wantPolicy: "all()", wantReason: "no policies given"},
		{name: "empty slice", p: policy.All([]policy.Policy{}...), in: fulcio, wantReason: "no policies given"},
		{name: "nil member", p: policy.All(pass, nil), in: nil, wantPolicy: "all(func(pass), <nil>)", wantReason: "nil policy"},
		{name: "empty member", p: policy.All(pass, policy.Identity("", "")), in: fulcio,
			wantPolicy: `identity(issuer <empty>, san <empty>)`, wantReason: "empty matcher never matches"},
	})
}

func TestAny(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	runEval(t, []evalCase{
		{name: "one", p: policy.Any(pass), in: nil},
		{name: "first", p: policy.Any(pass, fail), in: nil},
		{name: "second", p: policy.Any(fail, pass), in: nil},
		{name: "nil member skipped", p: policy.Any(nil, pass), in: nil},
		{name: "empty member skipped", p: policy.Any(policy.Identity("", ""), policy.Identity(ghIssuer, ghSAN)), in: fulcio},
		{name: "real second identity", p: policy.Any(policy.Identity(ghIssuer, "https://github.com/acme/other"), policy.Identity(ghIssuer, ghSAN)), in: fulcio},

		{name: "none", p: policy.Any(fail, fail2), in: nil, wantPolicy: "at-least(1, func(fail), func(fail2))",
			wantReason: "0 of 2 passed, need 1: policy: func(fail): nope; policy: func(fail2): nope2"},
		{name: "only nil", p: policy.Any(nil), in: nil, wantPolicy: "at-least(1, <nil>)",
			wantReason: "0 of 1 passed, need 1: "},
		{name: "empty", p: policy.Any(), in: fulcio, wantPolicy: "at-least(1, )", wantReason: "no policies given"},
		{name: "only empty identities", p: policy.Any(policy.Identity("", ""), policy.Identity("", ghSAN)), in: fulcio,
			wantReason: "0 of 2 passed, need 1: policy: identity(issuer <empty>, san <empty>): empty matcher never matches; " +
				`policy: identity(issuer <empty>, san "` + ghSAN + `"): empty matcher never matches`},
	})
}

func TestAtLeast(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	identity := policy.Identity(ghIssuer, ghSAN)
	repo := policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(ghRepo))
	badRepo := policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/evil/app"))
	badDN := policy.SubjectDN(policy.Exact("CN=someone"))

	runEval(t, []evalCase{
		{name: "2 of 3", p: policy.AtLeast(2, pass, fail, pass2), in: nil},
		{name: "3 of 3", p: policy.AtLeast(3, pass, pass, pass2), in: nil},
		{name: "1 of 1", p: policy.AtLeast(1, pass), in: nil},
		{name: "real 2 of 3", p: policy.AtLeast(2, identity, badRepo, repo), in: fulcio},
		{name: "same policy twice counts twice", p: policy.AtLeast(2, pass, pass), in: nil},

		{name: "1 of 3 need 2", p: policy.AtLeast(2, fail, pass, fail2), in: nil,
			wantReason: "1 of 3 passed, need 2: policy: func(fail): nope; policy: func(fail2): nope2"},
		{name: "2 of 3 need 3", p: policy.AtLeast(3, pass, fail, pass2), in: nil,
			wantReason: "2 of 3 passed, need 3: policy: func(fail): nope"},
		{name: "nil counts as failure", p: policy.AtLeast(2, pass, nil), in: nil,
			wantReason: "1 of 2 passed, need 2: "},
		{name: "real 1 of 3 need 2", p: policy.AtLeast(2, identity, badRepo, badDN), in: fulcio,
			wantReason: "1 of 3 passed, need 2: " + badRepo.Evaluate(fulcio).Error() + "; " + badDN.Evaluate(fulcio).Error()},
	})

	if got, want := policy.AtLeast(2, pass, fail).String(), "at-least(2, func(pass), func(fail))"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestAtLeastBounds checks that an AtLeast whose n is out of range rejects
// every input, even one all its policies pass, and is misconfigured under Not.
func TestAtLeastBounds(t *testing.T) {
	const misconfigured = "inner policy is misconfigured: "
	var cases []evalCase
	for _, tt := range []struct {
		n      int
		ps     []policy.Policy
		reason string
	}{
		{0, []policy.Policy{pass}, "n = 0 is not between 1 and 1, the number of policies"},
		{-1, []policy.Policy{pass}, "n = -1 is not between 1 and 1, the number of policies"},
		{2, []policy.Policy{pass}, "n = 2 is not between 1 and 1, the number of policies"},
		{1, nil, "no policies given"},
		{0, nil, "no policies given"},
	} {
		name := fmt.Sprintf("%d of %d", tt.n, len(tt.ps))
		cases = append(cases,
			evalCase{name: name, p: policy.AtLeast(tt.n, tt.ps...), in: nil, wantReason: tt.reason},
			evalCase{name: "not " + name, p: policy.Not(policy.AtLeast(tt.n, tt.ps...)), in: nil, wantReason: misconfigured + tt.reason})
	}
	runEval(t, cases)
}

func TestNot(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	key := &policy.Input{PublicKey: testKey().Public()}
	const misconfigured = "inner policy is misconfigured: "

	runEval(t, []evalCase{
		{name: "inner fails", p: policy.Not(fail), in: nil},
		{name: "excluded identity", p: policy.Not(policy.Identity(ghIssuer, "https://github.com/acme/other")), in: fulcio},
		{name: "double negation", p: policy.Not(policy.Not(pass)), in: nil},
		{name: "all fails", p: policy.Not(policy.All(pass, fail)), in: nil},
		{name: "any fails", p: policy.Not(policy.Any(fail, fail2)), in: nil},
		{name: "key-only signer is not an identity", p: policy.Not(policy.Identity(ghIssuer, ghSAN)), in: key},

		{name: "inner passes", p: policy.Not(pass), in: nil, wantReason: "inner policy passed"},
		{name: "identity matches", p: policy.Not(policy.Identity(ghIssuer, ghSAN)), in: fulcio, wantReason: "inner policy passed"},
		{name: "any signer", p: policy.Not(policy.UnsafeAnySigner()), in: fulcio, wantReason: "inner policy passed"},
		{name: "double negation fails", p: policy.Not(policy.Not(fail)), in: nil, wantReason: "inner policy passed"},
		{name: "any passes", p: policy.Not(policy.Any(fail, pass)), in: nil, wantReason: "inner policy passed"},

		// A policy that can never pass must not turn into one that always
		// passes under Not.
		{name: "nil", p: policy.Not(nil), in: fulcio, wantPolicy: "not(<nil>)", wantReason: misconfigured + "nil policy"},
		{name: "empty identity", p: policy.Not(policy.Identity("", "")), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "empty san", p: policy.Not(policy.Identity(ghIssuer, "")), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "zero matcher", p: policy.Not(policy.IdentityMatch(policy.Matcher{}, policy.Exact(ghSAN))), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "empty extension", p: policy.Not(policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(""))), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "empty subject", p: policy.Not(policy.SubjectDN(policy.Exact(""))), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "nil key", p: policy.Not(policy.PublicKey(nil)), in: key, wantReason: misconfigured + "no key given"},
		{name: "nil func", p: policy.Not(policy.Func("f", nil)), in: fulcio, wantReason: misconfigured + "nil function"},
		{name: "empty all", p: policy.Not(policy.All()), in: fulcio, wantReason: misconfigured + "no policies given"},
		{name: "empty any", p: policy.Not(policy.Any()), in: fulcio, wantReason: misconfigured + "no policies given"},
		{name: "nested in all", p: policy.Not(policy.All(fail, policy.Identity("", ""))), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
		{name: "nested in any", p: policy.Not(policy.Any(fail, nil)), in: fulcio, wantReason: misconfigured + "nil policy"},
		{name: "nested in at-least", p: policy.Not(policy.AtLeast(1, fail, policy.Func("f", nil))), in: fulcio, wantReason: misconfigured + "nil function"},
		{name: "double negation of empty", p: policy.Not(policy.Not(policy.Identity("", ""))), in: fulcio, wantReason: misconfigured + "empty matcher never matches"},
	})

	if got, want := policy.Not(pass).String(), "not(func(pass))"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestFunc(t *testing.T) {
	fulcio := certInput(fulcioCert(t))
	var got *policy.Input
	record := policy.Func("record", func(in *policy.Input) error { got = in; return nil })
	checkEval(t, record, fulcio, "", "")
	if got != fulcio {
		t.Errorf("Func got input %p, want %p", got, fulcio)
	}

	sentinel := errors.New("sentinel")
	runEval(t, []evalCase{
		{name: "pass", p: pass, in: nil},
		{name: "extension check", p: policy.Func("trigger", func(in *policy.Input) error {
			if v, _ := policy.ExtensionValue(in.Certificate, policy.OIDGitHubWorkflowTrigger); v != ghTrigger {
				return errors.New("wrong trigger")
			}
			return nil
		}), in: fulcio},
		{name: "key-only input reaches f", p: policy.Func("trigger", func(in *policy.Input) error {
			if _, ok := policy.ExtensionValue(in.Certificate, policy.OIDGitHubWorkflowTrigger); !ok {
				return errors.New("no trigger")
			}
			return nil
		}), in: &policy.Input{PublicKey: testKey().Public()}, wantReason: "no trigger"},
		{name: "fail", p: fail, in: nil, wantPolicy: "func(fail)", wantReason: "nope"},
		{name: "wrapped error text", p: policy.Func("w", func(*policy.Input) error { return errors.Join(sentinel, errors.New("more")) }), in: nil,
			wantReason: "sentinel\nmore"},
		{name: "nil func", p: policy.Func("nil", nil), in: fulcio, wantPolicy: "func(nil)", wantReason: "nil function"},
		{name: "empty name", p: policy.Func("", func(*policy.Input) error { return sentinel }), in: nil, wantPolicy: "func()", wantReason: "sentinel"},
	})
}

func TestUnsafeAnySigner(t *testing.T) {
	p := policy.UnsafeAnySigner()
	for _, in := range []*policy.Input{
		certInput(fulcioCert(t)),
		{PublicKey: testKey().Public()},
		nil,
	} {
		checkEval(t, p, in, "", "")
	}
	if got, want := p.String(), "unsafe-any-signer"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestViolationError(t *testing.T) {
	err := error(&policy.ViolationError{Policy: "p", Reason: "r"})
	if got, want := err.Error(), "policy: p: r"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestIssuerClaim(t *testing.T) {
	tests := []struct {
		name   string
		cert   *x509.Certificate
		want   string
		wantOK bool
	}{
		{"both", fulcioCert(t), ghIssuer, true},
		{"v2 only", newCert(t, &x509.Certificate{}, utf8Ext(t, policy.OIDIssuerV2, "https://v2.example")), "https://v2.example", true},
		{"v1 only", newCert(t, &x509.Certificate{}, rawExt(policy.OIDIssuerV1, "https://v1.example")), "https://v1.example", true},
		{"v2 preferred", newCert(t, &x509.Certificate{},
			rawExt(policy.OIDIssuerV1, "https://v1.example"),
			utf8Ext(t, policy.OIDIssuerV2, "https://v2.example")), "https://v2.example", true},
		{"v2 preferred when listed last", newCert(t, &x509.Certificate{},
			utf8Ext(t, policy.OIDIssuerV2, "https://v2.example"),
			rawExt(policy.OIDIssuerV1, "https://v1.example")), "https://v2.example", true},
		{"malformed v2 not replaced by v1", newCert(t, &x509.Certificate{},
			rawExt(policy.OIDIssuerV1, "https://v1.example"),
			rawExt(policy.OIDIssuerV2, "https://v2.example")), "", false},
		{"v1 not UTF-8", newCert(t, &x509.Certificate{}, rawExt(policy.OIDIssuerV1, "\xff")), "", false},
		{"v1 DER is raw", newCert(t, &x509.Certificate{}, utf8Ext(t, policy.OIDIssuerV1, "x")), "\x0c\x01x", true},
		{"none", newCert(t, &x509.Certificate{}), "", false},
		{"nil", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := policy.IssuerClaim(tt.cert)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("IssuerClaim() = %q, %v, want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestExtensionValue(t *testing.T) {
	der := func(tag byte, v string) []byte { return append([]byte{tag, byte(len(v))}, v...) }
	tests := []struct {
		name   string
		oid    asn1.ObjectIdentifier
		value  []byte
		want   string
		wantOK bool
	}{
		{"v2 utf8", policy.OIDSourceRepositoryURI, der(asn1.TagUTF8String, ghRepo), ghRepo, true},
		{"v2 empty utf8", policy.OIDSourceRepositoryURI, der(asn1.TagUTF8String, ""), "", true},
		{"v2 non-ASCII", policy.OIDSourceRepositoryRef, der(asn1.TagUTF8String, "refs/heads/ünïcode"), "refs/heads/ünïcode", true},
		{"v2 raw", policy.OIDSourceRepositoryURI, []byte(ghRepo), "", false},
		{"v2 trailing data", policy.OIDSourceRepositoryURI, append(der(asn1.TagUTF8String, "a"), 0), "", false},
		{"v2 truncated", policy.OIDSourceRepositoryURI, der(asn1.TagUTF8String, "abc")[:3], "", false},
		{"v2 invalid UTF-8", policy.OIDSourceRepositoryURI, der(asn1.TagUTF8String, "\xff"), "", false},
		{"v2 integer", policy.OIDSourceRepositoryURI, []byte{asn1.TagInteger, 1, 1}, "", false},
		{"v2 empty value", policy.OIDSourceRepositoryURI, nil, "", false},
		{"legacy raw", policy.OIDGitHubWorkflowSHA, []byte("c7b3dfb335f051e1c86bda4c716fac97df62ad81"), "c7b3dfb335f051e1c86bda4c716fac97df62ad81", true},
		{"legacy empty", policy.OIDGitHubWorkflowRepository, nil, "", true},
		{"legacy invalid UTF-8", policy.OIDGitHubWorkflowRepository, []byte{0xc3}, "", false},
		{"legacy .6 raw", policy.OIDGitHubWorkflowRef, der(asn1.TagUTF8String, "x"), "\x0c\x01x", true},
		{"unassigned oid is DER", oidUnassigned, der(asn1.TagUTF8String, "x"), "x", true},
		{"longer oid is not legacy", append(slices.Clone(policy.OIDIssuerV1), 1), der(asn1.TagUTF8String, "x"), "x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Through a real certificate, which crypto/x509 accepts whatever
			// the extension's value.
			c := newCert(t, &x509.Certificate{}, pkix.Extension{Id: tt.oid, Value: tt.value})
			got, ok := policy.ExtensionValue(c, tt.oid)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ExtensionValue() = %q, %v, want %q, %v", got, ok, tt.want, tt.wantOK)
			}
			if _, ok := policy.ExtensionValue(c, policy.OIDDeploymentEnvironment); ok {
				t.Errorf("ExtensionValue() found an extension the certificate lacks")
			}
		})
	}
	if got, ok := policy.ExtensionValue(nil, policy.OIDIssuerV2); got != "" || ok {
		t.Errorf("ExtensionValue(nil) = %q, %v, want \"\", false", got, ok)
	}
}

func TestSubjectAlternativeNames(t *testing.T) {
	u := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	onDER := func(names ...asn1.RawValue) *x509.Certificate {
		return newCert(t, &x509.Certificate{}, pkix.Extension{Id: oidSAN, Critical: true, Value: sanDER(t, names...)})
	}
	tests := []struct {
		name string
		cert *x509.Certificate
		want []string
	}{
		{"fulcio", fulcioCert(t), []string{ghSAN, ghEmail, ghDNS}},
		{"only othername", otherNameCert(t), []string{otherNameSAN}},
		{"order", newCert(t, &x509.Certificate{
			DNSNames: []string{"b.example"}, EmailAddresses: []string{"a@example.com"},
			URIs: []*url.URL{u("https://example.com/1"), u("spiffe://example.com/2")},
		}), []string{"https://example.com/1", "spiffe://example.com/2", "a@example.com", "b.example"}},
		{"mixed with othername", onDER(
			otherName(t, policy.OIDOtherName, "first!oidc.local"),
			generalName(6, "https://example.com/u"),
			generalName(1, "a@example.com"),
			generalName(2, "b.example"),
			otherName(t, policy.OIDOtherName, "second!oidc.local"),
		), []string{"https://example.com/u", "a@example.com", "b.example", "first!oidc.local", "second!oidc.local"}},
		{"other othername type ignored", onDER(
			otherName(t, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}, "upn@example.com"),
			otherName(t, policy.OIDOtherName, "foo!oidc.local"),
		), []string{"foo!oidc.local"}},
		{"othername non-ASCII", onDER(otherName(t, policy.OIDOtherName, "ünï!oidc.local")), []string{"ünï!oidc.local"}},
		{"othername with integer value ignored", onDER(asn1.RawValue{
			Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true,
			Bytes: append(mustMarshal(t, policy.OIDOtherName), mustMarshal(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustMarshal(t, 7)})...),
		}), nil},
		{"none", newCert(t, &x509.Certificate{}), nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := policy.SubjectAlternativeNames(tt.cert); !slices.Equal(got, tt.want) {
				t.Errorf("SubjectAlternativeNames() = %q, want %q", got, tt.want)
			}
		})
	}
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestOtherNamesMalformed feeds SAN extension values that crypto/x509 would
// reject straight to SubjectAlternativeNames: no otherName may be reported.
func TestOtherNamesMalformed(t *testing.T) {
	good := sanDER(t, otherName(t, policy.OIDOtherName, otherNameSAN))
	tests := map[string][]byte{
		"empty":            nil,
		"truncated":        good[:len(good)-1],
		"trailing data":    append(slices.Clone(good), 0),
		"set not sequence": append([]byte{0x31}, good[1:]...),
		"context tag 16":   append([]byte{0xb0}, good[1:]...),
		"primitive":        append([]byte{0x10}, good[1:]...),
		"bad inner length": {0x30, 0x03, 0xa0, 0x05, 0x00},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			c := &x509.Certificate{Extensions: []pkix.Extension{{Id: oidSAN, Value: v}}}
			if got := policy.SubjectAlternativeNames(c); len(got) != 0 {
				t.Errorf("SubjectAlternativeNames() = %q, want none", got)
			}
		})
	}
	c := &x509.Certificate{Extensions: []pkix.Extension{{Id: oidSAN, Value: good}}}
	if got := policy.SubjectAlternativeNames(c); !slices.Equal(got, []string{otherNameSAN}) {
		t.Errorf("SubjectAlternativeNames(well formed) = %q, want [%q]", got, otherNameSAN)
	}
}

func TestRealFulcioCertificates(t *testing.T) {
	happy := bundleCert(t, happyPathBundle)
	other := bundleCert(t, otherNameBundle)

	t.Run("helpers", func(t *testing.T) {
		for _, tt := range []struct {
			cert *x509.Certificate
			oid  asn1.ObjectIdentifier
			want string
		}{
			{happy, policy.OIDIssuerV2, happyIssuer},
			{happy, policy.OIDIssuerV1, happyIssuer},
			{happy, policy.OIDGitHubWorkflowTrigger, "workflow_dispatch"},
			{happy, policy.OIDGitHubWorkflowSHA, "c7b3dfb335f051e1c86bda4c716fac97df62ad81"},
			{happy, policy.OIDGitHubWorkflowName, "Extremely dangerous OIDC beacon"},
			{happy, policy.OIDGitHubWorkflowRepository, "sigstore-conformance/extremely-dangerous-public-oidc-beacon"},
			{happy, policy.OIDGitHubWorkflowRef, "refs/heads/main"},
			{happy, policy.OIDBuildSignerURI, happySAN},
			{happy, policy.OIDRunnerEnvironment, "github-hosted"},
			{happy, policy.OIDSourceRepositoryURI, happyRepo},
			{happy, policy.OIDSourceRepositoryRef, "refs/heads/main"},
			{happy, policy.OIDSourceRepositoryIdentifier, "632596897"},
			{happy, policy.OIDSourceRepositoryOwnerURI, "https://github.com/sigstore-conformance"},
			{happy, policy.OIDBuildTrigger, "workflow_dispatch"},
			{happy, policy.OIDRunInvocationURI, happyRepo + "/actions/runs/8347481628/attempts/1"},
			{happy, policy.OIDSourceRepositoryVisibilityAtSigning, "public"},
			{other, policy.OIDIssuerV2, otherNameIssuer},
			{other, policy.OIDIssuerV1, otherNameIssuer},
		} {
			if got, ok := policy.ExtensionValue(tt.cert, tt.oid); !ok || got != tt.want {
				t.Errorf("ExtensionValue(%v) = %q, %v, want %q, true", tt.oid, got, ok, tt.want)
			}
		}
		if _, ok := policy.ExtensionValue(happy, policy.OIDDeploymentEnvironment); ok {
			t.Errorf("ExtensionValue(OIDDeploymentEnvironment) found an extension the certificate lacks")
		}
		if got, ok := policy.IssuerClaim(happy); !ok || got != happyIssuer {
			t.Errorf("IssuerClaim(happy) = %q, %v, want %q, true", got, ok, happyIssuer)
		}
		if got, ok := policy.IssuerClaim(other); !ok || got != otherNameIssuer {
			t.Errorf("IssuerClaim(othername) = %q, %v, want %q, true", got, ok, otherNameIssuer)
		}
		if got := policy.SubjectAlternativeNames(happy); !slices.Equal(got, []string{happySAN}) {
			t.Errorf("SubjectAlternativeNames(happy) = %q, want [%q]", got, happySAN)
		}
		if got := policy.SubjectAlternativeNames(other); !slices.Equal(got, []string{otherNameSAN}) {
			t.Errorf("SubjectAlternativeNames(othername) = %q, want [%q]", got, otherNameSAN)
		}
	})

	happyIn, otherIn := certInput(happy), certInput(other)
	runEval(t, []evalCase{
		{name: "happy identity", p: policy.Identity(happyIssuer, happySAN), in: happyIn},
		{name: "happy regexp", p: policy.IdentityMatch(policy.Exact(happyIssuer), mustRegexp(t, `https://github\.com/sigstore-conformance/.+@refs/heads/main`)), in: happyIn},
		{name: "happy extension", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(happyRepo)), in: happyIn},
		{name: "happy key", p: policy.PublicKey(happy.PublicKey), in: happyIn},
		{name: "othername identity", p: policy.Identity(otherNameIssuer, otherNameSAN), in: otherIn},

		{name: "happy repo is not the identity", p: policy.Identity(happyIssuer, happyRepo), in: happyIn,
			wantReason: `subject alternative names ["` + happySAN + `"] do not match`},
		{name: "happy regexp is anchored", p: policy.IdentityMatch(policy.Exact(happyIssuer), mustRegexp(t, happyRepo)), in: happyIn,
			wantReason: `subject alternative names ["` + happySAN + `"] do not match`},
		{name: "happy wrong issuer", p: policy.Identity(otherNameIssuer, happySAN), in: happyIn,
			wantReason: `issuer "` + happyIssuer + `" does not match`},
		{name: "happy not ref tags", p: policy.Extension(policy.OIDSourceRepositoryRef, mustRegexp(t, "refs/tags/.*")), in: happyIn,
			wantReason: `value "refs/heads/main" does not match`},
		{name: "othername key is not happy key", p: policy.PublicKey(happy.PublicKey), in: otherIn,
			wantReason: "signer used a different key"},
		{name: "othername prefix", p: policy.Identity(otherNameIssuer, "foo"), in: otherIn,
			wantReason: `subject alternative names ["foo!oidc.local"] do not match`},
		{name: "othername lacks repo", p: policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact(happyRepo)), in: otherIn,
			wantReason: "certificate lacks the extension"},
	})
}

// TestConcurrent evaluates shared policies from many goroutines (run with
// -race).
func TestConcurrent(t *testing.T) {
	in := certInput(fulcioCert(t))
	p := policy.All(
		policy.IdentityMatch(policy.Exact(ghIssuer), mustRegexp(t, `https://github\.com/acme/.+`)),
		policy.Not(policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/evil/app"))),
		policy.PublicKey(testKey().Public()),
	)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if err := p.Evaluate(in); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

var _ crypto.PublicKey = plainKey{}

// TestImmutable checks that policies keep their own copies of what they are
// built from, and that the package does not depend on its exported OID
// variables keeping their values.
func TestImmutable(t *testing.T) {
	in := certInput(fulcioCert(t))

	ps := []policy.Policy{fail}
	all, anyOf, atLeast := policy.All(ps...), policy.Any(ps...), policy.AtLeast(1, ps...)
	ps[0] = policy.UnsafeAnySigner()
	for _, p := range []policy.Policy{all, anyOf, atLeast} {
		var v *policy.ViolationError
		if err := p.Evaluate(in); !errors.As(err, &v) || !strings.Contains(v.Error(), "nope") {
			t.Errorf("%s after changing its arguments: got %v, want the failure of func(fail)", p, err)
		}
	}

	oid := slices.Clone(policy.OIDSourceRepositoryURI)
	ext := policy.Extension(oid, policy.Exact(ghRepo))
	oid[8] = 99
	checkEval(t, ext, in, "", "")

	on := otherNameCert(t)
	saved := slices.Clone(policy.OIDIssuerV2)
	savedOther := slices.Clone(policy.OIDOtherName)
	defer func() {
		copy(policy.OIDIssuerV2, saved)
		copy(policy.OIDOtherName, savedOther)
	}()
	policy.OIDIssuerV2[8] = 12 // a caller's aliasing bug
	policy.OIDOtherName[8] = 99
	if got, ok := policy.IssuerClaim(in.Certificate); !ok || got != ghIssuer {
		t.Errorf("IssuerClaim() after writing to OIDIssuerV2 = %q, %v, want %q, true", got, ok, ghIssuer)
	}
	if got := policy.SubjectAlternativeNames(on); !slices.Equal(got, []string{otherNameSAN}) {
		t.Errorf("SubjectAlternativeNames() after writing to OIDOtherName = %q, want [%q]", got, otherNameSAN)
	}
}
