package policy_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/sigil-dev/sigil/policy"
)

// sanSeeds are SubjectAltName extension values: those of the real Fulcio
// certificates in ../testdata and hand-built ones.
func sanSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		sanDER(f, otherName(f, policy.OIDOtherName, otherNameSAN)),
		sanDER(f,
			generalName(6, "https://example.com/u"),
			generalName(1, "a@example.com"),
			generalName(2, "b.example"),
			otherName(f, policy.OIDOtherName, "x!oidc.local"),
			otherName(f, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}, "upn@example.com"),
		),
		{0x30, 0x00},
		{0x30, 0x03, 0xa0, 0x05, 0x00},
	}
	for _, path := range []string{happyPathBundle, otherNameBundle} {
		c := bundleCert(f, path)
		for _, e := range c.Extensions {
			if e.Id.Equal(oidSAN) {
				seeds = append(seeds, e.Value)
			}
		}
	}
	return seeds
}

// FuzzSubjectAlternativeNames feeds arbitrary SubjectAltName extension values
// to the otherName parser. It must not panic, must return valid UTF-8, and
// must be deterministic.
func FuzzSubjectAlternativeNames(f *testing.F) {
	for _, s := range sanSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		c := &x509.Certificate{Extensions: []pkix.Extension{{Id: oidSAN, Value: value}}}
		got := policy.SubjectAlternativeNames(c)
		for _, s := range got {
			if !utf8.ValidString(s) {
				t.Errorf("SubjectAlternativeNames() returned invalid UTF-8 %q", s)
			}
		}
		if again := policy.SubjectAlternativeNames(c); !slices.Equal(got, again) {
			t.Errorf("SubjectAlternativeNames() = %q, then %q", got, again)
		}
		// Identity must judge these names without panicking either.
		in := &policy.Input{Certificate: c}
		_ = policy.Identity("https://issuer.example", otherNameSAN).Evaluate(in)
	})
}

// FuzzExtensionValue feeds arbitrary values of Fulcio extension 1.3.6.1.4.1.
// 57264.1.arc to ExtensionValue and IssuerClaim. Legacy extensions (.1 to .6)
// must come back as their raw bytes exactly when those are valid UTF-8; later
// ones only as valid UTF-8.
func FuzzExtensionValue(f *testing.F) {
	for _, arc := range []uint8{1, 6, 7, 8, 12, 99} {
		f.Add(arc, []byte("https://token.actions.githubusercontent.com"))
		f.Add(arc, []byte("\x0c\x2bhttps://token.actions.githubusercontent.com"))
	}
	f.Add(uint8(8), []byte{0x0c, 0x00})
	f.Add(uint8(8), []byte{0x13, 0x01, 'a'})
	f.Add(uint8(8), []byte{0x0c, 0x81, 0x01, 'a'})
	f.Add(uint8(1), []byte{0xff})
	happy := bundleCert(f, happyPathBundle)
	for _, e := range happy.Extensions {
		if len(e.Id) == 9 && e.Id[:8].Equal(policy.OIDIssuerV2[:8]) {
			f.Add(uint8(e.Id[8]), e.Value)
		}
	}
	f.Fuzz(func(t *testing.T, arc uint8, value []byte) {
		oid := slices.Clone(policy.OIDIssuerV2)
		oid[8] = int(arc)
		c := &x509.Certificate{Extensions: []pkix.Extension{{Id: oid, Value: value}}}
		got, ok := policy.ExtensionValue(c, oid)
		if arc >= 1 && arc <= 6 {
			if ok != utf8.Valid(value) || (ok && got != string(value)) {
				t.Errorf("legacy ExtensionValue(.%d, %q) = %q, %v", arc, value, got, ok)
			}
		} else if ok && !utf8.ValidString(got) {
			t.Errorf("ExtensionValue(.%d, %q) = invalid UTF-8 %q", arc, value, got)
		}
		if !ok && got != "" {
			t.Errorf("ExtensionValue(.%d, %q) = %q with ok false", arc, value, got)
		}
		iss, issOK := policy.IssuerClaim(c)
		switch arc {
		case 1, 8:
			if iss != got || issOK != ok {
				t.Errorf("IssuerClaim() = %q, %v, ExtensionValue = %q, %v", iss, issOK, got, ok)
			}
		default:
			if issOK {
				t.Errorf("IssuerClaim() = %q from extension .%d", iss, arc)
			}
		}
		if _, ok := policy.ExtensionValue(c, policy.OIDDeploymentEnvironment[:8]); ok {
			t.Errorf("ExtensionValue matched an OID prefix")
		}
	})
}
