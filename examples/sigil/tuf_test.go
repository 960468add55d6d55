package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/tuftest"
)

// serveTUF serves a one-version TUF repository whose trusted_root.json is
// trustedRoot, and writes its root.json to a file; it returns the URL and
// the file.
func serveTUF(t *testing.T, trustedRoot []byte) (*httptest.Server, string) {
	t.Helper()
	srv, initialRoot, err := tuftest.Serve(trustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	rootFile := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(rootFile, initialRoot, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, rootFile
}

const (
	cpythonBundle = "../../testdata/conformance/real-bundles/cpython-release-tracker/bundles/Python-3.12.5.tgz.sigstore.json"
	cpythonDigest = "sha256:38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405"
)

// runSigil runs the built binary with a private cache directory and no
// proxy settings but extra.
func runSigil(t *testing.T, cacheHome string, extraEnv []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(sigilBin, args...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "HOME", "XDG_CACHE_HOME", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, append([]string{"HOME=" + cacheHome, "XDG_CACHE_HOME=" + cacheHome}, extraEnv...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func verifyCPython(extra ...string) []string {
	return append(append([]string{"verify-bundle", "--bundle", cpythonBundle,
		"--certificate-identity", "thomas@python.org", "--certificate-oidc-issuer", "https://accounts.google.com"}, extra...), cpythonDigest)
}

func TestTUFPrivateRepository(t *testing.T) {
	production, err := os.ReadFile("../../testdata/conformance/trusted_roots/production.trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, rootFile := serveTUF(t, production)
	cacheHome := t.TempDir()
	args := verifyCPython("--tuf-url", srv.URL, "--tuf-root", rootFile)

	code, out, errOut := runSigil(t, cacheHome, nil, args...)
	if code != 0 || !strings.HasPrefix(out, "OK: signed by thomas@python.org") || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(cacheHome, "sigil", "tuf")); err != nil {
		t.Errorf("no cache in the user cache directory: %v", err)
	}
	// Within the day the cache serves, with the repository gone.
	srv.Close()
	if code, out, errOut := runSigil(t, cacheHome, nil, args...); code != 0 || errOut != "" {
		t.Fatalf("from the cache: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A fresh cache and no repository: a failure at the trusted root, no
	// silent fallback to the embedded snapshot.
	code, _, errOut = runSigil(t, t.TempDir(), nil, args...)
	if code != 1 || !strings.HasPrefix(errOut, "sigil: verification failed at trusted root: trustroot: TUF repository unavailable") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("repository down: exit %d, stderr %q", code, errOut)
	}
}

func TestTUFMaterialIsUsed(t *testing.T) {
	// A repository publishing staging's trusted root: the production-signed
	// CPython bundle must not verify against it.
	staging, err := os.ReadFile("../../testdata/conformance/trusted_roots/staging.trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	srv, rootFile := serveTUF(t, staging)
	code, _, errOut := runSigil(t, t.TempDir(), nil, verifyCPython("--tuf-url", srv.URL, "--tuf-root", rootFile)...)
	if code != 1 || !strings.HasPrefix(errOut, "sigil: verification failed at transparency log: ") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestTUFPublicGoodUnreachable(t *testing.T) {
	// The public-good repository through a proxy that refuses connections:
	// --tuf fails rather than use the embedded snapshot; without it the
	// embedded snapshot verifies offline.
	proxy := []string{"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"}
	for _, extra := range [][]string{{"--tuf"}, {"--tuf", "--staging"}} {
		code, _, errOut := runSigil(t, t.TempDir(), proxy, verifyCPython(extra...)...)
		if code != 1 || !strings.HasPrefix(errOut, "sigil: verification failed at trusted root: trustroot: TUF repository unavailable") {
			t.Errorf("%v: exit %d, stderr %q", extra, code, errOut)
		}
	}
	if code, out, errOut := runSigil(t, t.TempDir(), proxy, verifyCPython()...); code != 0 || !strings.HasPrefix(out, "OK: signed by thomas@python.org") {
		t.Errorf("embedded snapshot: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestTUFUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tuf-url", "https://tuf.example"}, "--tuf-url and --tuf-root go together"},
		{[]string{"--tuf-root", "root.json"}, "--tuf-url and --tuf-root go together"},
		{[]string{"--tuf-url", "https://tuf.example", "--tuf-root", "root.json", "--staging"}, "--tuf-url excludes --staging"},
		{[]string{"--tuf", "--trusted-root", "trusted_root.json"}, "--trusted-root excludes --tuf and --tuf-url"},
	} {
		var out, errb bytes.Buffer
		if code := run(verifyCPython(tc.args...), &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var out, errb bytes.Buffer
	run([]string{"--help"}, &out, &errb)
	if !strings.Contains(out.String(), "--tuf-url URL --tuf-root FILE") {
		t.Errorf("usage does not mention the TUF flags:\n%s", out.String())
	}
}
