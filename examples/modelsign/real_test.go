package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

const realDir = "testdata/model-transparency"

// realCase is one upstream test-verify-*.sh: the same model path, key or
// CA, identity and ignore paths.
type realCase struct {
	dir    string // model directory under realDir
	model  string // --model-path, relative to realDir
	args   []string
	ignore bool // upstream passes --ignore-paths <dir>/ignore-me
}

var (
	keyArgs   = []string{"--method", "key", "--public-key", "keys/certificate/signing-key-pub.pem"}
	certArgs  = []string{"--method", "certificate", "--cert-chain", "keys/certificate/ca-cert.pem"}
	sigstArgs = []string{"--method", "sigstore", "--identity", "stefanb@us.ibm.com", "--identity-provider", "https://sigstore.verify.ibm.com/oauth2"}
)

var realCases = []realCase{
	{"v0.2.0-certificate", "v0.2.0-certificate/", certArgs, false},
	{"v0.3.1-certificate", "v0.3.1-certificate/", certArgs, false},
	{"v0.3.1-elliptic-key", "v0.3.1-elliptic-key/signme-1", keyArgs, false},
	{"v0.3.1-sigstore", "v0.3.1-sigstore/", sigstArgs, false},
	{"v1.0.0-certificate", "v1.0.0-certificate/", certArgs, false},
	{"v1.0.0-elliptic-key", "v1.0.0-elliptic-key/signme-1", keyArgs, false},
	{"v1.0.0-sigstore", "v1.0.0-sigstore/", sigstArgs, false},
	{"v1.0.1-certificate", "v1.0.1-certificate/", certArgs, true},
	{"v1.0.1-elliptic-key", "v1.0.1-elliptic-key", keyArgs, true},
	{"v1.0.1-sigstore", "v1.0.1-sigstore/", sigstArgs, true},
	{"v1.1.0-certificate", "v1.1.0-certificate/", certArgs, true},
	{"v1.1.0-elliptic-key", "v1.1.0-elliptic-key", keyArgs, true},
	{"v1.1.0-sigstore", "v1.1.0-sigstore/", sigstArgs, true},
}

func (c realCase) argv(base, model string) []string {
	a := append([]string{"verify-model"}, c.args...)
	for i := range a {
		if strings.HasPrefix(a[i], "keys/") {
			a[i] = filepath.Join(base, a[i])
		}
	}
	if c.ignore {
		a = append(a, "--ignore-paths", filepath.Join(model, "ignore-me"))
	}
	return append(a, "--bundle", filepath.Join(model, "model.sig"), "--model-path", filepath.Join(base, c.model))
}

func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String() + errOut.String()
}

// TestRealSignatures verifies every model.sig model_signing wrote, from
// v0.2.0 to v1.1.0, as upstream's test-verify-*.sh do (sigstore ones on the
// embedded public-good root).
func TestRealSignatures(t *testing.T) {
	entries, err := filepath.Glob(filepath.Join(realDir, "v*", "model.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(realCases) {
		t.Fatalf("%d model.sig files, %d cases", len(entries), len(realCases))
	}
	for _, c := range realCases {
		t.Run(c.dir, func(t *testing.T) {
			if code, out := runCLI(t, c.argv(realDir, filepath.Join(realDir, c.dir))...); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
		})
	}
}

// TestRealSignaturesInModelDirectory runs upstream's second command of the
// sigstore scripts: from inside the model directory, with relative paths.
func TestRealSignaturesInModelDirectory(t *testing.T) {
	for _, dir := range []string{"v1.0.0-sigstore", "v1.0.1-sigstore", "v1.1.0-sigstore"} {
		t.Run(dir, func(t *testing.T) {
			t.Chdir(filepath.Join(realDir, dir))
			args := append([]string{"verify-model"}, sigstArgs...)
			if _, err := os.Stat("ignore-me"); err == nil {
				args = append(args, "--ignore-paths", "ignore-me")
			}
			args = append(args, "--bundle", "model.sig", "--model-path", ".")
			if code, out := runCLI(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
		})
	}
}

// copyTree copies a real case's directory to a writable temporary one.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chmod(p, fi.Mode()|0o200)
	}); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestRealSignaturesTampered changes, removes and adds a file in each real
// signed model: each fails, naming the file.
func TestRealSignaturesTampered(t *testing.T) {
	base, err := filepath.Abs(realDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range realCases {
		for _, tc := range []struct {
			name   string
			mutate func(model string) string // returns the file to name
			want   func(*oms.MismatchError) []string
		}{
			{"changed", func(m string) string {
				f := filepath.Join(m, "signme-1")
				if err := os.WriteFile(f, []byte("tampered"), 0o644); err != nil {
					t.Fatal(err)
				}
				return "signme-1"
			}, func(e *oms.MismatchError) []string { return e.Changed }},
			{"missing", func(m string) string {
				if err := os.Remove(filepath.Join(m, "signme-2")); err != nil {
					t.Fatal(err)
				}
				return "signme-2"
			}, func(e *oms.MismatchError) []string { return e.Missing }},
			{"extra", func(m string) string {
				if err := os.WriteFile(filepath.Join(m, "extra.bin"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
				return "extra.bin"
			}, func(e *oms.MismatchError) []string { return e.Extra }},
		} {
			single := strings.HasSuffix(c.model, "signme-1")
			if single && tc.name != "changed" {
				continue // a single-file model has no other file
			}
			t.Run(c.dir+"/"+tc.name, func(t *testing.T) {
				model := copyTree(t, filepath.Join(base, c.dir))
				name := tc.mutate(model)
				tcase := c
				tcase.model = filepath.Join(model, strings.TrimPrefix(c.model, c.dir))
				args := tcase.argv(base, model)
				// --model-path is absolute here.
				args[len(args)-1] = tcase.model
				code, out := runCLI(t, args...)
				if code != 1 || !strings.Contains(out, tc.name+": \""+name+"\"") {
					t.Fatalf("exit %d, want 1 naming %s %q: %s", code, tc.name, name, out)
				}
				// The same through the Go API, by field.
				err := verifyModel(context.Background(), args[1:], io.Discard, io.Discard)
				var mis *oms.MismatchError
				if !errors.As(err, &mis) {
					t.Fatalf("error %v, want a *oms.MismatchError", err)
				}
				if got := tc.want(mis); len(got) != 1 || got[0] != name {
					t.Fatalf("%s = %q, want [%q] (%v)", tc.name, got, name, mis)
				}
			})
		}
	}
}

// TestIgnoreUnsignedFiles: an extra file passes with --ignore-unsigned-files.
func TestIgnoreUnsignedFiles(t *testing.T) {
	base, _ := filepath.Abs(realDir)
	c := realCases[12] // v1.1.0-sigstore
	model := copyTree(t, filepath.Join(base, c.dir))
	if err := os.WriteFile(filepath.Join(model, "extra.bin"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := c.argv(base, model)
	args[len(args)-1] = model
	if code, out := runCLI(t, args...); code != 1 {
		t.Fatalf("without --ignore-unsigned-files: exit %d: %s", code, out)
	}
	if code, out := runCLI(t, append(args, "--ignore-unsigned-files")...); code != 0 {
		t.Fatalf("with --ignore-unsigned-files: exit %d: %s", code, out)
	}
}

// TestVectorsVerify: the OMS valid test vectors are real signatures too
// (over the v1.1.0 models of model-transparency); they verify.
func TestVectorsVerify(t *testing.T) {
	const vec = "testdata/oms-spec/test-vectors/v1.0/valid/"
	for _, tc := range []struct {
		bundle, model string
		args          []string
	}{
		{"key.bundle.json", "v1.1.0-elliptic-key", keyArgs},
		{"certificate.bundle.json", "v1.1.0-elliptic-key", certArgs},
		{"sigstore.bundle.json", "v1.1.0-sigstore", sigstArgs},
	} {
		t.Run(tc.bundle, func(t *testing.T) {
			model := filepath.Join(realDir, tc.model)
			args := append([]string{"verify-model"}, tc.args...)
			for i := range args {
				if strings.HasPrefix(args[i], "keys/") {
					args[i] = filepath.Join(realDir, args[i])
				}
			}
			args = append(args, "--bundle", vec+tc.bundle, "--model-path", model,
				"--ignore-paths", filepath.Join(model, "ignore-me"), "--ignore-paths", filepath.Join(model, "model.sig"))
			if code, out := runCLI(t, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
		})
	}
}
