package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const signInputs = "../../testdata/conformance/sign-inputs"

// sigil runs the built binary with env added to the environment.
func sigil(t *testing.T, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(sigilBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// keyFiles writes a fresh P-256 key pair (PKCS#8 PEM, PKIX PEM) and a
// trusted root listing no authorities into dir.
func keyFiles(t *testing.T, dir string) (keyPath, pubPath, rootPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pubDER, _ := x509.MarshalPKIXPublicKey(k.Public())
	keyPath, pubPath, rootPath = filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "trusted_root.json")
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	os.WriteFile(rootPath, []byte(keyOnlyRoot), 0o644)
	return
}

// TestSignBundleRoundTrip: sign-bundle, then verify-bundle --key, through
// the built binary, for an artifact (by path and by digest) and for an
// in-toto statement.
func TestSignBundleRoundTrip(t *testing.T) {
	dir := t.TempDir()
	keyPath, pubPath, rootPath := keyFiles(t, dir)
	artifact := filepath.Join(signInputs, "a.txt")
	const digest = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"

	out := filepath.Join(dir, "a.txt.sigstore.json")
	code, stdout, stderr := sigil(t, nil, "sign-bundle", "--key", keyPath, "--bundle", out, artifact)
	if code != 0 {
		t.Fatalf("sign-bundle: exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "OK: signed") {
		t.Fatalf("stdout %q", stdout)
	}
	for _, subject := range []string{artifact, digest} {
		code, _, stderr = sigil(t, nil, "verify-bundle", "--bundle", out, "--key", pubPath, "--trusted-root", rootPath, subject)
		if code != 0 {
			t.Fatalf("verify-bundle %s: exit %d: %s", subject, code, stderr)
		}
	}
	// Another key, or another artifact, does not verify.
	_, otherPub, _ := keyFiles(t, t.TempDir())
	if code, _, _ = sigil(t, nil, "verify-bundle", "--bundle", out, "--key", otherPub, "--trusted-root", rootPath, artifact); code != 1 {
		t.Fatalf("verified with another key: exit %d", code)
	}
	if code, _, _ = sigil(t, nil, "verify-bundle", "--bundle", out, "--key", pubPath, "--trusted-root", rootPath, filepath.Join(signInputs, "statement.json")); code != 1 {
		t.Fatalf("verified another artifact: exit %d", code)
	}

	// The in-toto statement, whose subject is a.txt.
	stOut := filepath.Join(dir, "statement.sigstore.json")
	code, _, stderr = sigil(t, nil, "sign-bundle", "--in-toto", "--key", keyPath, "--bundle", stOut, filepath.Join(signInputs, "statement.json"))
	if code != 0 {
		t.Fatalf("sign-bundle --in-toto: exit %d: %s", code, stderr)
	}
	for _, subject := range []string{artifact, digest} {
		code, _, stderr = sigil(t, nil, "verify-bundle", "--bundle", stOut, "--key", pubPath, "--trusted-root", rootPath, subject)
		if code != 0 {
			t.Fatalf("verify-bundle (in-toto) %s: exit %d: %s", subject, code, stderr)
		}
	}
	// The statement is signed as written.
	data, _ := os.ReadFile(stOut)
	statement, _ := os.ReadFile(filepath.Join(signInputs, "statement.json"))
	if !bytes.Contains(data, []byte(`"payload":"`+b64(statement)+`"`)) {
		t.Fatal("the bundle's payload is not the statement file, byte for byte")
	}
	// A file that is not a statement.
	if code, _, stderr = sigil(t, nil, "sign-bundle", "--in-toto", "--key", keyPath, "--bundle", stOut, artifact); code != 1 || !strings.Contains(stderr, "in-toto") {
		t.Fatalf("non-statement: exit %d: %s", code, stderr)
	}
	// A trusted root that asks for a log entry the key signer cannot give:
	// the self-check fails and no bundle is written.
	failOut := filepath.Join(dir, "never.json")
	code, _, stderr = sigil(t, nil, "sign-bundle", "--key", keyPath, "--bundle", failOut, "--trusted-root",
		"../../testdata/conformance/trusted_roots/production.trusted_root.json", artifact)
	if code != 1 || !strings.Contains(stderr, "self-check") {
		t.Fatalf("self-check against the public-good root: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(failOut); err == nil {
		t.Fatal("bundle written despite a failed self-check")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestSignBundleEncryptedKey: the passphrase comes from SIGIL_PASSWORD and
// is never printed.
func TestSignBundleEncryptedKey(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	keyPath, pubPath, rootPath := keyFiles(t, dir)
	const pass = "correct horse battery staple"
	enc := filepath.Join(dir, "enc.pem")
	cmd := exec.Command("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", keyPath, "-out", enc, "-passout", "pass:"+pass)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v: %s", err, out)
	}
	artifact := filepath.Join(signInputs, "a.txt")
	out := filepath.Join(dir, "b.json")
	code, _, stderr := sigil(t, []string{"SIGIL_PASSWORD=" + pass}, "sign-bundle", "--key", enc, "--bundle", out, artifact)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if code, _, stderr = sigil(t, nil, "verify-bundle", "--bundle", out, "--key", pubPath, "--trusted-root", rootPath, artifact); code != 0 {
		t.Fatalf("verify: exit %d: %s", code, stderr)
	}
	code, stdout, stderr := sigil(t, []string{"SIGIL_PASSWORD=wrong " + pass}, "sign-bundle", "--key", enc, "--bundle", out, artifact)
	if code != 1 || strings.Contains(stdout+stderr, pass) {
		t.Fatalf("wrong passphrase: exit %d: %s%s", code, stdout, stderr)
	}
	code, _, stderr = sigil(t, []string{"SIGIL_PASSWORD"}, "sign-bundle", "--key", enc, "--bundle", out, artifact)
	if code != 1 {
		t.Fatalf("no passphrase: exit %d: %s", code, stderr)
	}
}

func TestSignBundleUsage(t *testing.T) {
	dir := t.TempDir()
	keyPath, _, _ := keyFiles(t, dir)
	artifact := filepath.Join(signInputs, "a.txt")
	out := filepath.Join(dir, "x.json")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sign-bundle", "--identity-token", "eyJ...", "--key", keyPath, "--bundle", out, artifact}, "at most one of --identity-token and --key"},
		{[]string{"sign-bundle", "--oidc-device-flow", "--key", keyPath, "--bundle", out, artifact}, "--oidc-device-flow and --oidc-issuer are for keyless"},
		{[]string{"sign-bundle", "--oidc-issuer", "https://oauth2.example", "--identity-token", "eyJ...", "--bundle", out, artifact}, "--oidc-device-flow and --oidc-issuer are for keyless"},
		{[]string{"sign-bundle", "--key", keyPath, artifact}, "--bundle is required"},
		{[]string{"sign-bundle", "--key", keyPath, "--bundle", out}, "exactly one FILE"},
		{[]string{"sign-bundle", "--no-such-flag"}, "not defined"},
	} {
		code, _, stderr := sigil(t, nil, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, stdout, _ := sigil(t, nil, "--help"); code != 0 || !strings.Contains(stdout, "sign-bundle") {
		t.Fatalf("help: %d %q", code, stdout)
	}
}
