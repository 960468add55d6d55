package sign_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func openssl(t *testing.T, dir string, args ...string) error {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("openssl %s: %s", strings.Join(args, " "), out)
	}
	return err
}

// TestOpenSSLInterop checks the signatures and certificate chains in
// bundles sigil makes with an independent implementation, the openssl CLI.
func TestOpenSSLInterop(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	for _, alg := range algorithms {
		for _, content := range []string{"message", "dsse"} {
			t.Run(alg+"/"+content, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, alg, matChain, rootSpec{})
				bun := signContent(t, f.builder(t), content)
				dir := t.TempDir()
				leaf := bun.Certificates()[0]
				pubDER, err := x509.MarshalPKIXPublicKey(leaf.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				writePEM(t, filepath.Join(dir, "pub.pem"), "PUBLIC KEY", pubDER)
				writePEM(t, filepath.Join(dir, "leaf.pem"), "CERTIFICATE", leaf.Raw)
				writePEM(t, filepath.Join(dir, "inter.pem"), "CERTIFICATE", chainCA(t).inter.Raw)
				writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", chainCA(t).root.Raw)

				// The certificate chain, from leaf to the enterprise root.
				if err := openssl(t, dir, "verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", "inter.pem", "-purpose", "any", "leaf.pem"); err != nil {
					t.Fatal("openssl rejects the chain")
				}
				check := func(sig []byte) error {
					os.WriteFile(filepath.Join(dir, "sig"), sig, 0o600)
					if content == "message" {
						m := bun.MessageSignature()
						os.WriteFile(filepath.Join(dir, "digest"), m.Digest, 0o600)
						args := []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-sigfile", "sig", "-in", "digest"}
						if strings.HasPrefix(alg, "rsa") {
							args = append(args, "-pkeyopt", "digest:"+opensslHash(m.DigestAlgorithm))
						}
						return openssl(t, dir, args...)
					}
					e := bun.Envelope()
					os.WriteFile(filepath.Join(dir, "pae"), pae(e.PayloadType, e.Payload), 0o600)
					if alg == "ed25519" {
						return openssl(t, dir, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "pae", "-sigfile", "sig")
					}
					return openssl(t, dir, "dgst", "-"+opensslHash(f.cred.HashFunc()), "-verify", "pub.pem", "-signature", "sig", "pae")
				}
				if alg == "ed25519" && content == "message" {
					// Message signatures of Ed25519 keys are Ed25519ph, which
					// OpenSSL supports from 3.2 on only.
					if !opensslHasEd25519ph() {
						t.Skip("openssl without Ed25519ph")
					}
				}
				if err := check(signatureOf(bun)); err != nil {
					t.Fatal("openssl rejects the signature")
				}
				bad := bytes.Clone(signatureOf(bun))
				bad[len(bad)/3] ^= 1
				if err := check(bad); err == nil {
					t.Fatal("openssl accepts a tampered signature: the check proves nothing")
				}
			})
		}
	}
}

func signatureOf(b *bundle.Bundle) []byte { return b.Signature() }

func opensslHash(h crypto.Hash) string {
	return map[crypto.Hash]string{crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}[h]
}

func opensslHasEd25519ph() bool {
	out, _ := exec.Command("openssl", "list", "-signature-algorithms").CombinedOutput()
	return bytes.Contains(bytes.ToLower(out), []byte("ed25519ph"))
}
