package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
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

// TestSignModelWithSoftHSM signs a model directory in the OMS format with
// the token's key (-model), then checks the bundle as modelsign verify-model
// --method key would: the key named by model_signing's hint, the model
// verified against the manifest, and a changed file named.
func TestSignModelWithSoftHSM(t *testing.T) {
	module := softHSM(t)
	t.Setenv("PKCS11_PIN", "1234")
	model := filepath.Join(t.TempDir(), "model")
	for name, content := range map[string]string{"config.json": "{}", "weights/w-00001.bin": strings.Repeat("w", 1<<20)} {
		os.MkdirAll(filepath.Dir(filepath.Join(model, name)), 0o755)
		os.WriteFile(filepath.Join(model, name), []byte(content), 0o644)
	}
	bundlePath := filepath.Join(model, "model.sig") // inside the model: excluded
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-module", module, "-generate", "-model", "-bundle", bundlePath, model}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	t.Logf("%s", stdout.String())
	if !strings.Contains(stdout.String(), "signed model "+model+" (2 files)") || !strings.Contains(stdout.String(), "verified: ") {
		t.Fatalf("output: %s", stdout.String())
	}

	tok, err := OpenToken(module, "sigil", "1234")
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	key, err := tok.Key("sigil-signing-key")
	if err != nil {
		t.Fatal(err)
	}
	hint, err := oms.KeyHint(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := oms.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.PublicKeyHint(); got != hint {
		t.Fatalf("hint %q, want model_signing's %q", got, hint)
	}
	root, err := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(root, verify.WithPublicKey(hint, key.Public()))
	if err != nil {
		t.Fatal(err)
	}
	verifyModel := func() error {
		_, _, err := oms.Verify(context.Background(), v, b, policy.PublicKey(key.Public()), model, oms.VerifyOptions{IgnorePaths: []string{"model.sig"}})
		return err
	}
	if err := verifyModel(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(model, "weights", "w-00001.bin"), []byte("swapped"), 0o644)
	var mis *oms.MismatchError
	if err := verifyModel(); !errors.As(err, &mis) || len(mis.Changed) != 1 || mis.Changed[0] != "weights/w-00001.bin" {
		t.Fatalf("changed weights: %v", err)
	}
}
