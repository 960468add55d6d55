package rekor

import (
	"encoding/json"
	"testing"
)

// BenchmarkParseBody parses a recorded Rekor v2 hashedrekord 0.0.2 body
// with a Fulcio certificate (the seed corpus's) with ParseBody (its
// canonical fast path) and with encoding/json (decodeBody, the path any
// other body takes), beside a floor: one encoding/json validation pass
// over the same bytes (json.Valid).
func BenchmarkParseBody(b *testing.B) {
	kind, version, body := readSeed(b, "testdata/fuzz/FuzzParseBody/a623a8bdc1d08051")
	b.Run("floor-json-valid", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !json.Valid(body) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("hashedrekord-0.0.2", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := ParseBody(kind, version, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hashedrekord-0.0.2-encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeBody(kind, version, body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
