package trustroot_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sigil-dev/sigil/internal/jsonedit"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/trustroot"
)

// corpusDir is the conformance corpus (see its README.md).
const corpusDir = "../testdata/conformance"

const (
	productionRoot = "trusted_roots/production.trusted_root.json"
	stagingRoot    = "trusted_roots/staging.trusted_root.json"
	missingStart   = "bundle-verify/trust-root-tlog-missing-validity-start_fail/trusted_root.json"
	clientConfig   = "testdata/production.client_trust_config.json" // production root + production.signing_config.v0.2.json
)

// Log IDs of the public-good production instance.
var (
	rekorV1ID = mustHex("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d")
	rekorV2ID = mustHex("cf1199155bddd051268d1f16ac5c0c75c009f6fb5a63f4177f8e18d7051e3fa0")
	ct2022ID  = mustHex("dd3d306ac6c7113263191e1c99673702a24a5eb8de3cadff878a72802f29ee8e")
	ctTestID  = mustHex("086092f02852ff6845d1d16b27849c456718ac163dc338d26de6bc2206366f72")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// corpusRejections lists the trusted roots of the corpus that ParseJSON
// rejects, with the substring the error must contain.
var corpusRejections = map[string]string{
	missingStart: "validity window without start (log https://log2025-alpha1.rekor.sigstage.dev) (tlogs[1])",
}

// corpusRoots returns, relative to corpusDir and sorted, every trusted root
// of the corpus: files named *trusted_root*.json or *trusted-root*.json, and
// the files of sigstore-go's trusted-roots directory.
func corpusRoots(t testing.TB) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		if !strings.HasSuffix(name, ".json") {
			return nil
		}
		if strings.Contains(name, "trusted_root") || strings.Contains(name, "trusted-root") || filepath.Base(filepath.Dir(path)) == "trusted-roots" {
			rel, err := filepath.Rel(corpusDir, path)
			if err != nil {
				return err
			}
			paths = append(paths, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

func parseCorpus(t testing.TB, rel string) *trustroot.TrustedRoot {
	t.Helper()
	r, err := trustroot.ParseJSON(readCorpus(t, rel))
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", rel, err)
	}
	return r
}

// checkInvariants checks what ParseJSON promises about every root it returns.
func checkInvariants(r *trustroot.TrustedRoot) error {
	for _, l := range slices.Concat(r.TransparencyLogs(), r.CTLogs()) {
		switch {
		case l.PublicKey == nil || len(l.LogID) == 0 || l.HashAlgorithm == 0 || l.KeyDetails == "":
			return errors.New("log " + l.BaseURL + " lacks a key, ID or hash")
		case l.ValidFor.Start.IsZero():
			return errors.New("log " + l.BaseURL + " has no validity start")
		case !l.ValidFor.End.IsZero() && l.ValidFor.End.Before(l.ValidFor.Start):
			return errors.New("log " + l.BaseURL + " validity ends before it starts")
		}
	}
	for _, ca := range slices.Concat(r.CertificateAuthorities(), r.TimestampAuthorities()) {
		switch {
		case len(ca.Certificates) == 0:
			return errors.New("authority " + ca.URI + " has no certificates")
		case ca.ValidFor.Start.IsZero():
			return errors.New("authority " + ca.URI + " has no validity start")
		case !ca.ValidFor.End.IsZero() && ca.ValidFor.End.Before(ca.ValidFor.Start):
			return errors.New("authority " + ca.URI + " validity ends before it starts")
		}
	}
	return nil
}

func TestParseCorpus(t *testing.T) {
	paths := corpusRoots(t)
	var parsed, rejected int
	for _, rel := range paths {
		t.Run(rel, func(t *testing.T) {
			r, err := trustroot.ParseJSON(readCorpus(t, rel))
			r2, err2 := trustroot.FromFile(filepath.Join(corpusDir, rel))
			if (err == nil) != (err2 == nil) {
				t.Fatalf("ParseJSON: %v; FromFile: %v", err, err2)
			}
			want, wantReject := corpusRejections[rel]
			if err != nil {
				rejected++
				switch {
				case !errors.Is(err, trustroot.ErrMalformed) || !errors.Is(err2, trustroot.ErrMalformed):
					t.Fatalf("errors %v, %v do not wrap ErrMalformed", err, err2)
				case r != nil || r2 != nil:
					t.Fatal("a root was returned with an error")
				case !wantReject:
					t.Fatalf("ParseJSON: unexpected error %v", err)
				case !strings.Contains(err.Error(), want):
					t.Fatalf("ParseJSON: error %q, want it to contain %q", err, want)
				}
				return
			}
			parsed++
			if wantReject {
				t.Fatalf("ParseJSON succeeded, want error containing %q", want)
			}
			if err := checkInvariants(r); err != nil {
				t.Error(err)
			}
			for _, ca := range slices.Concat(r.CertificateAuthorities(), r.TimestampAuthorities()) {
				if err := ca.VerifyChain(); err != nil {
					t.Errorf("VerifyChain: %v", err)
				}
			}
			if r.MediaType() != trustroot.MediaTypeTrustedRootV01Legacy {
				t.Errorf("MediaType() = %q", r.MediaType())
			}
			if len(r.CertificateAuthorities()) != len(r2.CertificateAuthorities()) || len(r.TransparencyLogs()) != len(r2.TransparencyLogs()) ||
				len(r.CTLogs()) != len(r2.CTLogs()) || len(r.TimestampAuthorities()) != len(r2.TimestampAuthorities()) {
				t.Error("ParseJSON and FromFile disagree")
			}
			if _, ok := r.Snapshot(); ok || r.SigningConfigJSON() != nil {
				t.Error("a parsed trusted_root.json reports a snapshot or a signing config")
			}
			for _, l := range r.TransparencyLogs() {
				if got, ok := r.TransparencyLogByID(l.LogID); !ok || !bytes.Equal(got.LogID, l.LogID) {
					t.Errorf("TransparencyLogByID(%x) = %v, %v", l.LogID, got, ok)
				}
			}
			for _, l := range r.CTLogs() {
				if got, ok := r.CTLogByID(l.LogID); !ok || !bytes.Equal(got.LogID, l.LogID) {
					t.Errorf("CTLog(%x) = %v, %v", l.LogID, got, ok)
				}
			}
		})
	}
	for rel := range corpusRejections {
		if !slices.Contains(paths, rel) {
			t.Errorf("corpusRejections names %s, which is not in the corpus", rel)
		}
	}
	t.Logf("%d corpus trusted roots: %d parsed, %d rejected", len(paths), parsed, rejected)
	if parsed+rejected != len(paths) || rejected != len(corpusRejections) {
		t.Errorf("counts do not add up: %d roots, %d parsed, %d rejected, %d rejections expected", len(paths), parsed, rejected, len(corpusRejections))
	}
}

type counts struct{ cas, tlogs, ctlogs, tsas int }

func countsOf(r *trustroot.TrustedRoot) counts {
	return counts{len(r.CertificateAuthorities()), len(r.TransparencyLogs()), len(r.CTLogs()), len(r.TimestampAuthorities())}
}

func logNames(logs []*trustroot.TrustedLog) []string {
	var names []string
	for _, l := range logs {
		names = append(names, l.Name())
	}
	return names
}

func TestPublicGood(t *testing.T) {
	snapshotDate := time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		get    func() (*trustroot.TrustedRoot, error)
		file   string
		counts counts
		tlogs  []string
		ctlogs []string
	}{
		{"PublicGood", trustroot.PublicGood, productionRoot, counts{2, 2, 2, 1},
			[]string{"rekor.sigstore.dev", "log2025-1.rekor.sigstore.dev"},
			[]string{"ctfe.sigstore.dev", "ctfe.sigstore.dev"}},
		{"PublicGoodStaging", trustroot.PublicGoodStaging, stagingRoot, counts{2, 5, 5, 2},
			[]string{"rekor.sigstage.dev", "log2025-alpha1.rekor.sigstage.dev", "log2025-alpha2.rekor.sigstage.dev", "log2025-alpha3.rekor.sigstage.dev", "log2026-1.us-east4.rekor.sigstage.dev"},
			[]string{"ctfe.sigstage.dev", "ctfe.sigstage.dev", "ctfe.sigstage.dev", "log2026-1.ctfe.sigstage.dev", "log2026-1.us-east4.ctfe.sigstage.dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.get()
			if err != nil {
				t.Fatal(err)
			}
			if again, err := tt.get(); err != nil || again != r {
				t.Errorf("second call returned %p, %v; want the same root %p", again, err, r)
			}
			if got := countsOf(r); got != tt.counts {
				t.Errorf("counts (CAs, tlogs, CT logs, TSAs) = %v, want %v", got, tt.counts)
			}
			if got := logNames(r.TransparencyLogs()); !slices.Equal(got, tt.tlogs) {
				t.Errorf("tlog names %q, want %q", got, tt.tlogs)
			}
			if got := logNames(r.CTLogs()); !slices.Equal(got, tt.ctlogs) {
				t.Errorf("CT log names %q, want %q", got, tt.ctlogs)
			}
			if date, ok := r.Snapshot(); !ok || !date.Equal(snapshotDate) {
				t.Errorf("Snapshot() = %v, %v; want %v, true", date, ok, snapshotDate)
			}
			if r.MediaType() != trustroot.MediaTypeTrustedRootV01Legacy || r.SigningConfigJSON() != nil {
				t.Errorf("MediaType() = %q, SigningConfig() = %q", r.MediaType(), r.SigningConfigJSON())
			}
			if err := checkInvariants(r); err != nil {
				t.Error(err)
			}
			// The snapshot is the corpus copy of the TUF target.
			f := parseCorpus(t, tt.file)
			if countsOf(f) != countsOf(r) {
				t.Errorf("%s has counts %v, the snapshot %v", tt.file, countsOf(f), countsOf(r))
			}
			for i, l := range f.TransparencyLogs() {
				if !bytes.Equal(l.LogID, r.TransparencyLogs()[i].LogID) {
					t.Errorf("tlog %d differs from %s", i, tt.file)
				}
			}
		})
	}
}

func TestLookups(t *testing.T) {
	r, err := trustroot.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id      []byte
		baseURL string
		details string
	}{
		{rekorV1ID, "https://rekor.sigstore.dev", "PKIX_ECDSA_P256_SHA_256"},
		{rekorV2ID, "https://log2025-1.rekor.sigstore.dev", "PKIX_ED25519"},
	} {
		l, ok := r.TransparencyLogByID(tt.id)
		if !ok || l.BaseURL != tt.baseURL || l.KeyDetails != tt.details {
			t.Errorf("TransparencyLogByID(%x) = %+v, %v; want %s with %s", tt.id, l, ok, tt.baseURL, tt.details)
		}
		if _, ok := r.CTLogByID(tt.id); ok {
			t.Errorf("CTLog(%x) found a transparency log", tt.id)
		}
	}
	for _, tt := range []struct {
		id      []byte
		baseURL string
		end     time.Time
	}{
		{ctTestID, "https://ctfe.sigstore.dev/test", time.Date(2022, 10, 31, 23, 59, 59, 999e6, time.UTC)},
		{ct2022ID, "https://ctfe.sigstore.dev/2022", time.Time{}},
	} {
		l, ok := r.CTLogByID(tt.id)
		if !ok || l.BaseURL != tt.baseURL || !l.ValidFor.End.Equal(tt.end) {
			t.Errorf("CTLog(%x) = %+v, %v; want %s ending %v", tt.id, l, ok, tt.baseURL, tt.end)
		}
		if _, ok := r.TransparencyLogByID(tt.id); ok {
			t.Errorf("TransparencyLogByID(%x) found a CT log", tt.id)
		}
	}
	for _, id := range [][]byte{nil, {}, rekorV1ID[:31], append(slices.Clone(rekorV1ID), 0)} {
		if l, ok := r.TransparencyLogByID(id); ok || l != nil {
			t.Errorf("TransparencyLogByID(%x) = %v, %v; want nil, false", id, l, ok)
		}
		if l, ok := r.CTLogByID(id); ok || l != nil {
			t.Errorf("CTLog(%x) = %v, %v; want nil, false", id, l, ok)
		}
	}
	if got := trustroot.LogIDString(rekorV1ID); got != hex.EncodeToString(rekorV1ID) {
		t.Errorf("LogIDString = %q", got)
	}
}

func TestName(t *testing.T) {
	for baseURL, want := range map[string]string{
		"https://rekor.sigstore.dev":           "rekor.sigstore.dev",
		"https://log2025-1.rekor.sigstore.dev": "log2025-1.rekor.sigstore.dev",
		"https://ctfe.sigstore.dev/2022":       "ctfe.sigstore.dev",
		"http://localhost:8000":                "localhost",
		"http://127.0.0.1:3003":                "127.0.0.1",
		"http://[::1]:3003":                    "::1",
		"rekor.example":                        "rekor.example",
		"":                                     "",
		"https://[::1":                         "https://[::1",
	} {
		l := &trustroot.TrustedLog{BaseURL: baseURL}
		if got := l.Name(); got != want {
			t.Errorf("Name() of %q = %q, want %q", baseURL, got, want)
		}
	}
}

func TestTimeRangeContains(t *testing.T) {
	start := time.Date(2021, 1, 12, 11, 53, 27, 0, time.UTC)
	end := time.Date(2022, 10, 31, 23, 59, 59, 999e6, time.UTC)
	closed := trustroot.TimeRange{Start: start, End: end}
	open := trustroot.TimeRange{Start: start}
	for _, tt := range []struct {
		name   string
		r      trustroot.TimeRange
		t      time.Time
		wanted bool
	}{
		{"before start", closed, start.Add(-time.Nanosecond), false},
		{"at start", closed, start, true},
		{"at start, other zone", closed, start.In(time.FixedZone("UTC+5", 5*3600)), true},
		{"inside", closed, start.Add(time.Hour), true},
		{"at end", closed, end, true},
		{"after end", closed, end.Add(time.Nanosecond), false},
		{"open: before start", open, start.Add(-time.Nanosecond), false},
		{"open: at start", open, start, true},
		{"open: far future", open, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"single instant", trustroot.TimeRange{Start: start, End: start}, start, true},
	} {
		if got := tt.r.Contains(tt.t); got != tt.wanted {
			t.Errorf("%s: Contains(%v) = %v, want %v", tt.name, tt.t, got, tt.wanted)
		}
	}

	// The conformance case whose log key validity ends exactly at the
	// entry's integrated time.
	r := parseCorpus(t, "bundle-verify/trust-root-tlog-validity-end-inclusive/trusted_root.json")
	l, ok := r.TransparencyLogByID(rekorV1ID)
	if !ok || l.ValidFor.End.IsZero() || !l.ValidFor.Contains(l.ValidFor.End) || l.ValidFor.Contains(l.ValidFor.End.Add(time.Nanosecond)) {
		t.Errorf("rekor.sigstore.dev validity %+v (found %v) is not inclusive of its end", l.ValidFor, ok)
	}
}

func TestMediaTypes(t *testing.T) {
	for _, mt := range []string{trustroot.MediaTypeTrustedRootV01, trustroot.MediaTypeTrustedRootV01Legacy, trustroot.MediaTypeTrustedRootV02} {
		m := decode(t, readCorpus(t, productionRoot))
		m["mediaType"] = mt
		r, err := trustroot.ParseJSON(encode(t, m))
		if err != nil {
			t.Errorf("%s: %v", mt, err)
			continue
		}
		if r.MediaType() != mt || countsOf(r) != (counts{2, 2, 2, 1}) {
			t.Errorf("%s: MediaType() = %q, counts %v", mt, r.MediaType(), countsOf(r))
		}
	}
}

func TestClientTrustConfig(t *testing.T) {
	r, err := trustroot.FromFile(clientConfig)
	if err != nil {
		t.Fatalf("FromFile: %v", err)
	}
	if r.MediaType() != trustroot.MediaTypeClientTrustConfig {
		t.Errorf("MediaType() = %q", r.MediaType())
	}
	if got := countsOf(r); got != (counts{2, 2, 2, 1}) {
		t.Errorf("counts = %v", got)
	}
	if _, ok := r.TransparencyLogByID(rekorV1ID); !ok {
		t.Error("rekor.sigstore.dev not found")
	}
	sc := r.SigningConfigJSON()
	if sc == nil {
		t.Fatal("SigningConfig() = nil")
	}
	var v struct {
		MediaType                  string            `json:"mediaType"`
		RekorLogServices           []json.RawMessage `json:"rekorTlogUrls"`
		TimestampAuthorityServices []json.RawMessage `json:"tsaUrls"`
	}
	if err := json.Unmarshal(sc, &v); err != nil {
		t.Fatalf("SigningConfig(): %v", err)
	}
	if v.MediaType != "application/vnd.dev.sigstore.signingconfig.v0.2+json" || len(v.RekorLogServices) == 0 || len(v.TimestampAuthorityServices) == 0 {
		t.Errorf("SigningConfig() = %s", sc)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, sc); err != nil || !bytes.Equal(compact.Bytes(), sc) {
		t.Errorf("SigningConfig() is not compact JSON: %v", err)
	}
	sc[0] = 'X'
	if r.SigningConfigJSON()[0] == 'X' {
		t.Error("SigningConfig() returned shared memory")
	}
	for range 5 {
		again, err := trustroot.FromFile(clientConfig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.SigningConfigJSON(), r.SigningConfigJSON()) {
			t.Fatal("SigningConfig() differs between two parses of the same file")
		}
	}

	// Without a signing config.
	m := decode(t, readFile(t, clientConfig))
	delete(m, "signingConfig")
	r, err = trustroot.ParseJSON(encode(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if r.MediaType() != trustroot.MediaTypeClientTrustConfig || r.SigningConfigJSON() != nil {
		t.Errorf("MediaType() = %q, SigningConfig() = %q", r.MediaType(), r.SigningConfigJSON())
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Helpers for editing trusted roots as JSON.
var (
	decode = jsonedit.Decode
	encode = jsonedit.Encode
	at     = jsonedit.At
)

func certs(t testing.TB, m map[string]any, list string, i int) map[string]any {
	return at(t, m, list, i, "certChain")
}

// selfSignedCA returns a self-signed CA certificate with an RSA-1024 key,
// which sigil's algorithm allow-list refuses.
func selfSignedCA(t testing.TB) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "weak CA"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		base   string                               // a corpus file, or clientConfig
		mutate func(t testing.TB, m map[string]any) // edits the decoded base
		raw    func(data []byte) []byte             // or edits its bytes
		want   string                               // substring of the error
	}{
		// Media type.
		{name: "unknown media type", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				m["mediaType"] = "application/vnd.dev.sigstore.trustedroot.v0.3+json"
			},
			want: `unsupported media type "application/vnd.dev.sigstore.trustedroot.v0.3+json"`},
		{name: "missing media type", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(m, "mediaType") },
			want:   `unsupported media type ""`},
		{name: "bundle media type", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { m["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.3+json" },
			want:   "unsupported media type"},

		// Validity windows.
		{name: "tlog without validFor.start", base: missingStart,
			raw:  func(data []byte) []byte { return data },
			want: "validity window without start (log https://log2025-alpha1.rekor.sigstage.dev) (tlogs[1])"},
		{name: "tlog without validFor", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "tlogs", 0, "publicKey"), "validFor") },
			want:   "validity window without start (log https://rekor.sigstore.dev) (tlogs[0])"},
		{name: "tlog end before start", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 0, "publicKey", "validFor")["end"] = "2021-01-12T11:53:26Z"
			},
			want: "validity window ends before it starts (log https://rekor.sigstore.dev) (tlogs[0])"},
		{name: "CT log end before start", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "ctlogs", 1, "publicKey", "validFor")["end"] = "2000-01-01T00:00:00Z"
			},
			want: "validity window ends before it starts (log https://ctfe.sigstore.dev/2022) (ctlogs[1])"},
		{name: "CA end before start", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "certificateAuthorities", 1, "validFor")["end"] = "2022-04-13T20:06:14Z"
			},
			want: "validity window ends before it starts (authority https://fulcio.sigstore.dev) (certificateAuthorities[1])"},
		{name: "TSA without validFor", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "timestampAuthorities", 0), "validFor") },
			want:   "validity window without start (authority https://timestamp.sigstore.dev/api/v1/timestamp) (timestampAuthorities[0])"},
		{name: "invalid timestamp", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 0, "publicKey", "validFor")["start"] = "2021-13-12T11:53:27Z"
			},
			want: "invalid google.protobuf.Timestamp value"},

		// Certificate chains.
		{name: "CA chain with a leaf", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				m["certificateAuthorities"].([]any)[1].(map[string]any)["certChain"] = certs(t, m, "timestampAuthorities", 0)
			},
			want: "certificate 0 (CN=sigstore-tsa,O=sigstore.dev) is not a CA (authority https://fulcio.sigstore.dev) (certificateAuthorities[1])"},
		{name: "CA without certificates", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				certs(t, m, "certificateAuthorities", 0)["certificates"] = []any{}
			},
			want: "authority https://fulcio.sigstore.dev without certificates (certificateAuthorities[0])"},
		{name: "CA chain of 11", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				c := certs(t, m, "certificateAuthorities", 0)
				c["certificates"] = slices.Repeat(c["certificates"].([]any), limits.MaxChainLength+1)
			},
			want: "chain of 11 certificates exceeds the limit of 10"},
		{name: "CA certificate not DER", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "certificateAuthorities", 0, "certChain", "certificates", 0)["rawBytes"] = "AAAA"
			},
			want: "authority https://fulcio.sigstore.dev certificate 0: x509:"},
		{name: "CA key outside the allow-list", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "certificateAuthorities", 0, "certChain", "certificates", 0)["rawBytes"] = base64.StdEncoding.EncodeToString(selfSignedCA(t))
			},
			want: "authority https://fulcio.sigstore.dev certificate 0 (CN=weak CA): sigalg: unsupported key or algorithm"},
		{name: "TSA leaf without timeStamping EKU", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				m["timestampAuthorities"].([]any)[0].(map[string]any)["certChain"] = certs(t, m, "certificateAuthorities", 1)
			},
			want: "timestamp authority certificate CN=sigstore-intermediate,O=sigstore.dev lacks the timeStamping usage"},
		{name: "TSA chain with a leaf as issuer", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				c := certs(t, m, "timestampAuthorities", 0)
				cs := c["certificates"].([]any)
				c["certificates"] = []any{cs[0], cs[0]}
			},
			want: "certificate 1 (CN=sigstore-tsa,O=sigstore.dev) is not a CA (authority https://timestamp.sigstore.dev/api/v1/timestamp) (timestampAuthorities[0])"},

		// Log keys.
		{name: "unsupported key details", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "tlogs", 0, "publicKey")["keyDetails"] = "LMS_SHA256" },
			want:   `log public key: sigalg: unsupported key or algorithm: key details "LMS_SHA256"`},
		{name: "unspecified key details", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "tlogs", 0, "publicKey"), "keyDetails") },
			want:   `key details "PUBLIC_KEY_DETAILS_UNSPECIFIED"`},
		{name: "unknown key details", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 0, "publicKey")["keyDetails"] = "PKIX_NEW_ALGORITHM"
			},
			want: `key details "PUBLIC_KEY_DETAILS_UNSPECIFIED"`},
		{name: "key details for another curve", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 0, "publicKey")["keyDetails"] = "PKIX_ECDSA_P384_SHA_384"
			},
			want: "log public key: sigalg:"},
		{name: "key details for another algorithm", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 1, "publicKey")["keyDetails"] = "PKIX_ECDSA_P256_SHA_256"
			},
			want: "log public key: sigalg:"},
		{name: "log without public key", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "tlogs", 0), "publicKey") },
			want:   "log without public key (tlogs[0])"},
		{name: "log key not DER", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "ctlogs", 0, "publicKey")["rawBytes"] = "AAAA" },
			want:   "log public key: asn1: structure error"},
		{name: "log without hash algorithm", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "tlogs", 0), "hashAlgorithm") },
			want:   "unsupported hash algorithm HASH_ALGORITHM_UNSPECIFIED"},
		{name: "log with SHA3 hash", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "tlogs", 0)["hashAlgorithm"] = "SHA3_256" },
			want:   "unsupported hash algorithm SHA3_256"},
		{name: "log without log ID", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { delete(at(t, m, "tlogs", 1), "logId") },
			want:   "log https://log2025-1.rekor.sigstore.dev without log ID (tlogs[1])"},
		{name: "257 entities", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) {
				m["tlogs"] = slices.Repeat(m["tlogs"].([]any)[:1], limits.MaxTrustedEntities+1-5)
			},
			want: "257 entities exceed the limit of 256"},

		// Client trust config.
		{name: "ClientTrustConfig without trustedRoot", base: clientConfig,
			mutate: func(t testing.TB, m map[string]any) { delete(m, "trustedRoot") },
			want:   "client trust config without trusted root"},
		{name: "ClientTrustConfig with a bad trusted root", base: clientConfig,
			mutate: func(t testing.TB, m map[string]any) {
				delete(at(t, m, "trustedRoot", "tlogs", 0, "publicKey"), "validFor")
			},
			want: "validity window without start (log https://rekor.sigstore.dev) (tlogs[0]) (trustedRoot)"},
		{name: "ClientTrustConfig with an undecodable trusted root", base: clientConfig,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "trustedRoot", "tlogs", 0, "logId")["keyId"] = "!!!" },
			want:   "client trust config: proto: (line 1:"},
		{name: "ClientTrustConfig with an undecodable signing config", base: clientConfig,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "signingConfig")["caUrls"] = "not a list" },
			want:   `client trust config: proto: syntax error (line 1:99): unexpected token "not a list"`},

		// Encoding.
		{name: "oversize input", base: productionRoot,
			raw: func(data []byte) []byte {
				return append(data, bytes.Repeat([]byte{' '}, limits.MaxTrustedRootSize+1-len(data))...)
			},
			want: "4194305 bytes exceeds the limit of 4194304"},
		{name: "trailing garbage", base: productionRoot,
			raw:  func(data []byte) []byte { return append(data, "garbage"...) },
			want: "invalid value garbage"},
		{name: "truncated", base: productionRoot,
			raw:  func(data []byte) []byte { return data[:len(data)/2] },
			want: "unexpected EOF"},
		{name: "bad base64", base: productionRoot,
			mutate: func(t testing.TB, m map[string]any) { at(t, m, "tlogs", 0, "logId")["keyId"] = "not base64!" },
			want:   "invalid value for bytes field keyId"},
		{name: "empty input", base: productionRoot,
			raw:  func([]byte) []byte { return nil },
			want: "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var data []byte
			if tt.base == clientConfig {
				data = readFile(t, clientConfig)
			} else {
				data = readCorpus(t, tt.base)
			}
			if tt.raw != nil {
				data = tt.raw(data)
			} else {
				m := decode(t, data)
				tt.mutate(t, m)
				data = encode(t, m)
			}
			r, err := trustroot.ParseJSON(data)
			switch {
			case err == nil:
				t.Fatalf("ParseJSON succeeded, want error containing %q", tt.want)
			case r != nil:
				t.Errorf("ParseJSON returned a root with error %v", err)
			}
			if !errors.Is(err, trustroot.ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestVerifyChain checks that ParseJSON leaves a chain's signatures to
// VerifyChain, which checks each link once, names the broken one, returns
// the same answer on every call and trusts the anchor as listed.
func TestVerifyChain(t *testing.T) {
	stranger := func(t testing.TB, list string, i int) any {
		staging := decode(t, readCorpus(t, stagingRoot))
		return certs(t, staging, list, i)["certificates"].([]any)[1]
	}
	tests := []struct {
		name   string
		mutate func(t testing.TB, m map[string]any)
		tsa    bool   // the broken authority is the TSA, else CA 1
		want   string // substring of VerifyChain's error, or "" for none
	}{
		{name: "production", mutate: func(testing.TB, map[string]any) {}},
		{name: "CA chain with swapped certificates",
			mutate: func(t testing.TB, m map[string]any) {
				cs := certs(t, m, "certificateAuthorities", 1)["certificates"].([]any)
				cs[0], cs[1] = cs[1], cs[0]
			},
			want: "certificate 0 (CN=sigstore,O=sigstore.dev) is not signed by certificate 1: its issuer is CN=sigstore,O=sigstore.dev, not CN=sigstore-intermediate,O=sigstore.dev (authority https://fulcio.sigstore.dev)"},
		{name: "CA chain with a stranger's root",
			mutate: func(t testing.TB, m map[string]any) {
				certs(t, m, "certificateAuthorities", 1)["certificates"].([]any)[1] = stranger(t, "certificateAuthorities", 0)
			},
			want: "certificate 0 (CN=sigstore-intermediate,O=sigstore.dev) is not signed by certificate 1: x509: ECDSA verification failure (authority https://fulcio.sigstore.dev)"},
		{name: "TSA chain with a stranger's root", tsa: true,
			mutate: func(t testing.TB, m map[string]any) {
				certs(t, m, "timestampAuthorities", 0)["certificates"].([]any)[1] = stranger(t, "timestampAuthorities", 0)
			},
			want: "certificate 0 (CN=sigstore-tsa,O=sigstore.dev) is not signed by certificate 1: x509: ECDSA verification failure (authority https://timestamp.sigstore.dev/api/v1/timestamp)"},
		{name: "anchor with a broken self-signature",
			mutate: func(t testing.TB, m map[string]any) {
				for _, c := range []map[string]any{
					at(t, m, "certificateAuthorities", 0, "certChain", "certificates", 0),
					at(t, m, "certificateAuthorities", 1, "certChain", "certificates", 1),
				} {
					der, err := base64.StdEncoding.DecodeString(c["rawBytes"].(string))
					if err != nil {
						t.Fatal(err)
					}
					der[len(der)-1] ^= 1 // the last byte of the signature's s
					c["rawBytes"] = base64.StdEncoding.EncodeToString(der)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := decode(t, readCorpus(t, productionRoot))
			tt.mutate(t, m)
			r, err := trustroot.ParseJSON(encode(t, m))
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			ca := r.CertificateAuthorities()[1]
			if tt.tsa {
				ca = r.TimestampAuthorities()[0]
			}
			// Concurrent first calls, then a later one: one answer.
			errs := make([]error, 8)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() { errs[i] = ca.VerifyChain() })
			}
			wg.Wait()
			errs = append(errs, ca.VerifyChain())
			for _, e := range errs {
				if e != errs[0] {
					t.Fatalf("VerifyChain answered %v and %v", errs[0], e)
				}
			}
			err = errs[0]
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("VerifyChain: %v", err)
			case tt.want == "":
			case err == nil:
				t.Fatalf("VerifyChain succeeded, want error containing %q", tt.want)
			case !errors.Is(err, trustroot.ErrMalformed) || !strings.Contains(err.Error(), tt.want):
				t.Fatalf("VerifyChain: %v, want ErrMalformed containing %q", err, tt.want)
			}
			for _, other := range slices.Concat(r.CertificateAuthorities(), r.TimestampAuthorities()) {
				if other != ca {
					if err := other.VerifyChain(); err != nil {
						t.Errorf("VerifyChain of an authority left intact: %v", err)
					}
				}
			}
		})
	}
}

// TestParseAccepts checks the edges of what ParseJSON accepts.
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t testing.TB, m map[string]any)
		raw    func(data []byte) []byte
	}{
		{name: "input of exactly the size limit",
			raw: func(data []byte) []byte {
				return append(data, bytes.Repeat([]byte{' '}, limits.MaxTrustedRootSize-len(data))...)
			}},
		{name: "256 entities",
			mutate: func(t testing.TB, m map[string]any) {
				m["tlogs"] = slices.Repeat(m["tlogs"].([]any)[:1], limits.MaxTrustedEntities-5)
			}},
		{name: "validity of a single instant",
			mutate: func(t testing.TB, m map[string]any) {
				at(t, m, "tlogs", 0, "publicKey", "validFor")["end"] = "2021-01-12T11:53:27Z"
			}},
		{name: "unknown fields",
			mutate: func(t testing.TB, m map[string]any) {
				m["futureField"] = []any{1, 2}
				at(t, m, "tlogs", 0)["futureField"] = "x"
			}},
		{name: "no entities",
			raw: func([]byte) []byte {
				return []byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := readCorpus(t, productionRoot)
			if tt.raw != nil {
				data = tt.raw(data)
			} else {
				m := decode(t, data)
				tt.mutate(t, m)
				data = encode(t, m)
			}
			r, err := trustroot.ParseJSON(data)
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			if err := checkInvariants(r); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	_, err := trustroot.FromFile(filepath.Join(dir, "missing.json"))
	if err == nil || errors.Is(err, trustroot.ErrMalformed) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FromFile of a missing file: %v; want fs.ErrNotExist, not ErrMalformed", err)
	}

	big := filepath.Join(dir, "big.json")
	data := readCorpus(t, productionRoot)
	if err := os.WriteFile(big, append(data, bytes.Repeat([]byte{' '}, 2*limits.MaxTrustedRootSize)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := trustroot.FromFile(big); !errors.Is(err, trustroot.ErrMalformed) || !strings.Contains(err.Error(), "4194305 bytes exceeds the limit") {
		t.Errorf("FromFile of an oversize file: %v", err)
	}
}

func TestFromProto(t *testing.T) {
	if _, err := trustroot.FromProto(nil); !errors.Is(err, trustroot.ErrMalformed) || !strings.Contains(err.Error(), "nil trusted root") {
		t.Errorf("FromProto(nil) = %v", err)
	}

	var pb prototrust.TrustedRoot
	if err := protojson.Unmarshal(readCorpus(t, productionRoot), &pb); err != nil {
		t.Fatal(err)
	}
	r, err := trustroot.FromProto(&pb)
	if err != nil {
		t.Fatalf("FromProto: %v", err)
	}
	if countsOf(r) != (counts{2, 2, 2, 1}) {
		t.Errorf("counts = %v", countsOf(r))
	}
	// Changes to the message must not reach the root.
	pb.GetTlogs()[0].GetLogId().GetKeyId()[0] ^= 0xff
	pb.GetCertificateAuthorities()[0].GetCertChain().GetCertificates()[0].GetRawBytes()[0] ^= 0xff
	if _, ok := r.TransparencyLogByID(rekorV1ID); !ok {
		t.Error("the root's log ID changed with the message")
	}
	if r.CertificateAuthorities()[0].Certificates[0].Raw[0] != 0x30 {
		t.Error("the root's certificate changed with the message")
	}

	pb.MediaType = "application/x-unknown"
	if _, err := trustroot.FromProto(&pb); !errors.Is(err, trustroot.ErrMalformed) {
		t.Errorf("FromProto with unknown media type: %v", err)
	}
}

func TestAuthorities(t *testing.T) {
	r := parseCorpus(t, productionRoot)
	cas := r.CertificateAuthorities()
	if cas[1].URI != "https://fulcio.sigstore.dev" || cas[1].Subject.CommonName != "sigstore" ||
		!slices.Equal(cas[1].Subject.Organization, []string{"sigstore.dev"}) || len(cas[1].Certificates) != 2 ||
		cas[1].Certificates[1].Subject.CommonName != "sigstore" || !cas[1].ValidFor.End.IsZero() {
		t.Errorf("CA 1 = %+v", cas[1])
	}
	if want := time.Date(2022, 12, 31, 23, 59, 59, 999e6, time.UTC); !cas[0].ValidFor.End.Equal(want) {
		t.Errorf("CA 0 ends %v, want %v", cas[0].ValidFor.End, want)
	}
	tsa := r.TimestampAuthorities()[0]
	if tsa.URI != "https://timestamp.sigstore.dev/api/v1/timestamp" || len(tsa.Certificates) != 2 ||
		!slices.Contains(tsa.Certificates[0].ExtKeyUsage, x509.ExtKeyUsageTimeStamping) ||
		!tsa.ValidFor.Start.Equal(time.Date(2025, 7, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("TSA = %+v", tsa)
	}
}
