package verify_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// FuzzVerify mutates real bundles and verifies each against two trusted
// roots (public-good production and staging), by artifact and by digest:
// Verify never panics, returns a Result exactly when it returns no error,
// fails only with a *verify.Error, and Audit agrees with it (verified
// exactly when Verify succeeds, its first failure being Verify's error, its
// Result Verify's). Seeds: real bundles of the conformance corpus, in
// testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	read := func(rel string) []byte {
		data, err := os.ReadFile(filepath.Join(conformanceDir, rel))
		if err != nil {
			f.Fatal(err)
		}
		return data
	}
	artifacts := [][]byte{read("bundle-verify/a.txt"), read("real-bundles/sigstore-python/staging-rekor-v2.txt")}
	pub, err := readKey(f, filepath.Join(conformanceDir, "bundle-verify/managed-key-happy-path/key.pub"))
	if err != nil {
		f.Fatal(err)
	}
	var verifiers []*verify.Verifier
	for _, r := range []string{"production", "staging"} {
		root, err := trustroot.FromFile(filepath.Join(conformanceDir, "trusted_roots", r+".trusted_root.json"))
		if err != nil {
			f.Fatal(err)
		}
		v, err := verify.New(root, verify.WithPublicKey("", pub), verify.AllowPayloadType("text/plain"))
		if err != nil {
			f.Fatal(err)
		}
		verifiers = append(verifiers, v)
	}
	for _, s := range []struct {
		bundle   string
		root     uint8
		artifact uint8
	}{
		{"bundle-verify/happy-path-v0.3/bundle.sigstore.json", 0, 0},
		{"bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json", 0, 0},
		{"bundle-verify/managed-key-happy-path/bundle.sigstore.json", 0, 0},
		{"real-bundles/sigstore-python/staging-rekor-v2.txt.sigstore.json", 1, 1},
	} {
		f.Add(read(s.bundle), s.root, s.artifact, false)
	}
	f.Fuzz(func(t *testing.T, data []byte, rootIndex, artifactIndex uint8, byDigest bool) {
		b, err := bundle.Parse(data)
		if err != nil {
			return
		}
		v := verifiers[int(rootIndex)%len(verifiers)]
		art := artifacts[int(artifactIndex)%len(artifacts)]
		artifact := func() verify.Artifact {
			if byDigest {
				sum := sha256.Sum256(art)
				return verify.ArtifactDigest(crypto.SHA256, sum[:])
			}
			return verify.ArtifactReader(bytes.NewReader(art))
		}
		p := policy.UnsafeAnySigner()
		res, err := v.Verify(b, artifact(), p)
		if (res == nil) == (err == nil) {
			t.Fatalf("Verify returned result %v and error %v", res != nil, err)
		}
		var verr *verify.Error
		if err != nil && !errors.As(err, &verr) {
			t.Fatalf("Verify error %v is not a *verify.Error", err)
		}
		rep := v.Audit(b, artifact(), p)
		switch {
		case rep.Verified() != (err == nil):
			t.Fatalf("Audit verified=%v, Verify error %v", rep.Verified(), err)
		case err != nil && (rep.Result != nil || rep.Failures[0].Error() != err.Error()):
			t.Fatalf("Audit's first failure %v differs from Verify's %v", rep.Failures[0], err)
		case err == nil && !reflect.DeepEqual(rep.Result, res):
			t.Fatalf("Audit's result differs from Verify's")
		}
	})
}
