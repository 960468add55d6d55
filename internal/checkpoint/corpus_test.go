package checkpoint

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/witness"
)

var (
	update      = flag.Bool("update", false, "regenerate testdata/ from -conformance")
	conformance = flag.String("conformance", "../../../shared/conformance", "sigstore conformance data directory (used with -update)")
)

const corpusFile = "testdata/checkpoints.json"

// corpus is the content of testdata/checkpoints.json: every checkpoint found
// in the conformance data, with the trusted-root entry of its log.
type corpus struct {
	Comment string               `json:"comment"`
	Logs    map[string]corpusLog `json:"logs"` // by base64 log ID
	Cases   []corpusCase         `json:"cases"`

	byName map[string]corpusCase // first entry of each case
}

type corpusLog struct {
	BaseURL    string `json:"baseUrl"`
	KeyDetails string `json:"keyDetails"`
	PublicKey  string `json:"publicKey"` // base64 PKIX DER
}

type corpusCase struct {
	Name     string `json:"name"`   // cases.json name
	Bundle   string `json:"bundle"` // relative to the conformance directory
	Entry    int    `json:"entry"`  // index in verificationMaterial.tlogEntries
	LogID    string `json:"logId"`  // base64
	Envelope string `json:"envelope"`
}

func loadCorpus(tb testing.TB) *corpus {
	tb.Helper()
	data, err := os.ReadFile(corpusFile)
	if err != nil {
		tb.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(data, &c); err != nil {
		tb.Fatal(err)
	}
	c.byName = make(map[string]corpusCase)
	for _, cc := range c.Cases {
		if _, dup := c.byName[cc.Name]; !dup { // first entry of a bundle
			c.byName[cc.Name] = cc
		}
	}
	return &c
}

// get returns the first checkpoint of the named case.
func (c *corpus) get(tb testing.TB, name string) corpusCase {
	tb.Helper()
	cc, ok := c.byName[name]
	if !ok {
		tb.Fatalf("case %q not in %s", name, corpusFile)
	}
	return cc
}

// log builds the Log a client builds from the trusted root: base URL, key
// ID = log ID prefix, key = PKIX key.
func (c *corpus) log(tb testing.TB, cc corpusCase) Log {
	tb.Helper()
	l, ok := c.Logs[cc.LogID]
	if !ok {
		tb.Fatalf("%s: log %s not in corpus", cc.Name, cc.LogID)
	}
	der, err := base64.StdEncoding.DecodeString(l.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		tb.Fatal(err)
	}
	id, err := base64.StdEncoding.DecodeString(cc.LogID)
	if err != nil || len(id) < 4 {
		tb.Fatalf("bad log ID %q", cc.LogID)
	}
	return Log{BaseURL: l.BaseURL, KeyID: [4]byte(id), Key: key}
}

type outcome int

const (
	wantOK outcome = iota
	wantMalformed
	wantWrongOrigin
	wantNoLogSignature
	wantInvalidSignature
	wantInvalidCosignature
)

func (o outcome) String() string {
	return [...]string{"ok", "ErrMalformed", "WrongOrigin", "NoLogSignature", "InvalidSignature", "InvalidCosignature"}[o]
}

// classify maps Open's result to an outcome, failing the test on any result
// outside the documented contract.
func classify(tb testing.TB, cp *Signed, err error) outcome {
	tb.Helper()
	if err == nil {
		if cp == nil {
			tb.Fatal("Open returned nil, nil")
		}
		return wantOK
	}
	if cp != nil {
		tb.Fatalf("Open returned a checkpoint with error %v", err)
	}
	if !strings.HasPrefix(err.Error(), "checkpoint: ") {
		tb.Errorf("error %q lacks the package prefix", err)
	}
	var verr *VerificationError
	switch {
	case errors.Is(err, ErrMalformed):
		if errors.As(err, &verr) {
			tb.Fatalf("error %v is both malformed and a verification error", err)
		}
		return wantMalformed
	case errors.As(err, &verr):
		switch verr.Reason {
		case WrongOrigin:
			return wantWrongOrigin
		case InvalidCosignature:
			return wantInvalidCosignature
		case NoLogSignature:
			return wantNoLogSignature
		case InvalidSignature:
			return wantInvalidSignature
		}
	}
	tb.Fatalf("unexpected error %v (%T)", err, err)
	return 0
}

// corpusWant lists the checkpoints Open must reject, and why. Every other
// checkpoint in the corpus must verify: the conformance cases that fail do so
// for reasons other than their checkpoint.
var corpusWant = map[string]outcome{
	// The key ID of the only line is not the log's (the signature is fine).
	"conformance/checkpoint-bad-keyhint_fail": wantNoLogSignature,
	// The log's line carries a corrupted signature.
	"conformance/invalid-checkpoint-signature_fail": wantInvalidSignature,
	// "text\n\n" with no signature line at all: not a signed note.
	"conformance/rekor2-checkpoint-missing-log-signature_fail": wantMalformed,
	// The text lost its origin line: the first line ("736") is not the
	// log's origin.
	"conformance/rekor2-checkpoint-missing-origin_fail": wantWrongOrigin,
	// The text lost a line, so the log's signature no longer verifies
	// (the text is not a checkpoint either, but the signature is checked
	// first).
	"conformance/rekor2-checkpoint-missing-root-hash_fail": wantInvalidSignature,
	"conformance/rekor2-checkpoint-missing-size_fail":      wantInvalidSignature,
	// Origin and signer name rewritten to log2025-alpha1.rekor.github.dev.
	"conformance/rekor2-checkpoint-no-matching-signature_fail": wantWrongOrigin,
}

func TestCorpus(t *testing.T) {
	c := loadCorpus(t)
	if len(c.Cases) < 100 {
		t.Fatalf("corpus has %d checkpoints, want >= 100", len(c.Cases))
	}
	for name := range corpusWant {
		c.get(t, name) // every listed case must be in the corpus
	}
	counts := map[outcome]int{}
	for _, cc := range c.Cases {
		t.Run(fmt.Sprintf("%s#%d", cc.Name, cc.Entry), func(t *testing.T) {
			s, err := Open([]byte(cc.Envelope), c.log(t, cc))
			got := classify(t, s, err)
			want := corpusWant[cc.Name]
			counts[got]++
			if got != want {
				t.Fatalf("Open = %v (err %v), want %v", got, err, want)
			}
			if got != wantOK {
				return
			}
			// The checkpoint is the one in the text, and the note is the
			// reference implementation's reading of the envelope.
			cp2, err := ParseCheckpoint([]byte(s.Note.Text))
			if err != nil {
				t.Fatal(err)
			}
			if !equalCheckpoints(&s.Checkpoint, cp2) {
				t.Fatalf("Open = %+v, ParseCheckpoint = %+v", s.Checkpoint, cp2)
			}
			if !bytes.Equal(s.Marshal(), []byte(s.Note.Text)) || !strings.HasPrefix(cc.Envelope, s.Note.Text+"\n") {
				t.Fatalf("Marshal = %q, want %q", s.Marshal(), s.Note.Text)
			}
			if len(s.Note.Sigs) != 1 {
				t.Fatalf("%d verified lines without witnesses, want 1", len(s.Note.Sigs))
			}
		})
	}
	t.Logf("outcomes: %v", counts)
}

// TestCorpusDetails checks specific properties of named conformance cases.
func TestCorpusDetails(t *testing.T) {
	c := loadCorpus(t)

	t.Run("rekor v1", func(t *testing.T) {
		cc := c.get(t, "conformance/happy-path-v0.3")
		l := c.log(t, cc)
		if _, ok := l.Key.(*ecdsa.PublicKey); !ok {
			t.Fatalf("key %T", l.Key)
		}
		s, err := Open([]byte(cc.Envelope), l)
		if err != nil {
			t.Fatal(err)
		}
		if s.Origin != "rekor.sigstore.dev - 2605736670972794746" || s.Size != 75408393 || len(s.RootHash) != 32 || s.Extra != nil {
			t.Fatalf("%+v", s.Checkpoint)
		}
		// The log ID of an ECDSA log is SHA-256 of its PKIX key.
		der, _ := base64.StdEncoding.DecodeString(c.Logs[cc.LogID].PublicKey)
		if h := sha256.Sum256(der); base64.StdEncoding.EncodeToString(h[:]) != cc.LogID {
			t.Errorf("log ID %s is not SHA-256 of the key", cc.LogID)
		}
		// Rekor v1 signs as its configured hostname: another key name
		// than the origin's is not the log's line.
		env := strings.Replace(cc.Envelope, "— rekor.sigstore.dev ", "— rekor.sigstage.dev ", 1)
		_, err = Open([]byte(env), l)
		if got := classify(t, nil, err); got != wantNoLogSignature {
			t.Fatalf("renamed line: got %v (%v)", got, err)
		}
	})

	t.Run("rekor v1 private deployment signing as its pod name", func(t *testing.T) {
		// sigstore-go accepts these; the v1 name is the origin's, not the
		// base URL's host.
		cc := c.get(t, "sigstore-go/othername-private-deployment")
		s, err := Open([]byte(cc.Envelope), c.log(t, cc))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s.Origin, "rekor-00001-deployment-56bf7777c9-jds5x - ") || c.Logs[cc.LogID].BaseURL != "http://rekor.rekor-system.172.18.255.1.sslip.io" {
			t.Fatalf("origin %q", s.Origin)
		}
	})

	t.Run("rekor v1 timestamp extension", func(t *testing.T) {
		cc := c.get(t, "conformance/happy-path-v0.2")
		s, err := Open([]byte(cc.Envelope), c.log(t, cc))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Extra) != 1 || !strings.HasPrefix(s.Extra[0], "Timestamp: ") {
			t.Fatalf("%+v", s.Checkpoint)
		}
	})

	t.Run("rekor v2", func(t *testing.T) {
		cc := c.get(t, "conformance/rekor2-happy-path")
		l := c.log(t, cc)
		pub, ok := l.Key.(ed25519.PublicKey)
		const origin = "log2025-alpha1.rekor.sigstage.dev"
		if !ok || l.BaseURL != "https://"+origin {
			t.Fatalf("log %q %T", l.BaseURL, l.Key)
		}
		// The log ID of an Ed25519 note key is SHA-256(origin || "\n" || 0x01 || key).
		h := sha256.Sum256(slices.Concat([]byte(origin), []byte{'\n', 1}, pub))
		if base64.StdEncoding.EncodeToString(h[:]) != cc.LogID {
			t.Errorf("log ID %s is not the note key hash", cc.LogID)
		}
		s, err := Open([]byte(cc.Envelope), l)
		if err != nil {
			t.Fatal(err)
		}
		if s.Origin != origin || s.Size != 736 || s.Extra != nil {
			t.Fatalf("%+v", s.Checkpoint)
		}
		// The same checkpoint under a trusted root naming another host.
		for _, u := range []string{"https://log2025-alpha2.rekor.sigstage.dev", "https://rekor.sigstage.dev", "https://" + origin + ".evil.example"} {
			l.BaseURL = u
			_, err := Open([]byte(cc.Envelope), l)
			if got := classify(t, nil, err); got != wantWrongOrigin {
				t.Errorf("base URL %s: got %v (%v), want WrongOrigin", u, got, err)
			}
		}
	})

	t.Run("cosignatures", func(t *testing.T) {
		for name, wantSigs := range map[string]int{
			"conformance/rekor2-checkpoint-cosigned":             2,
			"conformance/rekor2-checkpoint-multiple-cosigs":      3,
			"conformance/rekor2-checkpoint-origin-not-first":     2,
			"conformance/rekor2-checkpoint-two-sigs-cosigned":    3,
			"conformance/rekor2-checkpoint-two-sigs-from-origin": 2,
			"conformance/rekor2-dsse-happy-path":                 4,
		} {
			cc := c.get(t, name)
			s, err := Open([]byte(cc.Envelope), c.log(t, cc))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := len(s.Note.Sigs) + len(s.Note.UnverifiedSigs); got != wantSigs {
				t.Errorf("%s: %d signature lines, want %d", name, got, wantSigs)
			}
			if len(s.Note.Sigs) != 1 || s.Cosignatures != nil {
				t.Errorf("%s: %d verified lines without witnesses, want 1", name, len(s.Note.Sigs))
			}
		}
	})

	t.Run("real witnesses", func(t *testing.T) {
		// The staging DSSE bundle's checkpoint carries cosignatures of
		// three public witnesses; their keys are not in the corpus, so
		// the lines are unverified, and a key that is not theirs under
		// one of their names is simply not asked for.
		cc := c.get(t, "conformance/rekor2-dsse-happy-path")
		w := newWitness(t, "witness.stagemole.eu")
		s, err := Open([]byte(cc.Envelope), c.log(t, cc), w.key)
		if err != nil {
			t.Fatal(err)
		}
		if s.Cosignatures != nil {
			t.Fatalf("%+v", s.Cosignatures)
		}
		for _, u := range s.Note.UnverifiedSigs {
			if _, err := witness.CosignatureTime(u.Base64); err != nil {
				t.Errorf("%s: %v", u.Name, err)
			}
		}
	})
}

func equalCheckpoints(a, b *Checkpoint) bool {
	return a.Origin == b.Origin && a.Size == b.Size && bytes.Equal(a.RootHash, b.RootHash) && slices.Equal(a.Extra, b.Extra)
}

// TestUpdateCorpus regenerates testdata/checkpoints.json, the fuzz seed
// corpora and the licenses in testdata/conformance/ from the conformance data:
//
//	go test ./internal/checkpoint -run TestUpdateCorpus -update [-conformance DIR]
func TestUpdateCorpus(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata")
	}
	dir := *conformance
	var cases []struct {
		Name            string `json:"name"`
		Bundle          string `json:"bundle"`
		TrustedRoot     string `json:"trusted_root"`
		TrustedRootFile string `json:"trusted_root_file"`
	}
	readJSON(t, filepath.Join(dir, "cases.json"), &cases)

	out := corpus{
		Comment: "Generated by TestUpdateCorpus from the sigstore conformance data " +
			"(see conformance/SOURCE.md): every inclusionProof.checkpoint.envelope " +
			"of every case in cases.json, with the trusted-root tlog whose logId " +
			"matches the entry's logId.keyId.",
		Logs: map[string]corpusLog{},
	}
	for _, cs := range cases {
		var bundle struct {
			VerificationMaterial struct {
				TlogEntries []struct {
					LogID struct {
						KeyID string `json:"keyId"`
					} `json:"logId"`
					InclusionProof *struct {
						Checkpoint *struct {
							Envelope string `json:"envelope"`
						} `json:"checkpoint"`
					} `json:"inclusionProof"`
				} `json:"tlogEntries"`
			} `json:"verificationMaterial"`
		}
		data, err := os.ReadFile(filepath.Join(dir, cs.Bundle))
		if err != nil {
			t.Fatal(err)
		}
		if json.Unmarshal(data, &bundle) != nil {
			t.Logf("skipping %s: bundle is not JSON", cs.Name)
			continue
		}
		rootFile := cs.TrustedRootFile
		if rootFile == "" {
			rootFile = cs.TrustedRoot
		}
		var root struct {
			Tlogs []struct {
				BaseURL   string `json:"baseUrl"`
				PublicKey struct {
					RawBytes   string `json:"rawBytes"`
					KeyDetails string `json:"keyDetails"`
				} `json:"publicKey"`
				LogID struct {
					KeyID string `json:"keyId"`
				} `json:"logId"`
			} `json:"tlogs"`
		}
		readJSON(t, filepath.Join(dir, rootFile), &root)
		for i, e := range bundle.VerificationMaterial.TlogEntries {
			if e.InclusionProof == nil || e.InclusionProof.Checkpoint == nil {
				continue
			}
			found := false
			for _, tl := range root.Tlogs {
				if tl.LogID.KeyID != e.LogID.KeyID {
					continue
				}
				l := corpusLog{BaseURL: tl.BaseURL, KeyDetails: tl.PublicKey.KeyDetails, PublicKey: tl.PublicKey.RawBytes}
				if old, ok := out.Logs[tl.LogID.KeyID]; ok && old != l {
					t.Fatalf("log %s differs between trusted roots", tl.LogID.KeyID)
				}
				out.Logs[tl.LogID.KeyID] = l
				found = true
				break
			}
			if !found {
				t.Logf("skipping %s entry %d: log %s not in %s", cs.Name, i, e.LogID.KeyID, rootFile)
				continue
			}
			out.Cases = append(out.Cases, corpusCase{
				Name: cs.Name, Bundle: cs.Bundle, Entry: i,
				LogID: e.LogID.KeyID, Envelope: e.InclusionProof.Checkpoint.Envelope,
			})
		}
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, corpusFile, append(data, '\n'))

	for from, to := range map[string]string{
		"LICENSE": "LICENSE",
		"real-bundles/cpython-release-tracker/LICENSE": "LICENSE.cpython-release-tracker",
	} {
		license, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join("testdata/conformance", to), license)
	}

	// Seed corpora: each distinct envelope, except that only a few of the
	// many similar CPython release checkpoints are kept.
	for _, fuzz := range []string{"FuzzParseCheckpoint", "FuzzOpen"} {
		if err := os.RemoveAll(filepath.Join("testdata/fuzz", fuzz)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	cpython := 0
	for _, cc := range out.Cases {
		if seen[cc.Envelope] {
			continue
		}
		seen[cc.Envelope] = true
		if strings.HasPrefix(cc.Name, "cpython/") {
			if cpython++; cpython > 3 {
				continue
			}
		}
		base := strings.NewReplacer("/", "_", "@", "_").Replace(cc.Name) + "_" + strconv.Itoa(cc.Entry)
		env := []byte(cc.Envelope)
		writeSeed(t, "FuzzOpen", base, env)
		if i := bytes.LastIndex(env, []byte("\n\n")); i >= 0 {
			writeSeed(t, "FuzzParseCheckpoint", base, env[:i+1])
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeSeed writes one input in the "go test fuzz v1" format.
func writeSeed(t *testing.T, fuzz, name string, data []byte) {
	t.Helper()
	writeFile(t, filepath.Join("testdata/fuzz", fuzz, name),
		[]byte("go test fuzz v1\n[]byte("+strconv.Quote(string(data))+")\n"))
}
