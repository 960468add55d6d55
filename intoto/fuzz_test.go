package intoto

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzUnmarshal: the strict in-toto decoder never panics, and every
// statement it accepts encoding/json decodes to the same Statement (the
// decoder is strict, never different). Seeds: the statements of the real
// DSSE bundles of the conformance corpus and hand-made edge cases, in
// testdata/fuzz/FuzzUnmarshal.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range statementSeeds() {
		f.Add([]byte(s))
	}
	for _, rel := range []string{
		"bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json",
		"real-bundles/sigstore-go/dsse.sigstore.json",
	} {
		data, err := os.ReadFile(filepath.Join("../testdata/conformance", rel))
		if err != nil {
			continue
		}
		var b struct {
			DSSEEnvelope struct{ Payload string } `json:"dsseEnvelope"`
		}
		if json.Unmarshal(data, &b) == nil {
			if p, err := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload); err == nil {
				f.Add(p)
			}
		}
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkStatementAgreement(t, payload)
	})
}
