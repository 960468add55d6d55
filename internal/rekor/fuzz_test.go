package rekor

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParseBody: ParseBody never panics; every error wraps ErrMalformed; a
// parsed body has at least one signature with a verifier, and a digest of
// the right size for its algorithm.
func FuzzParseBody(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind, version string, body []byte) {
		b, err := ParseBody(kind, version, body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if len(b.Signatures) == 0 {
			t.Fatal("parsed body without signatures")
		}
		for _, s := range b.Signatures {
			if len(s.Verifier.DER) == 0 {
				t.Fatal("signature without verifier")
			}
		}
		for _, d := range []Digest{b.Data, b.PayloadHash} {
			if d.Alg != 0 && len(d.Value) != d.Alg.Size() {
				t.Fatalf("digest of %d bytes for %v", len(d.Value), d.Alg)
			}
		}
	})
}

// FuzzCanonicalV2 is the differential check of ParseBody's fast path:
// whatever body parseCanonicalV2 recognises, encoding/json (decodeBody)
// decodes to the same Body, or rejects too.
func FuzzCanonicalV2(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind string, body []byte) {
		fast, ok, err := parseCanonicalV2(kind, body)
		if !ok {
			if fast != nil || err != nil {
				t.Fatalf("not recognised, yet %v, %v", fast, err)
			}
			return
		}
		slow, slowErr := decodeBody(kind, "0.0.2", body)
		if (err == nil) != (slowErr == nil) {
			t.Fatalf("fast path: %v; encoding/json: %v", err, slowErr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast path %+v, encoding/json %+v", fast, slow)
		}
	})
}
