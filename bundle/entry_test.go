package bundle_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../scripts/services/samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate decodes a JSON object, lets f change it and encodes it again.
func mutate(t *testing.T, data []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseTlogEntry(t *testing.T) {
	for _, name := range []string{"rekor2-response.json", "rekor2-pubkey-response.json"} {
		data := readSample(t, name)
		e, err := bundle.ParseTlogEntry(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.Kind != "hashedrekord" || e.KindVersion != "0.0.2" || e.Proof == nil || len(e.Proof.Checkpoint) == 0 || len(e.LogID) != 32 || e.SET != nil {
			t.Fatalf("%s: %+v", name, e)
		}
		// A field the parser does not know is ignored: a log may add one.
		extra := mutate(t, data, func(m map[string]any) { m["somethingNew"] = 1 })
		if _, err := bundle.ParseTlogEntry(extra); err != nil {
			t.Errorf("%s with an unknown field: %v", name, err)
		}
	}
	good := readSample(t, "rekor2-response.json")
	proof := func(m map[string]any) map[string]any { return m["inclusionProof"].(map[string]any) }
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"no proof", "without inclusion proof", mutate(t, good, func(m map[string]any) { delete(m, "inclusionProof") })},
		{"no checkpoint", "without checkpoint", mutate(t, good, func(m map[string]any) { delete(proof(m), "checkpoint") })},
		{"short root hash", "root hash of 3 bytes", mutate(t, good, func(m map[string]any) { proof(m)["rootHash"] = "AAAA" })},
		{"index outside tree", "outside tree", mutate(t, good, func(m map[string]any) { proof(m)["logIndex"] = "7"; proof(m)["treeSize"] = "7" })},
		{"no body", "missing canonicalized body", mutate(t, good, func(m map[string]any) { delete(m, "canonicalizedBody") })},
		{"no kind", "missing kind and version", mutate(t, good, func(m map[string]any) { delete(m, "kindVersion") })},
		{"no log ID", "log ID of 0 bytes", mutate(t, good, func(m map[string]any) { delete(m, "logId") })},
		{"negative index", "negative log index", mutate(t, good, func(m map[string]any) { m["logIndex"] = "-1" })},
		{"not JSON", "", []byte("{")},
		{"too large", "exceeds the", append(bytes.Repeat([]byte(" "), 2<<20), good...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := bundle.ParseTlogEntry(tc.data)
			if !errors.Is(err, bundle.ErrMalformed) || e != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, %v; want ErrMalformed containing %q", e, err, tc.want)
			}
		})
	}
}

// FuzzParseTlogEntry: whatever the bytes, no panic, no entry with an
// error, and an accepted entry has what Verify needs of a Rekor v2 entry.
func FuzzParseTlogEntry(f *testing.F) {
	f.Add(readSample(f, "rekor2-response.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := bundle.ParseTlogEntry(data)
		if err != nil {
			if e != nil || !errors.Is(err, bundle.ErrMalformed) {
				t.Fatalf("entry %v with error %v", e, err)
			}
			return
		}
		if e.Proof == nil || len(e.Proof.Checkpoint) == 0 || len(e.Proof.RootHash) != 32 || len(e.Body) == 0 || len(e.LogID) == 0 || e.LogIndex < 0 || e.Kind == "" {
			t.Fatalf("accepted incomplete entry %+v", e)
		}
	})
}
