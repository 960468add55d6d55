package intoto

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var artifactA = []byte("artifact A\n")

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s[:])
}

func statementJSON(subjects ...string) string {
	return `{"_type":"https://in-toto.io/Statement/v1","subject":[` + strings.Join(subjects, ",") +
		`],"predicateType":"https://sigil.test/p","predicate":{"k":"v"}}`
}

func subjectJSON(name string, content []byte) string {
	return `{"name":"` + name + `","digest":{"sha256":"` + sha256Hex(content) + `"}}`
}

// TestUnmarshalAgreesWithEncodingJSON: whatever the strict decoder
// accepts, encoding/json reads the same way.
func TestUnmarshalAgreesWithEncodingJSON(t *testing.T) {
	for _, p := range statementSeeds() {
		checkStatementAgreement(t, []byte(p))
	}
}

func checkStatementAgreement(t *testing.T, payload []byte) {
	st, err := Unmarshal(payload)
	if err != nil {
		return
	}
	var want Statement
	if err := json.Unmarshal(payload, &want); err != nil {
		t.Fatalf("strict decoder accepted what encoding/json rejects (%v): %q", err, payload)
	}
	got, _ := json.Marshal(st)
	exp, _ := json.Marshal(&want)
	if !bytes.Equal(got, exp) {
		t.Fatalf("decoders disagree on %q:\nstrict %s\njson   %s", payload, got, exp)
	}
}

func statementSeeds() []string {
	a := subjectJSON("a", artifactA)
	return []string{
		statementJSON(a),
		statementJSON(a, subjectJSON("b\u00e9\\u00e9\\n", []byte("x"))),
		`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"x","digest":{"sha512":"00","gitCommit":"ab"},"uri":"u","annotations":{"a":[1,-2.5e3,true,null]}}],"predicateType":"p","extra":{"x":1}}`,
		` { "_type" : "https://in-toto.io/Statement/v1" , "subject" : [ ` + a + ` ] , "predicate" : { "a" : { "b" : [ ] } } } `,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"\ud83d\ude00","digest":{"sha256":"x"}}]}`,
	}
}

// TestRealStatements: every in-toto statement of the conformance corpus's
// DSSE bundles decodes strictly, as encoding/json reads it.
func TestRealStatements(t *testing.T) {
	n := 0
	err := filepath.WalkDir("../testdata/conformance", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(d.Name(), "sigstore") && !strings.HasPrefix(d.Name(), "bundle") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var b struct {
			DSSEEnvelope *struct{ Payload, PayloadType string } `json:"dsseEnvelope"`
		}
		if json.Unmarshal(data, &b) != nil || b.DSSEEnvelope == nil || b.DSSEEnvelope.PayloadType != PayloadType {
			return nil
		}
		payload, err := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
		if err != nil {
			return nil
		}
		if _, err := Unmarshal(payload); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		checkStatementAgreement(t, payload)
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 25 {
		t.Fatalf("only %d statements found", n)
	}
}
