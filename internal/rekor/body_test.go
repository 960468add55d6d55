package rekor

import (
	"bytes"
	"crypto"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSeedBodies parses the real entry bodies of the seed corpus: one of
// every kind and version the conformance corpus holds.
func TestSeedBodies(t *testing.T) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzParseBody/*")
	if len(files) < 4 {
		t.Fatalf("%d seed bodies", len(files))
	}
	kinds := map[string]bool{}
	for _, f := range files {
		kind, version, body := readSeed(t, f)
		b, err := ParseBody(kind, version, body)
		if err != nil {
			t.Errorf("%s (%s/%s): %v", f, kind, version, err)
			continue
		}
		kinds[kind+"/"+version] = true
		if len(b.Signatures) != 1 {
			t.Errorf("%s: %d signatures", f, len(b.Signatures))
		}
	}
	for _, want := range []string{"hashedrekord/0.0.1", "hashedrekord/0.0.2", "dsse/0.0.1", "intoto/0.0.2"} {
		if !kinds[want] {
			t.Errorf("no parsed %s body", want)
		}
	}
}

// TestSyntheticKinds covers the kinds the corpus lacks: Rekor v2 dsse 0.0.2
// (rekor-tiles' DSSELogEntryV002 JSON) and Rekor v1 intoto 0.0.1.
func TestSyntheticKinds(t *testing.T) {
	digest := "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	b, err := ParseBody("dsse", "0.0.2", []byte(`{"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":{"algorithm":"SHA2_256","digest":"`+digest+`"},"signatures":[{"content":"c2ln","verifier":{"keyDetails":"PKIX_ED25519","publicKey":{"rawBytes":"a2V5"}}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if b.PayloadHash.Alg != crypto.SHA256 || b.PayloadHash.Value[1] != 1 || string(b.Signatures[0].Sig) != "sig" || string(b.Signatures[0].Verifier.DER) != "key" || b.Signatures[0].Verifier.IsCert {
		t.Fatalf("dsse 0.0.2 parsed as %+v", b)
	}
	pemKey := "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KYTJWNQotLS0tLUVORCBQVUJMSUMgS0VZLS0tLS0K" // base64 of a PEM "PUBLIC KEY" block
	body := `{"apiVersion":"0.0.1","kind":"intoto","spec":{"content":{"envelope":"{\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"sig\":\"c2ln\"}]}","payloadHash":{"algorithm":"sha256","value":"` + strings.Repeat("ab", 32) + `"}},"publicKey":"` + pemKey + `"}}`
	b, err = ParseBody("intoto", "0.0.1", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if b.PayloadType != "application/vnd.in-toto+json" || string(b.Signatures[0].Sig) != "sig" || b.Signatures[0].Verifier.IsCert {
		t.Fatalf("intoto 0.0.1 parsed as %+v", b)
	}
}

func TestParseBodyRejects(t *testing.T) {
	for name, tc := range map[string]struct{ kind, version, body, substr string }{
		"kind mismatch":    {"dsse", "0.0.1", `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}}`, "entry says"},
		"unknown kind":     {"rekord", "0.0.1", `{"apiVersion":"0.0.1","kind":"rekord","spec":{}}`, "unsupported kind"},
		"not json":         {"hashedrekord", "0.0.1", `{`, "unexpected"},
		"bad hash alg":     {"hashedrekord", "0.0.1", `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"md5","value":"00"}}}}`, "md5"},
		"short digest":     {"hashedrekord", "0.0.1", `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"00"}}}}`, "bad sha256"},
		"no verifier":      {"hashedrekord", "0.0.2", `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},"signature":{"content":"AA==","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}}`, "exactly one"},
		"no key details":   {"hashedrekord", "0.0.2", `{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},"signature":{"content":"AA==","verifier":{"publicKey":{"rawBytes":"a2V5"}}}}}}`, "without key details"},
		"no dsse sigs":     {"dsse", "0.0.2", `{"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":{"algorithm":"SHA2_256","digest":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},"signatures":[]}}}`, "without signatures"},
		"pem with garbage": {"hashedrekord", "0.0.1", `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"` + strings.Repeat("00", 32) + `"}},"signature":{"content":"AA==","publicKey":{"content":"bm90IHBlbQ=="}}}}`, "PEM"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseBody(tc.kind, tc.version, []byte(tc.body))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.substr) {
				t.Fatalf("got %v, want ErrMalformed mentioning %q", err, tc.substr)
			}
		})
	}
}

func TestSETPayload(t *testing.T) {
	got := string(SETPayload([]byte("body"), 1700000000, []byte{0xab, 0xcd}, 42))
	want := `{"body":"Ym9keQ==","integratedTime":1700000000,"logID":"abcd","logIndex":42}`
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	_ = crypto.SHA256
}

// readSeed decodes a three-value go-fuzz corpus file (string, string, []byte).
func readSeed(t testing.TB, path string) (string, string, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 4)
	if len(lines) < 4 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a corpus file", path)
	}
	return unquote(t, lines[1], "string("), unquote(t, lines[2], "string("), []byte(unquote(t, lines[3], "[]byte("))
}

// TestCanonicalV2 checks that ParseBody's fast path takes the bodies
// rekor-tiles writes (so that FuzzCanonicalV2 compares something) and
// declines the same bodies in any other form, and which step rejects a
// recognised body with bad values.
func TestCanonicalV2(t *testing.T) {
	files, _ := filepath.Glob("testdata/fuzz/FuzzCanonicalV2/*")
	for _, f := range files {
		kind, body := readSeed2(t, f)
		_, ok, err := parseCanonicalV2(kind, body)
		name := filepath.Base(f)
		switch {
		case name == "hashedrekord-cert" || name == "hashedrekord-key" || name == "dsse-two-signatures":
			if !ok || err != nil {
				t.Errorf("%s: recognised %v, %v", name, ok, err)
			}
			// Any other form of the same JSON (whitespace here) is
			// left to encoding/json, which reads it as the same body.
			spaced := bytes.Replace(body, []byte(`"spec":`), []byte(`"spec": `), 1)
			if _, ok, _ := parseCanonicalV2(kind, spaced); ok {
				t.Errorf("%s with a space recognised", name)
			}
			fast, _ := ParseBody(kind, "0.0.2", body)
			slow, err := ParseBody(kind, "0.0.2", spaced)
			if err != nil || !reflect.DeepEqual(fast, slow) {
				t.Errorf("%s: %+v, %+v (%v)", name, fast, slow, err)
			}
		case name == "hashedrekord-short-digest":
			if !ok || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "bad SHA2_256 digest") {
				t.Errorf("%s: %v, %v", name, ok, err)
			}
		case name == "dsse-no-signatures":
			if _, err := ParseBody(kind, "0.0.2", body); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "without signatures") {
				t.Errorf("%s: %v", name, err)
			}
		default: // escapes and CR/LF are encoding/json's to read
			if ok {
				t.Errorf("%s recognised", name)
			}
		}
	}
	if len(files) < 7 {
		t.Fatalf("%d seeds", len(files))
	}
}

// readSeed2 decodes a two-value go-fuzz corpus file (string, []byte).
func readSeed2(t testing.TB, path string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(data), "\n", 3)
	if len(lines) < 3 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s: not a corpus file", path)
	}
	return unquote(t, lines[1], "string("), []byte(unquote(t, strings.TrimSuffix(lines[2], "\n"), "[]byte("))
}
