package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// softHSM makes a fresh SoftHSM2 token labelled "sigil" (user PIN 1234) in a
// temporary directory, or skips the test when SoftHSM2 is not installed
// (scripts/install-softhsm installs it).
func softHSM(t *testing.T) string {
	t.Helper()
	module := os.Getenv("PKCS11_MODULE")
	if module == "" {
		module = DefaultModule
	}
	if _, err := os.Stat(module); err != nil {
		t.Skipf("no PKCS#11 module at %s (run scripts/install-softhsm)", module)
	}
	if _, err := exec.LookPath("softhsm2-util"); err != nil {
		t.Skip("softhsm2-util not installed (run scripts/install-softhsm)")
	}
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600)
	t.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command("softhsm2-util", "--init-token", "--free", "--label", "sigil", "--pin", "1234", "--so-pin", "5678").CombinedOutput()
	if err != nil {
		t.Fatalf("softhsm2-util: %v: %s", err, out)
	}
	return module
}

func TestSignWithSoftHSM(t *testing.T) {
	module := softHSM(t)
	t.Setenv("PKCS11_PIN", "1234")
	dir := t.TempDir()
	artifact := filepath.Join(dir, "artifact.bin")
	os.WriteFile(artifact, bytes.Repeat([]byte("model weights "), 100000), 0o644)
	out := filepath.Join(dir, "artifact.sigstore.json")

	// Without -generate, a missing key is an error.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-module", module, "-bundle", out, artifact}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no key pair") {
		t.Fatalf("missing key: exit %d: %s", code, stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-module", module, "-generate", "-bundle", out, artifact}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	t.Logf("%s", stdout.String())
	for _, want := range []string{"generated ECDSA P-256 key pair", "CKA_SENSITIVE=true CKA_EXTRACTABLE=false", "verified: application/vnd.dev.sigstore.bundle.v0.3+json"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The key is found by its label the second time.
	stdout.Reset()
	if code := run([]string{"-module", module, "-generate", "-bundle", out, artifact}, &stdout, &stderr); code != 0 || strings.Contains(stdout.String(), "generated") {
		t.Fatalf("second run: exit %d: %s%s", code, stdout.String(), stderr.String())
	}

	// The private key cannot be read out of the token.
	tok, err := OpenToken(module, "sigil", "1234")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	key, err := tok.Key("sigil-signing-key")
	if err != nil {
		t.Fatal(err)
	}
	if err := key.ReadPrivateValue(); err == nil {
		t.Fatal("CKA_VALUE of the private key is readable")
	}
}

func TestWrongPIN(t *testing.T) {
	module := softHSM(t)
	if _, err := OpenToken(module, "sigil", "0000"); err == nil || !strings.Contains(err.Error(), "C_Login") {
		t.Fatalf("wrong PIN: %v", err)
	}
	if _, err := OpenToken(module, "no-such-token", "1234"); err == nil {
		t.Fatal("unknown token opened")
	}
}
