package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const suiteDir = "../../testdata/conformance/bundle-verify"

const (
	defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	defaultIssuer   = "https://token.actions.githubusercontent.com"
)

var sigilBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sigil-cli")
	if err != nil {
		panic(err)
	}
	sigilBin = filepath.Join(dir, "sigil")
	out, err := exec.Command("go", "build", "-o", sigilBin, ".").CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func readOr(path, def string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	return strings.TrimSpace(string(b))
}

// TestConformanceSuiteCLI runs the built binary over every bundle-verify case
// exactly as sigstore-conformance's test_verify does: arguments in protocol
// order, once with the artifact path and once with its sha256 digest; a case
// whose name ends in "fail" must exit non-zero, every other case zero.
func TestConformanceSuiteCLI(t *testing.T) {
	entries, err := os.ReadDir(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(suiteDir, e.Name())
		artifact := filepath.Join(dir, "artifact")
		if _, err := os.Stat(artifact); err != nil {
			artifact = filepath.Join(suiteDir, "a.txt")
		}
		data, err := os.ReadFile(artifact)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		digest := "sha256:" + hex.EncodeToString(sum[:])
		args := []string{"verify-bundle", "--bundle", filepath.Join(dir, "bundle.sigstore.json")}
		if _, err := os.Stat(filepath.Join(dir, "key.pub")); err == nil {
			args = append(args, "--key", filepath.Join(dir, "key.pub"))
		} else {
			args = append(args,
				"--certificate-identity", readOr(filepath.Join(dir, "identity"), defaultIdentity),
				"--certificate-oidc-issuer", readOr(filepath.Join(dir, "issuer"), defaultIssuer))
		}
		if _, err := os.Stat(filepath.Join(dir, "trusted_root.json")); err == nil {
			args = append(args, "--trusted-root", filepath.Join(dir, "trusted_root.json"))
		}
		wantFail := strings.HasSuffix(e.Name(), "fail")
		for mode, subject := range map[string]string{"PATH": artifact, "DIGEST": digest} {
			t.Run(e.Name()+"/"+mode, func(t *testing.T) {
				cmd := exec.Command(sigilBin, append(append([]string{}, args...), subject)...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				switch {
				case wantFail && code != 1:
					t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, stdout.String(), stderr.String())
				case !wantFail && code != 0:
					t.Fatalf("exit %d, want 0; stderr %q", code, stderr.String())
				case wantFail:
					msg := stderr.String()
					if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "sigil: verification failed at ") {
						t.Fatalf("stderr is not one line naming the failed step: %q", msg)
					}
				}
			})
		}
	}
	if n != 70 {
		t.Fatalf("%d cases, want 70", n)
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, &out, &errb); code != 2 {
		t.Fatalf("no args: exit %d, want 2", code)
	}
	if code := run([]string{"verify-bundle", "--bundle", "x"}, &out, &errb); code != 2 {
		t.Fatalf("missing subject: exit %d, want 2", code)
	}
	if code := run([]string{"verify-bundle", "--bundle", "x", "--key", "k", "--certificate-identity", "i", "f"}, &out, &errb); code != 2 {
		t.Fatalf("--key with identity: exit %d, want 2", code)
	}
}
