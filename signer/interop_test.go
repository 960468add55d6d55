package signer_test

import (
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/signer"
)

// TestOpenSSLVerifies: signatures made by a Credential verify with the
// openssl CLI, so their raw encoding is the standard one: `openssl pkeyutl
// -verify` over the digest (what SignDigest signs) and `openssl dgst
// -verify` (or `pkeyutl -rawin` for Ed25519) over the message.
func TestOpenSSLVerifies(t *testing.T) {
	openssl(t)
	keys := testKeys(t)
	dgstName := map[crypto.Hash]string{crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}
	for _, tc := range []struct {
		key string
		pss bool
	}{
		{"P-256", false}, {"P-384", false}, {"P-521", false},
		{"RSA-2048", false}, {"RSA-3072", false}, {"RSA-2048", true}, {"Ed25519", false},
	} {
		name := tc.key
		if tc.pss {
			name += "-PSS"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var opts []signer.Option
			if tc.pss {
				opts = append(opts, signer.WithRSAPSS())
			}
			c, err := signer.FromKey(newHSMKey(keys[tc.key]), opts...)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			write := func(name string, data []byte) {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			msg := []byte("DSSEv1 28 application/vnd.in-toto+json 13 {\"_type\":1}")
			h := c.HashFunc().New()
			h.Write(msg)
			digest := h.Sum(nil)
			write("pub.pem", publicPEM(t, c.PublicKey()))
			write("msg.bin", msg)
			write("digest.bin", digest)

			md := dgstName[c.HashFunc()]
			var padding []string
			switch {
			case tc.pss:
				padding = []string{"rsa_padding_mode:pss", "rsa_pss_saltlen:digest"}
			case strings.HasPrefix(tc.key, "RSA"):
				padding = []string{"rsa_padding_mode:pkcs1"}
			}

			if tc.key != "Ed25519" {
				// The digest signature. (OpenSSL 3.0 has no Ed25519ph;
				// sigalg checks those in TestRoundTrip.)
				sig, err := c.SignDigest(nil, digest)
				if err != nil {
					t.Fatal(err)
				}
				write("digest.sig", sig)
				args := []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-in", "digest.bin", "-sigfile", "digest.sig", "-pkeyopt", "digest:" + md}
				for _, p := range padding {
					args = append(args, "-pkeyopt", p)
				}
				if out := runOpenSSL(t, dir, args...); !strings.Contains(string(out), "Signature Verified Successfully") {
					t.Errorf("openssl pkeyutl: %s", out)
				}
			}

			// The message signature.
			sig, err := c.SignMessage(nil, msg)
			if err != nil {
				t.Fatal(err)
			}
			write("msg.sig", sig)
			var args []string
			if tc.key == "Ed25519" {
				args = []string{"pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg.bin", "-sigfile", "msg.sig"}
			} else {
				args = []string{"dgst", "-" + md, "-verify", "pub.pem", "-signature", "msg.sig"}
				for _, p := range padding {
					args = append(args, "-sigopt", p)
				}
				args = append(args, "msg.bin")
			}
			if out := runOpenSSL(t, dir, args...); !strings.Contains(string(out), "Verified OK") && !strings.Contains(string(out), "Signature Verified Successfully") {
				t.Errorf("openssl %s: %s", args[0], out)
			}

			// And openssl rejects a signature over something else.
			write("msg.bin", append(msg, '!'))
			cmd := append([]string{openssl(t)}, args...)
			out, err := runCommand(dir, cmd...)
			if err == nil {
				t.Errorf("openssl verified a signature over another message: %s", out)
			}
		})
	}
}
