package verify_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const conformanceDir = "../testdata/conformance"

// conformanceCase is one entry of testdata/conformance/cases.json.
type conformanceCase struct {
	Name            string `json:"name"`
	Bundle          string `json:"bundle"`
	Artifact        string `json:"artifact"`
	ArtifactDigest  string `json:"artifact_digest"`
	TrustedRoot     string `json:"trusted_root"`
	TrustedRootFile string `json:"trusted_root_file"`
	Identity        string `json:"identity"`
	Issuer          string `json:"issuer"`
	Key             string `json:"key"`
	Expect          string `json:"expect"`
	PolicyDependent bool   `json:"policy_dependent"`
}

func loadCases(t testing.TB) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// wantStep is the step at which each failing case must fail: the cause, not
// just the verdict. A fail case missing here fails the test.
var wantStep = map[string]verify.Step{}

// policyDependent records sigil's chosen verdict for every case that
// cases.json marks policy_dependent, and why.
var policyDependent = map[string]string{}

func parseDigest(t testing.TB, s string) (crypto.Hash, []byte) {
	t.Helper()
	alg, hexd, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("bad digest %q", s)
	}
	d, err := hex.DecodeString(hexd)
	if err != nil {
		t.Fatal(err)
	}
	switch alg {
	case "sha256":
		return crypto.SHA256, d
	case "sha384":
		return crypto.SHA384, d
	case "sha512":
		return crypto.SHA512, d
	}
	t.Fatalf("bad digest algorithm %q", alg)
	return 0, nil
}

func readKey(t testing.TB, path string) (crypto.PublicKey, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}

// runCase verifies one case in one mode ("PATH" or "DIGEST").
func runCase(t testing.TB, c conformanceCase, mode string) error {
	t.Helper()
	rootPath := c.TrustedRoot
	if c.TrustedRootFile != "" {
		rootPath = c.TrustedRootFile
	}
	root, err := trustroot.FromFile(filepath.Join(conformanceDir, rootPath))
	if err != nil {
		if !errors.Is(err, trustroot.ErrMalformed) {
			t.Fatal(err)
		}
		// An unusable trusted root fails before any bundle is looked at.
		return &verify.Error{Step: verify.StepBundle, Err: err}
	}
	var opts []verify.Option
	var p policy.Policy
	if c.Key != "" {
		pub, err := readKey(t, filepath.Join(conformanceDir, c.Key))
		if err != nil {
			// The caller's key does not load: the verification cannot start.
			// Recorded as a key failure, as examples/sigil reports it.
			return &verify.Error{Step: verify.StepKey, Err: err}
		}
		opts = append(opts, verify.WithPublicKey("", pub))
		p = policy.PublicKey(pub)
	} else {
		p = policy.Identity(c.Issuer, c.Identity)
	}
	v, err := verify.New(root, opts...)
	if err != nil {
		t.Fatalf("verify.New: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(conformanceDir, c.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		return &verify.Error{Step: verify.StepBundle, Err: err}
	}
	var a verify.Artifact
	if mode == "PATH" {
		f, err := os.ReadFile(filepath.Join(conformanceDir, c.Artifact))
		if err != nil {
			t.Fatal(err)
		}
		a = verify.ArtifactReader(bytes.NewReader(f))
	} else {
		a = verify.ArtifactDigest(parseDigest(t, c.ArtifactDigest))
	}
	res, err := v.Verify(b, a, p)
	if err == nil && res == nil {
		t.Fatal("nil result without error")
	}
	if err != nil && res != nil {
		t.Fatal("result returned with an error")
	}
	return err
}

func TestConformanceCases(t *testing.T) {
	cases := loadCases(t)
	if len(cases) != 187 {
		t.Fatalf("%d cases, want 187", len(cases))
	}
	for _, c := range cases {
		modes := []string{"DIGEST"}
		if c.Artifact != "" {
			modes = append(modes, "PATH")
		}
		for _, mode := range modes {
			t.Run(c.Name+"/"+mode, func(t *testing.T) {
				err := runCase(t, c, mode)
				var verr *verify.Error
				if err != nil && !errors.As(err, &verr) {
					t.Fatalf("error is not a *verify.Error: %v", err)
				}
				switch c.Expect {
				case "pass":
					if err != nil {
						t.Fatalf("want pass, got %v", err)
					}
				case "fail":
					if err == nil {
						t.Fatal("want failure, verified")
					}
					want, ok := wantStep[c.Name]
					if !ok {
						t.Fatalf("no expected step recorded; failed with: %v", err)
					}
					if verr.Step != want {
						t.Fatalf("failed at step %v, want %v: %v", verr.Step, want, err)
					}
				}
			})
		}
	}
}
