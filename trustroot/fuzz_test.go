package trustroot_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/sigil-dev/sigil/trustroot"
)

// FuzzParseJSON checks that ParseJSON never panics, that every error it
// returns wraps ErrMalformed, and that every root it accepts keeps the
// promises of the package documentation, VerifyChain's included. The seed corpus in
// testdata/fuzz/FuzzParseJSON holds real trusted roots and a client trust
// config.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		"",
		"{}",
		"null",
		`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`,
		`{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json","trustedRoot":{"mediaType":"application/vnd.dev.sigstore.trustedroot.v0.2+json"},"signingConfig":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := trustroot.ParseJSON(data)
		if err != nil {
			if !errors.Is(err, trustroot.ErrMalformed) {
				t.Fatalf("ParseJSON error %v does not wrap ErrMalformed", err)
			}
			if r != nil {
				t.Fatalf("ParseJSON returned a root with error %v", err)
			}
			return
		}
		if err := checkInvariants(r); err != nil {
			t.Fatal(err)
		}
		for _, l := range r.TransparencyLogs() {
			if _, ok := r.TransparencyLogByID(l.LogID); !ok {
				t.Fatalf("TransparencyLogByID(%x) not found", l.LogID)
			}
		}
		for _, l := range r.CTLogs() {
			if _, ok := r.CTLogByID(l.LogID); !ok {
				t.Fatalf("CTLog(%x) not found", l.LogID)
			}
		}
		// The chains' links, left to first use, are checked once.
		for _, ca := range slices.Concat(r.CertificateAuthorities(), r.TimestampAuthorities()) {
			err := ca.VerifyChain()
			if err != nil && !errors.Is(err, trustroot.ErrMalformed) {
				t.Fatalf("VerifyChain error %v does not wrap ErrMalformed", err)
			}
			if again := ca.VerifyChain(); again != err {
				t.Fatalf("VerifyChain answered %v, then %v", err, again)
			}
		}
	})
}
