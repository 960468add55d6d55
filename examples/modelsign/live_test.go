package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/internal/testservices"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/verify"
)

// TestLiveSigstore signs a model keyless against the real local stack
// (scripts/services: Fulcio, Rekor, TSA, OIDC issuer) through the adapter's
// sign-model --method sigstore, with the stack's ClientTrustConfig and with
// its trusted root plus signing config, then verifies the identity; another
// identity fails at the policy step, a changed file names the file.
func TestLiveSigstore(t *testing.T) {
	s := testservices.Require(t)
	schemas := loadSchemas(t)
	const san = "alice@example.com"
	for _, tc := range []struct {
		name  string
		trust []string
	}{
		{"ClientTrustConfig", []string{"--trusted-root", s.TrustConfigPath}},
		{"trusted root + signing config", []string{"--trusted-root", s.TrustedRootPath, "--signing-config", s.SigningConfigPath}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := s.Token(t.Context(), "alice", san)
			if err != nil {
				t.Fatal(err)
			}
			model := writeModel(t)
			bundlePath := filepath.Join(model, "model.sig")
			mustRun(t, append([]string{"sign-model", "--method", "sigstore", "--model-path", model,
				"--identity-token", tok, "--output-bundle", bundlePath}, tc.trust...)...)
			checkSchema(t, schemas, bundlePath)

			vargs := []string{"--method", "sigstore", "--model-path", model, "--bundle", bundlePath,
				"--identity", san, "--identity-provider", s.OIDCURL, "--trusted-root", s.TrustedRootPath}
			mustRun(t, append([]string{"verify-model"}, vargs...)...)

			// Another identity: policy step.
			other := append([]string(nil), vargs...)
			other[7] = "mallory@example.com"
			err = verifyModel(context.Background(), other, io.Discard, io.Discard)
			var ve *verify.Error
			var pv *policy.ViolationError
			if !errors.As(err, &ve) || ve.Step != verify.StepPolicy || !errors.As(err, &pv) {
				t.Fatalf("another identity: %v, want a policy violation", err)
			}
			// On the public-good root, the local stack's signature fails.
			pg := vargs[:len(vargs)-2]
			if err := verifyModel(context.Background(), pg, io.Discard, io.Discard); !errors.As(err, &ve) {
				t.Fatalf("on the public-good root: %v, want a *verify.Error", err)
			}
			// A changed file is named.
			if err := os.WriteFile(filepath.Join(model, "config.json"), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			var mis *oms.MismatchError
			if err := verifyModel(context.Background(), vargs, io.Discard, io.Discard); !errors.As(err, &mis) || len(mis.Changed) != 1 || mis.Changed[0] != "config.json" {
				t.Fatalf("changed file: %v", err)
			}
		})
	}
}
