package bundle_test

import (
	"bytes"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

// checkEncoding fails unless MarshalJSON writes what protojson.Marshal and
// json.Compact write for the same bundle.
func checkEncoding(t testing.TB, name string, b *bundle.Bundle) {
	t.Helper()
	got, err := b.MarshalJSON()
	if err != nil {
		t.Fatalf("%s: MarshalJSON: %v", name, err)
	}
	want, err := bundle.ProtojsonEncoding(b)
	if err != nil {
		t.Fatalf("%s: protojson: %v", name, err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: MarshalJSON differs from protojson at byte %d:\n got %.120q\nwant %.120q", name, i, got[i:], want[i:])
	}
}

// TestMarshalJSONMatchesProtojson holds sigil's encoder to protojson over
// every bundle of the corpus (all versions, kinds and material) and the
// seed corpus of FuzzParse.
func TestMarshalJSONMatchesProtojson(t *testing.T) {
	n := 0
	for _, rel := range corpusBundles(t) {
		data := readCorpus(t, rel)
		b, err := bundle.Parse(data)
		if err != nil {
			continue // the corpus holds malformed bundles too
		}
		checkEncoding(t, rel, b)
		n++
	}
	if n < 150 {
		t.Fatalf("only %d corpus bundles parsed", n)
	}
	// Strings that need escaping, and bytes of every length modulo 3.
	m := decode(t, baseDSSE)
	env := at(t, m, "dsseEnvelope")
	for _, pt := range []string{"a\"b\\c\x00\x01\x1f\x7f\t\n\r\b\f", "é\u2028\u2029\ufffd😀", "<>&"} {
		env["payloadType"] = pt
		for _, payload := range []string{"", "QQ==", "QUI=", "QUJD"} {
			if payload == "" {
				delete(env, "payload")
			} else {
				env["payload"] = payload
			}
			b, err := bundle.Parse(encode(t, m))
			if err != nil {
				t.Fatalf("payloadType %q payload %q: %v", pt, payload, err)
			}
			checkEncoding(t, pt, b)
		}
	}
}

// BenchmarkMarshalJSON encodes a public-good message-signature bundle and a
// DSSE bundle. protojson is the floor it replaced: the same bytes through
// protojson.Marshal and json.Compact.
func BenchmarkMarshalJSON(b *testing.B) {
	for _, c := range []struct{ name, rel string }{
		{"message", "real-bundles/sigstore-python/bundle.txt.sigstore"},
		{"dsse", "real-bundles/sigstore-js/bundleV03-dsse.sigstore"},
	} {
		bd := parseCorpus(b, c.rel)
		b.Run(c.name+"/sigil", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bd.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/protojson", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bundle.ProtojsonEncoding(bd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
