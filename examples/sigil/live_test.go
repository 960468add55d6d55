package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/testservices"
)

// TestLiveSignVerify drives the CLI the way the sigstore-conformance suite
// does, against the real local stack (scripts/services): keyless
// sign-bundle with an identity token, the stack's trusted root and signing
// config (or its ClientTrustConfig), then verify-bundle with the identity;
// and key-based signing logged and timestamped through --signing-config.
func TestLiveSignVerify(t *testing.T) {
	s := testservices.Require(t)
	artifact := filepath.Join(signInputs, "a.txt")
	statement := filepath.Join(signInputs, "statement.json")
	const san = "alice@example.com"
	for _, tc := range []struct {
		name   string
		inToto bool
		trust  []string
	}{
		{"artifact, trusted root + signing config", false, []string{"--trusted-root", s.TrustedRootPath, "--signing-config", s.SigningConfigPath}},
		{"in-toto, trusted root + signing config", true, []string{"--trusted-root", s.TrustedRootPath, "--signing-config", s.SigningConfigPath}},
		{"artifact, ClientTrustConfig", false, []string{"--trusted-root", s.TrustConfigPath}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := s.Token(t.Context(), "alice", san)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "bundle.json")
			in := artifact
			args := []string{"sign-bundle"}
			if tc.inToto {
				args = append(args, "--in-toto")
				in = statement
			}
			args = append(args, "--identity-token", tok, "--bundle", out)
			args = append(args, tc.trust...)
			args = append(args, in)
			if code, _, stderr := sigil(t, nil, args...); code != 0 {
				t.Fatalf("sign-bundle: exit %d: %s", code, stderr)
			}
			// An in-toto bundle verifies against its subject (a.txt), as the
			// conformance suite checks it.
			vargs := []string{"verify-bundle", "--bundle", out, "--certificate-identity", san,
				"--certificate-oidc-issuer", s.OIDCURL, "--trusted-root", s.TrustedRootPath, artifact}
			if code, stdout, stderr := sigil(t, nil, vargs...); code != 0 {
				t.Fatalf("verify-bundle: exit %d: %s %s", code, stdout, stderr)
			}
			// Another identity is refused, at the policy step.
			vargs[4] = "mallory@example.com"
			if code, _, stderr := sigil(t, nil, vargs...); code != 1 || !strings.Contains(stderr, "policy") {
				t.Fatalf("verify-bundle with another identity: exit %d: %s", code, stderr)
			}
		})
	}
	t.Run("key + signing config", func(t *testing.T) {
		dir := t.TempDir()
		keyPath, pubPath, _ := keyFiles(t, dir)
		out := filepath.Join(dir, "bundle.json")
		if code, _, stderr := sigil(t, nil, "sign-bundle", "--key", keyPath, "--bundle", out,
			"--trusted-root", s.TrustedRootPath, "--signing-config", s.SigningConfigPath, artifact); code != 0 {
			t.Fatalf("sign-bundle: exit %d: %s", code, stderr)
		}
		// The stack's root lists logs and a TSA: verification requires them.
		if code, stdout, stderr := sigil(t, nil, "verify-bundle", "--bundle", out, "--key", pubPath,
			"--trusted-root", s.TrustedRootPath, artifact); code != 0 {
			t.Fatalf("verify-bundle: exit %d: %s %s", code, stdout, stderr)
		}
	})
}
