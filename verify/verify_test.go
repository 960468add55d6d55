package verify_test

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const beacon = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
const ghIssuer = "https://token.actions.githubusercontent.com"

// fixture is a good bundle with its trusted root and artifact.
type fixture struct {
	root     *trustroot.TrustedRoot
	json     map[string]any
	artifact []byte
}

func load(t *testing.T, bundlePath, rootPath string) *fixture {
	t.Helper()
	root, err := trustroot.FromFile(filepath.Join(conformanceDir, rootPath))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(conformanceDir, bundlePath))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	art, err := os.ReadFile(filepath.Join(conformanceDir, "bundle-verify/a.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{root: root, json: m, artifact: art}
}

// mutated returns the bundle after f changed a deep copy of its JSON.
func (f *fixture) mutated(t *testing.T, mutate func(m map[string]any)) *bundle.Bundle {
	t.Helper()
	data, _ := json.Marshal(f.json)
	var m map[string]any
	json.Unmarshal(data, &m)
	if mutate != nil {
		mutate(m)
	}
	data, _ = json.Marshal(m)
	b, err := bundle.Parse(data)
	if err != nil {
		t.Fatalf("mutated bundle does not parse: %v", err)
	}
	return b
}

func get(m map[string]any, path ...any) any {
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur
}

func set(m map[string]any, value any, path ...any) {
	parent := get(m, path[:len(path)-1]...)
	switch k := path[len(path)-1].(type) {
	case string:
		parent.(map[string]any)[k] = value
	case int:
		parent.([]any)[k] = value
	}
}

// flipB64 flips one bit of the base64 bytes field at path.
func flipB64(m map[string]any, path ...any) {
	raw, _ := base64.StdEncoding.DecodeString(get(m, path...).(string))
	raw[len(raw)/2] ^= 1
	set(m, base64.StdEncoding.EncodeToString(raw), path...)
}

func entry(path ...any) []any {
	return append([]any{"verificationMaterial", "tlogEntries", 0}, path...)
}

func assertStep(t *testing.T, err error, step verify.Step, substr string) {
	t.Helper()
	var verr *verify.Error
	if !errors.As(err, &verr) {
		t.Fatalf("want a *verify.Error at %v, got %v", step, err)
	}
	if verr.Step != step {
		t.Fatalf("failed at %v, want %v: %v", verr.Step, step, err)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("error %q does not mention %q", err, substr)
	}
}

// TestMutations changes one field of a good public-good bundle at a time and
// checks which step rejects it.
func TestMutations(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	v, err := verify.New(f.root)
	if err != nil {
		t.Fatal(err)
	}
	other := load(t, "bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	otherCert := get(other.json, "verificationMaterial", "certificate", "rawBytes")
	good := policy.Identity(ghIssuer, beacon)
	if _, err := v.Verify(f.mutated(t, nil), verify.ArtifactReader(bytes.NewReader(f.artifact)), good); err != nil {
		t.Fatalf("unmodified bundle: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		step   verify.Step
		substr string
	}{
		{"signature", func(m map[string]any) { flipB64(m, "messageSignature", "signature") }, verify.StepTransparencyLog, "signature differs"},
		{"message digest", func(m map[string]any) { flipB64(m, "messageSignature", "messageDigest", "digest") }, verify.StepTransparencyLog, "message digest"},
		{"SET", func(m map[string]any) { flipB64(m, entry("inclusionPromise", "signedEntryTimestamp")...) }, verify.StepTransparencyLog, "inclusion promise"},
		{"integrated time", func(m map[string]any) {
			it := get(m, entry("integratedTime")...).(string)
			set(m, it[:len(it)-1]+"0", entry("integratedTime")...)
		}, verify.StepTransparencyLog, "inclusion promise"},
		{"log index", func(m map[string]any) { set(m, "1", entry("logIndex")...) }, verify.StepTransparencyLog, "inclusion promise"},
		{"body", func(m map[string]any) { flipB64(m, entry("canonicalizedBody")...) }, verify.StepTransparencyLog, ""},
		{"unknown log", func(m map[string]any) { flipB64(m, entry("logId", "keyId")...) }, verify.StepTransparencyLog, "not in the trusted root"},
		{"proof hash", func(m map[string]any) { flipB64(m, entry("inclusionProof", "hashes", 0)...) }, verify.StepTransparencyLog, "inclusion proof"},
		{"proof root", func(m map[string]any) { flipB64(m, entry("inclusionProof", "rootHash")...) }, verify.StepTransparencyLog, "checkpoint"},
		{"proof index", func(m map[string]any) { set(m, "1", entry("inclusionProof", "logIndex")...) }, verify.StepTransparencyLog, "inclusion proof"},
		{"checkpoint", func(m map[string]any) {
			env := get(m, entry("inclusionProof", "checkpoint", "envelope")...).(string)
			set(m, strings.Replace(env, "\n", "\nx", 1), entry("inclusionProof", "checkpoint", "envelope")...)
		}, verify.StepTransparencyLog, "checkpoint"},
		{"no entries", func(m map[string]any) { set(m, []any{}, "verificationMaterial", "tlogEntries") }, verify.StepTransparencyLog, "threshold"},
		{"certificate", func(m map[string]any) { set(m, otherCert, "verificationMaterial", "certificate", "rawBytes") }, verify.StepTransparencyLog, "certificate differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.mutated(t, tt.mutate)
			res, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), good)
			if res != nil {
				t.Fatal("result returned with an error")
			}
			assertStep(t, err, tt.step, tt.substr)
		})
	}
}

func TestArtifactAndPolicy(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	v, _ := verify.New(f.root)
	b := f.mutated(t, nil)
	good := policy.Identity(ghIssuer, beacon)

	_, err := v.Verify(b, verify.ArtifactReader(strings.NewReader("another artifact")), good)
	assertStep(t, err, verify.StepArtifact, "digest")

	_, err = v.Verify(b, verify.ArtifactDigest(crypto.SHA256, make([]byte, 32)), good)
	assertStep(t, err, verify.StepArtifact, "digest")

	_, err = v.Verify(b, verify.ArtifactDigest(crypto.SHA256, make([]byte, 31)), good)
	assertStep(t, err, verify.StepArtifact, "31-byte")

	_, err = v.Verify(b, verify.Artifact{}, good)
	assertStep(t, err, verify.StepArtifact, "no artifact")

	_, err = v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon+"x"))
	assertStep(t, err, verify.StepPolicy, "do not match")
	var pv *policy.ViolationError
	if !errors.As(err, &pv) {
		t.Fatal("policy failure does not wrap *policy.ViolationError")
	}

	_, err = v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity("", ""))
	assertStep(t, err, verify.StepPolicy, "empty")

	_, err = v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), nil)
	assertStep(t, err, verify.StepPolicy, "nil policy")

	_, err = v.Verify(nil, verify.UnsafeNoArtifact(), good)
	assertStep(t, err, verify.StepBundle, "nil bundle")

	res, err := v.Verify(b, verify.UnsafeNoArtifact(), good)
	if err != nil || res.Signer.Certificate == nil {
		t.Fatalf("UnsafeNoArtifact: %v", err)
	}
}

func TestThresholdsAndClock(t *testing.T) {
	f := load(t, "bundle-verify/rekor2-happy-path/bundle.sigstore.json", "bundle-verify/rekor2-happy-path/trusted_root.json")
	b := f.mutated(t, nil)
	good := policy.Identity(ghIssuer, beacon)
	art := func() verify.Artifact { return verify.ArtifactReader(bytes.NewReader(f.artifact)) }

	v, err := verify.New(f.root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(b, art(), good)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Timestamps) != 1 || res.Timestamps[0].Kind != "rfc3161" || len(res.TlogEntries) != 1 || res.TlogEntries[0].IntegratedTime != (time.Time{}) {
		t.Fatalf("unexpected result: %+v", res)
	}

	// A Rekor v2 entry has no integrated time: two timestamps cannot be had.
	v2, err := verify.New(f.root, verify.RequireTimestamps(2))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v2.Verify(b, art(), good)
	assertStep(t, err, verify.StepTimestamp, "1 verified observer timestamps")
	if !errors.Is(err, verify.ErrThreshold) {
		t.Fatal("threshold failure does not wrap ErrThreshold")
	}

	// A timestamp that does not verify is not counted.
	tampered := f.mutated(t, func(m map[string]any) {
		flipB64(m, "verificationMaterial", "timestampVerificationData", "rfc3161Timestamps", 0, "signedTimestamp")
	})
	_, err = v.Verify(tampered, art(), good)
	assertStep(t, err, verify.StepTimestamp, "threshold")

	// With timestamps waived, the certificate is checked at the clock's time.
	v3, err := verify.New(f.root, verify.UnsafeNoTimestamps(), verify.WithClock(func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }))
	if err != nil {
		t.Fatal(err)
	}
	stripped := f.mutated(t, func(m map[string]any) {
		delete(get(m, "verificationMaterial").(map[string]any), "timestampVerificationData")
	})
	_, err = v3.Verify(stripped, art(), good)
	assertStep(t, err, verify.StepCertificate, "expired or is not yet valid")

	// Options are checked against the root.
	if _, err := verify.New(f.root, verify.RequireTlogEntries(100)); err == nil || !strings.Contains(err.Error(), "RequireTlogEntries(100)") {
		t.Fatalf("RequireTlogEntries(100): %v", err)
	}
	if _, err := verify.New(f.root, verify.RequireSCTs(0)); err == nil {
		t.Fatal("RequireSCTs(0) accepted")
	}
}

func TestFutureIntegratedTime(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	v, _ := verify.New(f.root, verify.WithClock(func() time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC) }))
	_, err := v.Verify(f.mutated(t, nil), verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon))
	assertStep(t, err, verify.StepTransparencyLog, "in the future")
}

func TestUnsafeNoSCTs(t *testing.T) {
	// invalid-ct-key_fail carries an SCT from a log whose key the root gets
	// wrong; it fails only for want of a verified SCT.
	f := load(t, "bundle-verify/invalid-ct-key_fail/bundle.sigstore.json", "bundle-verify/invalid-ct-key_fail/trusted_root.json")
	b := f.mutated(t, nil)
	p := policy.Identity(ghIssuer, beacon)
	v, _ := verify.New(f.root)
	_, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), p)
	assertStep(t, err, verify.StepSCT, "threshold")
	v, _ = verify.New(f.root, verify.UnsafeNoSCTs())
	if _, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), p); err != nil {
		t.Fatalf("UnsafeNoSCTs: %v", err)
	}
}

// TestConcurrentVerify shares one Verifier among goroutines (run with -race).
func TestConcurrentVerify(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	v, _ := verify.New(f.root)
	b := f.mutated(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := policy.Identity(ghIssuer, beacon)
			if i%2 == 1 {
				p = policy.Identity(ghIssuer, "someone-else")
			}
			_, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), p)
			if (err == nil) != (i%2 == 0) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("goroutine got %v", err)
	}
}

// TestRekorV2LogWindow: a Rekor v2 entry has no integrated time, so the log
// key's validity window is checked at the verified timestamp's time.
func TestRekorV2LogWindow(t *testing.T) {
	f := load(t, "bundle-verify/rekor2-happy-path/bundle.sigstore.json", "bundle-verify/rekor2-happy-path/trusted_root.json")
	data, err := os.ReadFile(filepath.Join(conformanceDir, "bundle-verify/rekor2-happy-path/trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	for _, l := range m["tlogs"].([]any) {
		vf := l.(map[string]any)["publicKey"].(map[string]any)["validFor"].(map[string]any)
		vf["start"], vf["end"] = "2019-01-01T00:00:00Z", "2020-01-01T00:00:00Z"
	}
	data, _ = json.Marshal(m)
	root, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := verify.New(root)
	_, err = v.Verify(f.mutated(t, nil), verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon))
	assertStep(t, err, verify.StepTransparencyLog, "log key's validity window")
}

// TestAudit: audit mode reports every failed check and exposes no result
// unless the bundle fully verified.
func TestAudit(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	v, _ := verify.New(f.root)
	b := f.mutated(t, nil)

	rep := v.Audit(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon))
	if !rep.Verified() || rep.Result == nil || len(rep.Failures) != 0 {
		t.Fatalf("good bundle: %+v", rep)
	}

	rep = v.Audit(b, verify.ArtifactReader(strings.NewReader("other")), policy.Identity(ghIssuer, "someone-else"))
	var steps []verify.Step
	for _, f := range rep.Failures {
		steps = append(steps, f.Step)
	}
	if rep.Verified() || rep.Result != nil || len(steps) != 2 || steps[0] != verify.StepPolicy || steps[1] != verify.StepArtifact {
		t.Fatalf("want policy and artifact failures (in Verify's order) and no result, got %v (result %v)", steps, rep.Result != nil)
	}

	// A bad SET and a bad artifact: both reported, in Verify's order.
	bad := f.mutated(t, func(m map[string]any) { flipB64(m, entry("inclusionPromise", "signedEntryTimestamp")...) })
	rep = v.Audit(bad, verify.ArtifactReader(strings.NewReader("other")), policy.Identity(ghIssuer, beacon))
	steps = steps[:0]
	for _, f := range rep.Failures {
		steps = append(steps, f.Step)
	}
	if len(steps) < 2 || steps[0] != verify.StepTransparencyLog || steps[len(steps)-1] != verify.StepArtifact {
		t.Fatalf("got %v", rep.Failures)
	}
}

// TestRekorV2EntryDatedByClock: a Rekor v2 entry has no inclusion promise;
// in a bundle with no verified time (its timestamp removed, and
// UnsafeNoTimestamps) it is dated by the verifier's clock, as the
// certificate is, and its log key must be valid then.
func TestRekorV2EntryDatedByClock(t *testing.T) {
	f := load(t, "bundle-verify/rekor2-happy-path/bundle.sigstore.json", "bundle-verify/rekor2-happy-path/trusted_root.json")
	data, err := os.ReadFile(filepath.Join(conformanceDir, "bundle-verify/rekor2-happy-path/trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	for _, l := range m["tlogs"].([]any) {
		if l.(map[string]any)["baseUrl"] == "https://log2025-alpha1.rekor.sigstage.dev" {
			l.(map[string]any)["publicKey"].(map[string]any)["validFor"].(map[string]any)["end"] = "2025-12-01T00:00:00Z"
		}
	}
	data, _ = json.Marshal(m)
	root, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	p := policy.Identity(ghIssuer, beacon)
	art := func() verify.Artifact { return verify.ArtifactReader(bytes.NewReader(f.artifact)) }
	// With its RFC 3161 timestamp (2025-06-12), inside the key's window.
	v, _ := verify.New(root)
	if _, err := v.Verify(f.mutated(t, nil), art(), p); err != nil {
		t.Fatalf("dated by the timestamp: %v", err)
	}
	noTS := f.mutated(t, func(m map[string]any) {
		delete(m["verificationMaterial"].(map[string]any), "timestampVerificationData")
	})
	// Without it, at the clock (after the window): the entry fails before
	// the certificate is checked.
	late := func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	v, _ = verify.New(root, verify.UnsafeNoTimestamps(), verify.WithClock(late))
	_, err = v.Verify(noTS, art(), p)
	assertStep(t, err, verify.StepTransparencyLog, "dated 2026-01-01T00:00:00Z by the bundle's verified times (or the verifier's clock), is outside the log key's validity window")
	// A clock inside the window and the certificate's validity verifies.
	signed := func() time.Time { return time.Date(2025, 6, 12, 12, 2, 30, 0, time.UTC) }
	v, _ = verify.New(root, verify.UnsafeNoTimestamps(), verify.WithClock(signed))
	if _, err := v.Verify(noTS, art(), p); err != nil {
		t.Fatalf("clock inside the windows: %v", err)
	}
}

// TestCTLogOperators: CT logs of one operator count once toward
// RequireSCTs; without operators in the root, each log counts.
func TestCTLogOperators(t *testing.T) {
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	data, err := os.ReadFile(filepath.Join(conformanceDir, "trusted_roots/production.trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.New(f.root, verify.RequireSCTs(2)); err != nil {
		t.Fatalf("two CT logs without operators: %v", err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	m["mediaType"] = trustroot.MediaTypeTrustedRootV02
	for _, l := range m["ctlogs"].([]any) {
		l.(map[string]any)["operator"] = "sigstore.dev"
	}
	data, _ = json.Marshal(m)
	root, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify.New(root, verify.RequireSCTs(2)); err == nil || !strings.Contains(err.Error(), "RequireSCTs(2), but the trusted root lists 1 independent CT logs") {
		t.Fatalf("two CT logs of one operator: %v", err)
	}
	v, err := verify.New(root, verify.RequireSCTs(1))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(f.mutated(t, nil), verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon))
	if err != nil {
		t.Fatalf("one operator's SCT: %v", err)
	}
	if res.SCTs != 1 {
		t.Fatalf("%d SCTs counted, want 1", res.SCTs)
	}
}
