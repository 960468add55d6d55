package bundle_test

import (
	"errors"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

// FuzzParse checks that Parse never panics, that every error it returns
// wraps ErrMalformed, and that every bundle it accepts survives
// MarshalJSON → Parse unchanged, with a stable encoding that is byte for
// byte protojson's (a differential check of encode.go). The seed corpus in
// testdata/fuzz/FuzzParse holds real bundles of every version and kind.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"{}",
		"null",
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`,
		`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"messageSignature":{"signature":"AA=="}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := bundle.Parse(data)
		if err != nil {
			if !errors.Is(err, bundle.ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			if b != nil {
				t.Fatalf("Parse returned a bundle with error %v", err)
			}
			return
		}
		if err := roundTrip(b); err != nil {
			t.Fatal(err)
		}
		checkEncoding(t, "input", b)
	})
}
