package bundle_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/jsonedit"
	"github.com/sigil-dev/sigil/internal/limits"
)

// corpusDir is the conformance corpus (see its README.md).
const corpusDir = "../testdata/conformance"

// Real bundles the mutation tests start from.
const (
	baseV01  = "bundle-verify/happy-path-v0.1/bundle.sigstore.json"        // message signature, chain, Rekor v1
	baseV02  = "bundle-verify/happy-path-v0.2/bundle.sigstore.json"        // message signature, chain, Rekor v1
	baseV03  = "bundle-verify/happy-path-v0.3/bundle.sigstore.json"        // message signature, certificate, Rekor v1
	baseDSSE = "bundle-verify/rekor2-dsse-happy-path/bundle.sigstore.json" // DSSE, Rekor v2, one timestamp
	baseKey  = "bundle-verify/managed-key-happy-path/bundle.sigstore.json" // public key, Rekor v1, one timestamp
	baseV01N = "real-bundles/sigstore-js/bundleV01-dsse-no-proof.sigstore" // v0.1 without inclusion proofs
)

// corpusRejections lists every bundle of the corpus that Parse rejects, with
// the substring its error must contain. All of them are cases the corpus
// expects to fail verification.
var corpusRejections = map[string]string{
	"bundle-verify/bundle-empty-certificate-chain_fail/bundle.sigstore.json":       "empty certificate chain",
	"bundle-verify/bundle-invalid-base64-signature_fail/bundle.sigstore.json":      "invalid value for bytes field signature",
	"bundle-verify/bundle-malformed-json_fail/bundle.sigstore.json":                "unexpected EOF",
	"bundle-verify/bundle-negative-log-index_fail/bundle.sigstore.json":            "negative log index -1 (transparency-log entry 0)",
	"bundle-verify/bundle-unknown-version_fail/bundle.sigstore.json":               `unsupported media type "application/vnd.dev.sigstore.bundle+json;version=99.9"`,
	"bundle-verify/bundle-with-root-cert_fail/bundle.sigstore.json":                "inclusion proof without checkpoint",
	"bundle-verify/intoto-missing-inclusion-proof_fail/bundle.sigstore.json":       "version 0.2 entry without inclusion proof",
	"bundle-verify/invalid-inclusion-proof_fail/bundle.sigstore.json":              "inclusion proof without checkpoint",
	"bundle-verify/rekor2-no-inclusion-proof_fail/bundle.sigstore.json":            "version 0.3 entry without inclusion proof",
	"bundle-verify/rekor2-timestamp-with-incorrect-time_fail/bundle.sigstore.json": "invalid value for bytes field signedTimestamp",
	"real-bundles/sigstore-go/dsse-2sigs.sigstore.json":                            "DSSE envelope with 2 signatures, need exactly 1",
	"real-bundles/sigstore-python/bundle_invalid_version.txt.sigstore":             `unsupported media type "this is completely wrong"`,
	"real-bundles/sigstore-python/bundle_no_cert_v1.txt.sigstore":                  "empty certificate chain",
	"real-bundles/sigstore-python/bundle_no_checkpoint.txt.sigstore":               "inclusion proof without checkpoint",
	"real-bundles/sigstore-python/integration/Python-3.12.5.tgz.sigstore":          "inclusion proof without checkpoint",
	"real-bundles/sigstore-python/tsa/bundle.duplicate.sigstore":                   "timestamp 2 is a duplicate",
	"real-bundles/sigstore-python/tsa/bundle.many_timestamp.sigstore":              "33 timestamps exceed the limit of 32",
}

type conformanceCase struct {
	Name   string `json:"name"`
	Bundle string `json:"bundle"`
	Expect string `json:"expect"`
}

func readCases(t testing.TB) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	return cases
}

// corpusBundles returns, relative to corpusDir and sorted, every bundle that
// cases.json names and every *.sigstore and *.sigstore*.json file.
func corpusBundles(t testing.TB) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range readCases(t) {
		seen[c.Bundle] = true
	}
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if strings.HasSuffix(name, ".sigstore") || (strings.Contains(name, ".sigstore") && strings.HasSuffix(name, ".json")) {
			rel, err := filepath.Rel(corpusDir, path)
			if err != nil {
				return err
			}
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range seen {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

func readCorpus(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseCorpus(t testing.TB, rel string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Parse(readCorpus(t, rel))
	if err != nil {
		t.Fatalf("Parse(%s): %v", rel, err)
	}
	return b
}

func TestParseCorpus(t *testing.T) {
	paths := corpusBundles(t)
	expect := map[string]string{}
	for _, c := range readCases(t) {
		if expect[c.Bundle] != "pass" { // a bundle used by a passing case must parse
			expect[c.Bundle] = c.Expect
		}
	}
	var parsed, roundTripped, rejected int
	for _, rel := range paths {
		t.Run(rel, func(t *testing.T) {
			b, err := bundle.Parse(readCorpus(t, rel))
			want, wantReject := corpusRejections[rel]
			if err != nil {
				rejected++
				switch {
				case !errors.Is(err, bundle.ErrMalformed):
					t.Fatalf("Parse: error %v does not wrap ErrMalformed", err)
				case b != nil:
					t.Fatalf("Parse returned a bundle with error %v", err)
				case !wantReject:
					t.Fatalf("Parse: unexpected error %v", err)
				case !strings.Contains(err.Error(), want):
					t.Fatalf("Parse: error %q, want it to contain %q", err, want)
				case expect[rel] == "pass":
					t.Fatalf("Parse rejected a bundle that a passing case uses: %v", err)
				}
				return
			}
			parsed++
			if wantReject {
				t.Fatalf("Parse succeeded, want error containing %q", want)
			}
			if err := roundTrip(b); err != nil {
				t.Fatal(err)
			}
			roundTripped++
		})
	}
	for rel := range corpusRejections {
		if !slices.Contains(paths, rel) {
			t.Errorf("corpusRejections names %s, which is not in the corpus", rel)
		}
	}
	t.Logf("%d corpus bundles: %d parsed, %d round-tripped, %d rejected", len(paths), parsed, roundTripped, rejected)
	if parsed+rejected != len(paths) || roundTripped != parsed || rejected != len(corpusRejections) {
		t.Errorf("counts do not add up: %d bundles, %d parsed, %d round-tripped, %d rejected, %d rejections expected",
			len(paths), parsed, roundTripped, rejected, len(corpusRejections))
	}
}

// roundTrip checks that b survives MarshalJSON → Parse with its content
// intact, in the version MarshalJSON documents, and that MarshalJSON is
// stable.
func roundTrip(b *bundle.Bundle) error {
	m1, err := b.MarshalJSON()
	if err != nil {
		return fmt.Errorf("MarshalJSON: %v", err)
	}
	b2, err := bundle.Parse(m1)
	if err != nil {
		return fmt.Errorf("Parse(MarshalJSON()): %v\n%s", err, m1)
	}
	m2, err := b2.MarshalJSON()
	if err != nil {
		return fmt.Errorf("MarshalJSON of the re-parsed bundle: %v", err)
	}
	if !bytes.Equal(m1, m2) {
		return fmt.Errorf("MarshalJSON is not stable:\n%s\n%s", m1, m2)
	}

	// MarshalJSON's rules: version 0.3 stays 0.3; an older bundle is
	// upgraded unless an entry lacks an inclusion proof or its chain holds
	// more than the leaf. No certificate is ever dropped.
	upgraded := len(b.Certificates()) <= 1
	for _, e := range b.TlogEntries() {
		upgraded = upgraded && e.Proof != nil
	}
	upgraded = upgraded || b.Version() == bundle.V03
	wantVersion, wantMediaType := bundle.V03, bundle.MediaTypeV03
	if !upgraded {
		wantVersion, wantMediaType = b.Version(), b.MediaType()
	}
	if b2.Version() != wantVersion || b2.MediaType() != wantMediaType {
		return fmt.Errorf("re-parsed bundle is version %v (%s), want %v (%s)", b2.Version(), b2.MediaType(), wantVersion, wantMediaType)
	}

	if !bytes.Equal(b.Signature(), b2.Signature()) {
		return errors.New("signature changed")
	}
	if err := equalMessageSignatures(b.MessageSignature(), b2.MessageSignature()); err != nil {
		return err
	}
	if err := equalEnvelopes(b.Envelope(), b2.Envelope()); err != nil {
		return err
	}
	h1, k1 := b.PublicKeyHint(), b.UsesPublicKey()
	h2, k2 := b2.PublicKeyHint(), b2.UsesPublicKey()
	if h1 != h2 || k1 != k2 {
		return fmt.Errorf("public key hint %q (%v) became %q (%v)", h1, k1, h2, k2)
	}
	c1, c2 := b.Certificates(), b2.Certificates()
	if len(c1) == 0 || len(c2) == 0 {
		if len(c1) != len(c2) {
			return fmt.Errorf("%d certificates became %d", len(c1), len(c2))
		}
	} else {
		if !bytes.Equal(c1[0].Raw, c2[0].Raw) {
			return errors.New("leaf certificate changed")
		}
		if len(c2) != len(c1) {
			return fmt.Errorf("%d certificates became %d", len(c1), len(c2))
		}
		for i := range c2 {
			if !bytes.Equal(c1[i].Raw, c2[i].Raw) {
				return fmt.Errorf("certificate %d changed", i)
			}
		}
	}
	e1, e2 := b.TlogEntries(), b2.TlogEntries()
	if len(e1) != len(e2) {
		return fmt.Errorf("%d tlog entries became %d", len(e1), len(e2))
	}
	for i := range e1 {
		if err := equalEntries(e1[i], e2[i]); err != nil {
			return fmt.Errorf("tlog entry %d: %v", i, err)
		}
	}
	if !slices.EqualFunc(b.RFC3161Timestamps(), b2.RFC3161Timestamps(), bytes.Equal) {
		return fmt.Errorf("%d timestamps became %d different ones", len(b.RFC3161Timestamps()), len(b2.RFC3161Timestamps()))
	}
	return nil
}

func equalMessageSignatures(a, b *bundle.MessageSignature) error {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil || b == nil:
		return fmt.Errorf("message signature %v became %v", a != nil, b != nil)
	case a.DigestAlgorithm != b.DigestAlgorithm || !bytes.Equal(a.Digest, b.Digest) || !bytes.Equal(a.Signature, b.Signature):
		return fmt.Errorf("message signature changed: %+v became %+v", a, b)
	}
	return nil
}

func equalEnvelopes(a, b *bundle.Envelope) error {
	switch {
	case a == nil && b == nil:
		return nil
	case a == nil || b == nil:
		return fmt.Errorf("envelope %v became %v", a != nil, b != nil)
	case a.PayloadType != b.PayloadType || !bytes.Equal(a.Payload, b.Payload) || !bytes.Equal(a.Signature, b.Signature) || a.KeyID != b.KeyID:
		return fmt.Errorf("envelope changed: %+v became %+v", a, b)
	}
	return nil
}

func equalEntries(a, b *bundle.TlogEntry) error {
	switch {
	case a.LogIndex != b.LogIndex:
		return fmt.Errorf("log index %d became %d", a.LogIndex, b.LogIndex)
	case !bytes.Equal(a.LogID, b.LogID):
		return fmt.Errorf("log ID %x became %x", a.LogID, b.LogID)
	case a.Kind != b.Kind || a.KindVersion != b.KindVersion:
		return fmt.Errorf("kind %s/%s became %s/%s", a.Kind, a.KindVersion, b.Kind, b.KindVersion)
	case a.IntegratedTime != b.IntegratedTime:
		return fmt.Errorf("integrated time %d became %d", a.IntegratedTime, b.IntegratedTime)
	case (a.SET == nil) != (b.SET == nil) || !bytes.Equal(a.SET, b.SET):
		return errors.New("inclusion promise changed")
	case !bytes.Equal(a.Body, b.Body):
		return errors.New("canonicalized body changed")
	case (a.Proof == nil) != (b.Proof == nil):
		return fmt.Errorf("inclusion proof present %v became %v", a.Proof != nil, b.Proof != nil)
	case a.Proof == nil:
		return nil
	}
	p, q := a.Proof, b.Proof
	switch {
	case p.LogIndex != q.LogIndex || p.TreeSize != q.TreeSize:
		return fmt.Errorf("inclusion proof index %d of %d became %d of %d", p.LogIndex, p.TreeSize, q.LogIndex, q.TreeSize)
	case !bytes.Equal(p.RootHash, q.RootHash):
		return errors.New("inclusion proof root hash changed")
	case !slices.EqualFunc(p.Hashes, q.Hashes, bytes.Equal):
		return errors.New("inclusion proof hashes changed")
	case !bytes.Equal(p.Checkpoint, q.Checkpoint):
		return errors.New("checkpoint changed")
	}
	return nil
}

// decode decodes a corpus bundle into generic JSON values for mutation.
func decode(t testing.TB, rel string) map[string]any {
	t.Helper()
	return jsonedit.Decode(t, readCorpus(t, rel))
}

// Helpers for editing bundles as JSON.
var (
	encode = jsonedit.Encode
	at     = jsonedit.At
)

func vm(t testing.TB, m map[string]any) map[string]any { return at(t, m, "verificationMaterial") }

func entry0(t testing.TB, m map[string]any) map[string]any {
	return at(t, m, "verificationMaterial", "tlogEntries", 0)
}

func proof0(t testing.TB, m map[string]any) map[string]any {
	return at(t, m, "verificationMaterial", "tlogEntries", 0, "inclusionProof")
}

func b64(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xab}, n)) }

// withPayload replaces the DSSE payload of a bundle's JSON with n bytes,
// editing the text (re-encoding a large bundle through a map is slow).
func withPayload(data []byte, n int) []byte {
	const key = `"payload": "`
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		panic("no payload")
	}
	i += len(key)
	j := i + bytes.IndexByte(data[i:], '"')
	return slices.Concat(data[:i], []byte(b64(n)), data[j:])
}

// repeat returns n copies of v.
func repeat(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// distinctTimestamps returns n timestamp entries with distinct content.
func distinctTimestamps(n int) []any {
	out := make([]any, n)
	for i := range out {
		der := fmt.Appendf(nil, "timestamp %d", i)
		out[i] = map[string]any{"signedTimestamp": base64.StdEncoding.EncodeToString(der)}
	}
	return out
}

// padTo appends JSON whitespace to data until it is n bytes long.
func padTo(data []byte, n int) []byte {
	return append(data, bytes.Repeat([]byte{' '}, n-len(data))...)
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		mutate  func(t testing.TB, m map[string]any) // edits the decoded base
		raw     func(data []byte) []byte             // or edits its bytes
		want    string                               // substring of the error
		wantErr error                                // sentinel besides ErrMalformed
	}{
		// Media type.
		{name: "unknown media type", base: baseV03, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) {
				m["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.4"
			},
			want: `unsupported media type "application/vnd.dev.sigstore.bundle+json;version=0.4"`},
		{name: "unknown media type in new spelling", base: baseV03, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) { m["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.4+json" },
			want:   `unsupported media type "application/vnd.dev.sigstore.bundle.v0.4+json"`},
		{name: "v0.2 in new spelling", base: baseV02, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) { m["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.2+json" },
			want:   `unsupported media type "application/vnd.dev.sigstore.bundle.v0.2+json"`},
		{name: "media type with trailing space", base: baseV03, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) { m["mediaType"] = bundle.MediaTypeV03 + " " },
			want:   "unsupported media type"},
		{name: "missing media type", base: baseV03, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) { delete(m, "mediaType") },
			want:   `unsupported media type ""`},
		{name: "long media type is truncated", base: baseV03, wantErr: bundle.ErrUnsupportedMediaType,
			mutate: func(t testing.TB, m map[string]any) { m["mediaType"] = strings.Repeat("x", 1000) },
			want:   `unsupported media type "` + strings.Repeat("x", 100) + `..."`},

		// Verification material.
		{name: "missing verification material", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(m, "verificationMaterial") },
			want:   "missing verification material"},
		{name: "missing certificate or public key", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(vm(t, m), "certificate") },
			want:   "missing certificate or public key"},
		{name: "empty chain", base: baseV02,
			mutate: func(t testing.TB, m map[string]any) {
				vm(t, m)["x509CertificateChain"] = map[string]any{"certificates": []any{}}
			},
			want: "empty certificate chain"},
		{name: "chain of 11", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) {
				chain := at(t, m, "verificationMaterial", "x509CertificateChain")
				chain["certificates"] = repeat(chain["certificates"].([]any)[0], limits.MaxChainLength+1)
			},
			want: "certificate chain of 11 exceeds the limit of 10"},
		{name: "empty certificate", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "verificationMaterial", "certificate")["rawBytes"] = "" },
			want:   "certificate 0 is empty"},
		{name: "certificate not DER", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "verificationMaterial", "certificate")["rawBytes"] = b64(100)
			},
			want: "certificate 0: x509:"},
		{name: "v0.1 with single certificate", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) {
				v := vm(t, m)
				v["certificate"] = at(t, v, "x509CertificateChain", "certificates", 0)
				delete(v, "x509CertificateChain")
			},
			want: "a single certificate requires version 0.3"},
		{name: "v0.2 with single certificate", base: baseV02,
			mutate: func(t testing.TB, m map[string]any) {
				v := vm(t, m)
				v["certificate"] = at(t, v, "x509CertificateChain", "certificates", 0)
				delete(v, "x509CertificateChain")
			},
			want: "a single certificate requires version 0.3"},

		// Content.
		{name: "missing content", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(m, "messageSignature") },
			want:   "missing message signature or DSSE envelope"},
		{name: "empty message signature", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "messageSignature")["signature"] = "" },
			want:   "empty message signature"},
		{name: "bad base64", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "messageSignature")["signature"] = "!!!not base64!!!" },
			want:   "invalid value for bytes field signature"},
		{name: "unsupported digest algorithm", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "messageSignature", "messageDigest")["algorithm"] = "SHA3_256"
			},
			want: "unsupported digest algorithm SHA3_256"},
		{name: "empty message digest", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "messageSignature")["messageDigest"] = map[string]any{} },
			want:   "empty message digest"},
		{name: "message digest without digest", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "messageSignature")["messageDigest"] = map[string]any{"algorithm": "SHA2_512"}
			},
			want: "empty message digest"},
		{name: "message digest with empty digest", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "messageSignature")["messageDigest"] = map[string]any{"algorithm": "SHA2_256", "digest": ""}
			},
			want: "empty message digest"},
		{name: "unspecified digest algorithm", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				delete(at(t, m, "messageSignature", "messageDigest"), "algorithm")
			},
			want: "unsupported digest algorithm HASH_ALGORITHM_UNSPECIFIED"},
		{name: "digest of wrong length", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "messageSignature", "messageDigest")["digest"] = b64(31)
			},
			want: "message digest of 31 bytes for SHA-256"},
		{name: "DSSE payload over the limit", base: baseDSSE,
			raw:  func(data []byte) []byte { return withPayload(data, limits.MaxDSSEPayloadSize+1) },
			want: "DSSE payload of 16777217 bytes exceeds the 16777216-byte limit"},
		{name: "DSSE with 0 signatures", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "dsseEnvelope")["signatures"] = []any{} },
			want:   "DSSE envelope with 0 signatures, need exactly 1"},
		{name: "DSSE with 2 signatures", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) {
				e := at(t, m, "dsseEnvelope")
				e["signatures"] = repeat(e["signatures"].([]any)[0], 2)
			},
			want: "DSSE envelope with 2 signatures, need exactly 1"},
		{name: "DSSE without payload type", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "dsseEnvelope"), "payloadType") },
			want:   "DSSE envelope without payload type"},
		{name: "DSSE with empty signature", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "dsseEnvelope", "signatures", 0)["sig"] = "" },
			want:   "empty DSSE signature"},

		// Transparency-log entries.
		{name: "negative log index", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { entry0(t, m)["logIndex"] = "-1" },
			want:   "negative log index -1 (transparency-log entry 0)"},
		{name: "missing log ID", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "logId") },
			want:   "log ID of 0 bytes"},
		{name: "log ID of 65 bytes", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { entry0(t, m)["logId"] = map[string]any{"keyId": b64(65)} },
			want:   "log ID of 65 bytes"},
		{name: "missing kind", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "kindVersion") },
			want:   "missing kind and version"},
		{name: "missing body", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "canonicalizedBody") },
			want:   "missing canonicalized body"},
		{name: "body over the limit", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				entry0(t, m)["canonicalizedBody"] = b64(limits.MaxEntryBodySize + 1)
			},
			want: "canonicalized body of 1048577 bytes exceeds the limit"},
		{name: "negative integrated time", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { entry0(t, m)["integratedTime"] = "-5" },
			want:   "negative integrated time"},
		{name: "promise without integrated time", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "integratedTime") },
			want:   "inclusion promise without integrated time"},
		{name: "empty promise", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) { entry0(t, m)["inclusionPromise"] = map[string]any{} },
			want:   "empty inclusion promise"},
		{name: "proof without checkpoint", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(proof0(t, m), "checkpoint") },
			want:   "inclusion proof without checkpoint (transparency-log entry 0)"},
		{name: "proof index equals tree size", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { p := proof0(t, m); p["logIndex"] = p["treeSize"] },
			want:   "outside tree of size"},
		{name: "proof with negative index", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { proof0(t, m)["logIndex"] = "-1" },
			want:   "inclusion proof index -1 outside tree"},
		{name: "proof root hash of 31 bytes", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { proof0(t, m)["rootHash"] = b64(31) },
			want:   "inclusion proof root hash of 31 bytes"},
		{name: "proof hash of 33 bytes", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { proof0(t, m)["hashes"].([]any)[0] = b64(33) },
			want:   "inclusion proof hash of 33 bytes"},
		{name: "proof with 65 hashes", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				proof0(t, m)["hashes"] = repeat(b64(32), limits.MaxInclusionProofHashes+1)
			},
			want: "inclusion proof with 65 hashes"},
		{name: "checkpoint over the limit", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				proof0(t, m)["checkpoint"] = map[string]any{"envelope": strings.Repeat("x", limits.MaxCheckpointSize+1)}
			},
			want: "checkpoint exceeds 65536 bytes"},
		{name: "v0.2 entry without proof", base: baseV02,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "inclusionProof") },
			want:   "version 0.2 entry without inclusion proof"},
		{name: "v0.3 entry without proof", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "inclusionProof") },
			want:   "version 0.3 entry without inclusion proof"},
		{name: "v0.1 entry without promise", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "inclusionPromise") },
			want:   "version 0.1 entry without inclusion promise"},
		{name: "null entry", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { vm(t, m)["tlogEntries"] = []any{nil} },
			want:   "unexpected token null"},
		{name: "33 tlog entries", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				vm(t, m)["tlogEntries"] = repeat(entry0(t, m), limits.MaxTlogEntries+1)
			},
			want: "33 transparency-log entries exceed the limit of 32"},

		// Timestamps.
		{name: "duplicate timestamps", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) {
				tvd := at(t, m, "verificationMaterial", "timestampVerificationData")
				tvd["rfc3161Timestamps"] = repeat(at(t, tvd, "rfc3161Timestamps", 0), 2)
			},
			want: "timestamp 1 is a duplicate"},
		{name: "33 timestamps", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "verificationMaterial", "timestampVerificationData")["rfc3161Timestamps"] = distinctTimestamps(limits.MaxTimestamps + 1)
			},
			want: "33 timestamps exceed the limit of 32"},
		{name: "empty timestamp", base: baseKey,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0)["signedTimestamp"] = ""
			},
			want: "timestamp 0 is empty"},

		// Encoding.
		{name: "oversize input", base: baseV03,
			raw:  func(data []byte) []byte { return padTo(data, limits.MaxBundleSize+1) },
			want: "33554433 bytes exceeds the 33554432-byte limit"},
		{name: "trailing garbage", base: baseV03,
			raw:  func(data []byte) []byte { return append(data, "garbage"...) },
			want: "syntax error (line 2:1): invalid value garbage"},
		{name: "trailing object", base: baseV03,
			raw:  func(data []byte) []byte { return append(data, "{}"...) },
			want: "unexpected token {"},
		{name: "unknown field", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { m["extra"] = true },
			want:   `unknown field "extra"`},
		{name: "unknown nested field", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { entry0(t, m)["logIdx"] = "1" },
			want:   `unknown field "logIdx"`},
		{name: "duplicate field", base: baseV03,
			raw: func(data []byte) []byte {
				return append([]byte(`{"mediaType":"x",`), bytes.TrimPrefix(data, []byte("{"))...)
			},
			want: `duplicate field "mediaType"`},
		// Canonical JSON only (the package documentation, "Canonical JSON").
		{name: "proto field name", base: baseV03,
			raw: func(data []byte) []byte {
				return bytes.Replace(data, []byte(`"verificationMaterial"`), []byte(`"verification_material"`), 1)
			},
			want: `field "verification_material" of Bundle is spelled as in the protobuf schema, not "verificationMaterial"`},
		{name: "nested proto field name", base: baseV03,
			raw: func(data []byte) []byte {
				return bytes.Replace(data, []byte(`"messageDigest"`), []byte(`"message_digest"`), 1)
			},
			want: `field "message_digest" of MessageSignature is spelled as in the protobuf schema`},
		{name: "escaped proto field name", base: baseV03,
			raw: func(data []byte) []byte {
				return bytes.Replace(data, []byte(`"verificationMaterial"`), []byte(`"verification\u005fmaterial"`), 1)
			},
			want: `field "verification_material" of Bundle is spelled as in the protobuf schema`},
		{name: "enum number", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "messageSignature", "messageDigest")["algorithm"] = 1
			},
			want: `enum field "algorithm" is the number 1, not a name`},
		{name: "URL-safe base64", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				c := at(t, m, "verificationMaterial", "certificate")
				raw := c["rawBytes"].(string)
				if !strings.ContainsAny(raw, "+/") {
					t.Fatal("certificate base64 has no + or /")
				}
				c["rawBytes"] = strings.NewReplacer("+", "-", "/", "_").Replace(raw)
			},
			want: `bytes field "rawBytes" is URL-safe base64, not standard base64`},
		{name: "escaped URL-safe base64", base: baseV03,
			raw: func(data []byte) []byte {
				// The certificate in URL-safe base64, its first - or _ escaped.
				j := bytes.Index(data, []byte(`"rawBytes": "`)) + len(`"rawBytes": "`)
				k := j + bytes.IndexByte(data[j:], '"')
				v := strings.NewReplacer("+", "-", "/", "_").Replace(string(data[j:k]))
				i := strings.IndexAny(v, "-_")
				v = v[:i] + map[byte]string{'-': `\u002d`, '_': `\u005f`}[v[i]] + v[i+1:]
				return append(append(append([]byte{}, data[:j]...), v...), data[k:]...)
			},
			want: `bytes field "rawBytes" is URL-safe base64, not standard base64`},
		{name: "truncated", base: baseV03,
			raw:  func(data []byte) []byte { return data[:len(data)/2] },
			want: "unexpected EOF"},
		{name: "empty input", base: baseV03,
			raw:  func([]byte) []byte { return nil },
			want: "syntax error (line 1:1)"},
		{name: "JSON array", base: baseV03,
			raw:  func([]byte) []byte { return []byte("[]") },
			want: "unexpected token ["},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.raw != nil {
				data = tt.raw(readCorpus(t, tt.base))
			} else {
				m := decode(t, tt.base)
				tt.mutate(t, m)
				data = encode(t, m)
			}
			b, err := bundle.Parse(data)
			switch {
			case err == nil:
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			case b != nil:
				t.Errorf("Parse returned a bundle with error %v", err)
			}
			if !errors.Is(err, bundle.ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && errors.Is(err, bundle.ErrUnsupportedMediaType) {
				t.Errorf("error %v wraps ErrUnsupportedMediaType", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestParseAccepts checks the edges of what Parse accepts: every limit
// reached but not exceeded, and optional fields left out.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name   string
		base   string
		mutate func(t testing.TB, m map[string]any)
		raw    func(data []byte) []byte
		check  func(t *testing.T, b *bundle.Bundle)
	}{
		{name: "input of exactly the size limit", base: baseV03,
			raw: func(data []byte) []byte { return padTo(data, limits.MaxBundleSize) }},
		{name: "chain of 10", base: baseV01,
			mutate: func(t testing.TB, m map[string]any) {
				chain := at(t, m, "verificationMaterial", "x509CertificateChain")
				chain["certificates"] = repeat(chain["certificates"].([]any)[0], limits.MaxChainLength)
			},
			check: func(t *testing.T, b *bundle.Bundle) {
				if n := len(b.Certificates()); n != limits.MaxChainLength {
					t.Errorf("%d certificates, want %d", n, limits.MaxChainLength)
				}
			}},
		{name: "v0.3 with x509CertificateChain", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				v := vm(t, m)
				v["x509CertificateChain"] = map[string]any{"certificates": []any{v["certificate"], v["certificate"]}}
				delete(v, "certificate")
			},
			check: func(t *testing.T, b *bundle.Bundle) {
				if n := len(b.Certificates()); n != 2 || b.Version() != bundle.V03 {
					t.Errorf("%d certificates in version %v, want 2 in 0.3", n, b.Version())
				}
			}},
		{name: "32 tlog entries", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				vm(t, m)["tlogEntries"] = repeat(entry0(t, m), limits.MaxTlogEntries)
			},
			check: func(t *testing.T, b *bundle.Bundle) {
				if n := len(b.TlogEntries()); n != limits.MaxTlogEntries {
					t.Errorf("%d entries, want %d", n, limits.MaxTlogEntries)
				}
			}},
		{name: "no tlog entries", base: baseKey,
			mutate: func(t testing.TB, m map[string]any) { delete(vm(t, m), "tlogEntries") },
			check: func(t *testing.T, b *bundle.Bundle) {
				if n := len(b.TlogEntries()); n != 0 {
					t.Errorf("%d entries, want 0", n)
				}
			}},
		{name: "32 timestamps", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "verificationMaterial", "timestampVerificationData")["rfc3161Timestamps"] = distinctTimestamps(limits.MaxTimestamps)
			},
			check: func(t *testing.T, b *bundle.Bundle) {
				if n := len(b.RFC3161Timestamps()); n != limits.MaxTimestamps {
					t.Errorf("%d timestamps, want %d", n, limits.MaxTimestamps)
				}
			}},
		{name: "proof with 64 hashes", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				proof0(t, m)["hashes"] = repeat(b64(32), limits.MaxInclusionProofHashes)
			}},
		{name: "proof of a one-leaf tree", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				p := proof0(t, m)
				p["logIndex"], p["treeSize"], p["hashes"] = "0", "1", []any{}
			}},
		{name: "v0.2 entry with proof but no promise", base: baseV02,
			mutate: func(t testing.TB, m map[string]any) { delete(entry0(t, m), "inclusionPromise") },
			check: func(t *testing.T, b *bundle.Bundle) {
				if b.TlogEntries()[0].SET != nil {
					t.Error("SET is not nil")
				}
			}},
		{name: "message signature without digest", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "messageSignature"), "messageDigest") },
			check: func(t *testing.T, b *bundle.Bundle) {
				if ms := b.MessageSignature(); ms.DigestAlgorithm != 0 || ms.Digest != nil {
					t.Errorf("digest %v %x, want none", ms.DigestAlgorithm, ms.Digest)
				}
			}},
		{name: "unpadded base64 and null fields", base: baseV03,
			mutate: func(t testing.TB, m map[string]any) {
				c := at(t, m, "verificationMaterial", "certificate")
				c["rawBytes"] = strings.TrimRight(c["rawBytes"].(string), "=")
				at(t, m, "verificationMaterial")["timestampVerificationData"] = nil
			}},
		{name: "DSSE payload at the limit", base: baseDSSE,
			raw: func(data []byte) []byte { return withPayload(data, limits.MaxDSSEPayloadSize) }},
		{name: "DSSE with empty payload", base: baseDSSE,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "dsseEnvelope"), "payload") }},
		{name: "public key without hint", base: baseKey,
			mutate: func(t testing.TB, m map[string]any) { vm(t, m)["publicKey"] = map[string]any{} },
			check: func(t *testing.T, b *bundle.Bundle) {
				if hint, ok := b.PublicKeyHint(), b.UsesPublicKey(); hint != "" || !ok {
					t.Errorf("PublicKeyHint() = %q, UsesPublicKey() = %v; want \"\", true", hint, ok)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.raw != nil {
				data = tt.raw(readCorpus(t, tt.base))
			} else {
				m := decode(t, tt.base)
				tt.mutate(t, m)
				data = encode(t, m)
			}
			b, err := bundle.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.check != nil {
				tt.check(t, b)
			}
			if err := roundTrip(b); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestMediaTypes(t *testing.T) {
	tests := []struct {
		mediaType string
		base      string
		version   bundle.Version
	}{
		{bundle.MediaTypeV01, baseV01, bundle.V01},
		{bundle.MediaTypeV02, baseV02, bundle.V02},
		{bundle.MediaTypeV03Legacy, baseV03, bundle.V03},
		{bundle.MediaTypeV03, baseV03, bundle.V03},
	}
	for _, tt := range tests {
		t.Run(tt.mediaType, func(t *testing.T) {
			m := decode(t, tt.base)
			m["mediaType"] = tt.mediaType
			b, err := bundle.Parse(encode(t, m))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if b.MediaType() != tt.mediaType || b.Version() != tt.version {
				t.Errorf("MediaType(), Version() = %q, %v; want %q, %v", b.MediaType(), b.Version(), tt.mediaType, tt.version)
			}
			if got := marshaledMediaType(t, b); got != bundle.MediaTypeV03 {
				t.Errorf("MarshalJSON wrote media type %q, want %q", got, bundle.MediaTypeV03)
			}
		})
	}

	// The exception: a v0.1 bundle whose entries lack inclusion proofs
	// keeps its version, and its chain.
	b := parseCorpus(t, baseV01N)
	if got := marshaledMediaType(t, b); got != bundle.MediaTypeV01 {
		t.Errorf("%s: MarshalJSON wrote media type %q, want %q", baseV01N, got, bundle.MediaTypeV01)
	}
	if err := roundTrip(b); err != nil {
		t.Errorf("%s: %v", baseV01N, err)
	}

	if bundle.MediaTypeV03 != "application/vnd.dev.sigstore.bundle.v0.3+json" {
		t.Errorf("MediaTypeV03 = %q", bundle.MediaTypeV03)
	}
	for v, want := range map[bundle.Version]string{bundle.V01: "0.1", bundle.V02: "0.2", bundle.V03: "0.3"} {
		if v.String() != want {
			t.Errorf("Version(%d).String() = %q, want %q", int(v), v.String(), want)
		}
	}
}

func marshaledMediaType(t *testing.T, b *bundle.Bundle) string {
	t.Helper()
	out, err := b.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	var v struct {
		MediaType string `json:"mediaType"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("MarshalJSON output: %v", err)
	}
	return v.MediaType
}

func TestMarshalJSONUpgradesChain(t *testing.T) {
	b := parseCorpus(t, "real-bundles/sigstore-js/bundleV01-dsse-with-proof.sigstore")
	out, err := json.Marshal(b) // through the json.Marshaler interface
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		VerificationMaterial map[string]json.RawMessage `json:"verificationMaterial"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.VerificationMaterial["x509CertificateChain"]; ok {
		t.Error("version 0.3 output carries x509CertificateChain")
	}
	if _, ok := v.VerificationMaterial["certificate"]; !ok {
		t.Error("version 0.3 output lacks certificate")
	}
	if err := roundTrip(b); err != nil {
		t.Error(err)
	}
}

// TestMarshalJSONKeepsIntermediates: a chain of more than the leaf is never
// reduced; an older bundle carrying one keeps its version (issue 14).
func TestMarshalJSONKeepsIntermediates(t *testing.T) {
	for _, name := range []string{
		"real-bundles/sigstore-js/bundleV01-full-cert-chain.sigstore",
		"real-bundles/sigstore-go/dsse.sigstore.json",
	} {
		b := parseCorpus(t, name)
		if len(b.Certificates()) < 2 {
			t.Fatalf("%s: %d certificates, want a chain", name, len(b.Certificates()))
		}
		if got := marshaledMediaType(t, b); got != b.MediaType() {
			t.Errorf("%s: MarshalJSON wrote media type %q, want the original %q", name, got, b.MediaType())
		}
		if err := roundTrip(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// The same chain in a version 0.2 bundle with inclusion proofs.
	m := decode(t, baseV02)
	vm := at(t, m, "verificationMaterial", "x509CertificateChain")
	vm["certificates"] = append(vm["certificates"].([]any), vm["certificates"].([]any)[0])
	b, err := bundle.Parse(encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if got := marshaledMediaType(t, b); got != bundle.MediaTypeV02 {
		t.Errorf("MarshalJSON wrote media type %q, want %q", got, bundle.MediaTypeV02)
	}
	if err := roundTrip(b); err != nil {
		t.Error(err)
	}
}

func TestAccessors(t *testing.T) {
	b := parseCorpus(t, baseV01)
	if ms := b.MessageSignature(); ms == nil || b.Envelope() != nil || !bytes.Equal(b.Signature(), ms.Signature) {
		t.Errorf("message-signature bundle: MessageSignature() = %v, Envelope() = %v", ms, b.Envelope())
	}
	if ms := b.MessageSignature(); ms.DigestAlgorithm.String() != "SHA-256" || len(ms.Digest) != 32 {
		t.Errorf("digest %v of %d bytes, want SHA-256 of 32", ms.DigestAlgorithm, len(ms.Digest))
	}
	if hint, ok := b.PublicKeyHint(), b.UsesPublicKey(); ok || hint != "" || len(b.Certificates()) != 1 {
		t.Errorf("certificate bundle: UsesPublicKey() = %v, PublicKeyHint() = %q, %d certificates", ok, hint, len(b.Certificates()))
	}
	e := b.TlogEntries()[0]
	if e.LogIndex != 27246492 || e.Kind != "hashedrekord" || e.KindVersion != "0.0.1" || e.IntegratedTime != 1689177396 ||
		len(e.LogID) != 32 || e.SET == nil || e.Proof == nil || e.Proof.LogIndex != 23083061 || e.Proof.TreeSize != 23083062 ||
		!bytes.HasPrefix(e.Proof.Checkpoint, []byte("rekor.sigstore.dev - 2605736670972794746\n")) {
		t.Errorf("unexpected tlog entry %+v, proof %+v", e, e.Proof)
	}

	d := parseCorpus(t, baseDSSE)
	if env := d.Envelope(); env == nil || d.MessageSignature() != nil || env.PayloadType != "application/vnd.in-toto+json" ||
		!bytes.Equal(d.Signature(), env.Signature) || len(d.RFC3161Timestamps()) != 1 {
		t.Errorf("DSSE bundle: Envelope() = %+v, MessageSignature() = %v", env, d.MessageSignature())
	}
	if e := d.TlogEntries()[0]; e.IntegratedTime != 0 || e.SET != nil || e.KindVersion != "0.0.2" {
		t.Errorf("Rekor v2 entry %+v, want no integrated time and no SET", e)
	}

	k := parseCorpus(t, baseKey)
	if hint, ok := k.PublicKeyHint(), k.UsesPublicKey(); !ok || hint == "" || k.Certificates() != nil {
		t.Errorf("key bundle: PublicKeyHint() = %q, UsesPublicKey() = %v; %d certificates", hint, ok, len(k.Certificates()))
	}
}

func TestFromProto(t *testing.T) {
	if _, err := bundle.FromProto(nil); !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), "nil bundle") {
		t.Errorf("FromProto(nil) = %v, want ErrMalformed: nil bundle", err)
	}

	orig := parseCorpus(t, baseV03)
	pb := orig.Proto()
	b, err := bundle.FromProto(pb)
	if err != nil {
		t.Fatalf("FromProto(Proto()): %v", err)
	}
	want, _ := orig.MarshalJSON()
	// Changes to the message after FromProto, or to a Proto() copy, must
	// not reach the bundle.
	pb.MediaType = "changed"
	pb.GetMessageSignature().Signature[0] ^= 0xff
	b.Proto().GetVerificationMaterial().GetTlogEntries()[0].LogIndex = 7
	got, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the bundle changed with the message it was built from")
	}

	pb = orig.Proto()
	pb.MediaType = "application/x-unknown"
	if _, err := bundle.FromProto(pb); !errors.Is(err, bundle.ErrUnsupportedMediaType) {
		t.Errorf("FromProto with unknown media type: %v, want ErrUnsupportedMediaType", err)
	}
}

func TestZeroBundle(t *testing.T) {
	var b bundle.Bundle
	if _, err := b.MarshalJSON(); err == nil {
		t.Error("MarshalJSON of a zero Bundle succeeded")
	}
	if b.Signature() != nil || b.Proto() != nil || b.MessageSignature() != nil || b.Envelope() != nil {
		t.Error("zero Bundle has content")
	}
}

func TestErrUnsupportedMediaTypeWrapsErrMalformed(t *testing.T) {
	if !errors.Is(bundle.ErrUnsupportedMediaType, bundle.ErrMalformed) {
		t.Error("ErrUnsupportedMediaType does not wrap ErrMalformed")
	}
}

func TestFromProtoRejectsInvalidUTF8(t *testing.T) {
	pb := parseCorpus(t, baseDSSE).Proto()
	pb.GetDsseEnvelope().PayloadType = "application/\xff"
	_, err := bundle.FromProto(pb)
	if !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), "invalid UTF-8") {
		t.Errorf("FromProto with invalid UTF-8: %v, want ErrMalformed: invalid UTF-8", err)
	}
}
