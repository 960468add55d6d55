// Package jsonedit edits JSON documents as generic values, for tests that
// mutate real bundles and trusted roots field by field: decode, walk to an
// object, change it, encode. Numbers stay json.Number, so a document that
// is decoded and encoded unchanged keeps its integers exact.
package jsonedit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Decode decodes a JSON object, failing t if data is not one.
func Decode(t testing.TB, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Encode encodes m, failing t on error.
func Encode(t testing.TB, m map[string]any) []byte {
	t.Helper()
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// At walks v along path (object keys and array indices) and returns the
// object found there, failing t if there is none.
func At(t testing.TB, v any, path ...any) map[string]any {
	t.Helper()
	for i, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object", path[:i])
			}
			v = m[p]
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				t.Fatalf("%v: not an array with index %d", path[:i], p)
			}
			v = a[p]
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%v: not an object", path)
	}
	return m
}
