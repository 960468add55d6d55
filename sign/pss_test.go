package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

// TestRSAPSSSelfCheck: an RSA key signing with RSA-PSS (signer.WithRSAPSS)
// makes bundles that verify, and pass the self-check, once the Verifier is
// told the key's algorithm (verify.WithPublicKeyDetails); the bundle alone
// never makes a Verifier expect PSS.
func TestRSAPSSSelfCheck(t *testing.T) {
	ctx := context.Background()
	tsa, log := newTSA(t), newLog(t)
	root := trustedRoot(t, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}})
	for _, name := range []string{"rsa2048", "rsa3072", "rsa4096"} {
		t.Run(name, func(t *testing.T) {
			k := key(name)
			cred, err := signer.FromKey(k, signer.WithRSAPSS())
			if err != nil {
				t.Fatal(err)
			}
			bits := map[string]int{"rsa2048": 2048, "rsa3072": 3072, "rsa4096": 4096}[name]
			details := fmt.Sprintf("PKIX_RSA_PSS_%d_SHA256", bits)
			pss, err := verify.New(root, verify.WithPublicKeyDetails(cred.Hint(), cred.PublicKey(), details))
			if err != nil {
				t.Fatal(err)
			}
			b, err := sign.NewBundleBuilder(cred, append(withServices(tsa, log), sign.WithSelfCheck(pss.SelfCheck()))...)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := b.SignArtifact(ctx, bytes.NewReader(artifact))
			if err != nil {
				t.Fatalf("SignArtifact with self-check: %v", err)
			}
			sum := sha256.Sum256(artifact)
			st, err := b.SignStatement(ctx, &intoto.Statement{PredicateType: "https://sigil.test/p",
				Subject: []intoto.Subject{{Name: "a", Digest: map[string]string{"sha256": hexString(sum[:])}}}})
			if err != nil {
				t.Fatalf("SignStatement with self-check: %v", err)
			}
			p := policy.PublicKey(cred.PublicKey())
			if _, err := pss.Verify(reparse(t, msg), verify.ArtifactReader(bytes.NewReader(artifact)), p); err != nil {
				t.Fatal(err)
			}
			if _, err := pss.Verify(reparse(t, st), verify.ArtifactDigest(crypto.SHA256, sum[:]), p); err != nil {
				t.Fatal(err)
			}

			// A Verifier that derives the algorithm from the key expects
			// PKCS #1 v1.5 and rejects the PSS signature: at the log entry,
			// which records the PSS key details, and without a log at the
			// signature.
			pkcs1, _ := verify.New(root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
			_, err = pkcs1.Verify(reparse(t, msg), verify.ArtifactReader(bytes.NewReader(artifact)), p)
			wantStep(t, err, verify.StepTransparencyLog)
			_, err = pkcs1.Verify(reparse(t, st), verify.ArtifactDigest(crypto.SHA256, sum[:]), p)
			wantStep(t, err, verify.StepTransparencyLog)
			bare, _ := sign.NewBundleBuilder(cred)
			offline, err := bare.SignArtifact(ctx, bytes.NewReader(artifact))
			if err != nil {
				t.Fatal(err)
			}
			keyOnly, _ := verify.New(trustedRoot(t, rootSpec{}), verify.WithPublicKey(cred.Hint(), cred.PublicKey()))
			_, err = keyOnly.Verify(reparse(t, offline), verify.ArtifactReader(bytes.NewReader(artifact)), p)
			wantStep(t, err, verify.StepSignature)

			// And the other way round: a PKCS #1 v1.5 bundle fails where PSS
			// is declared.
			plain, _ := signer.FromKey(k)
			pb, _ := sign.NewBundleBuilder(plain, withServices(tsa, log)...)
			bun, err := pb.SignArtifact(ctx, bytes.NewReader(artifact))
			if err != nil {
				t.Fatal(err)
			}
			_, err = pss.Verify(reparse(t, bun), verify.ArtifactReader(bytes.NewReader(artifact)), p)
			wantStep(t, err, verify.StepTransparencyLog)
		})
	}
}

func TestWithPublicKeyDetailsChecked(t *testing.T) {
	root := trustedRoot(t, rootSpec{})
	for _, c := range []struct {
		key     string
		details string
	}{
		{"rsa2048", "PKIX_RSA_PSS_3072_SHA256"},  // wrong size
		{"rsa2048", "PKIX_RSA_PSS"},              // deprecated name
		{"p256", "PKIX_RSA_PSS_2048_SHA256"},     // wrong type
		{"p256", "PKIX_ECDSA_P384_SHA_384"},      // wrong curve
		{"ed25519", "PKIX_ECDSA_P256_SHA_256"},   // wrong type
		{"rsa2048", "PKIX_RSA_PSS_2048_SHA_256"}, // not a name
	} {
		if _, err := verify.New(root, verify.WithPublicKeyDetails("", key(c.key).Public(), c.details)); err == nil {
			t.Errorf("%s key with %s accepted", c.key, c.details)
		}
	}
	if _, err := verify.New(root, verify.WithPublicKeyDetails("", key("ed25519").Public(), "PKIX_ED25519")); err != nil {
		t.Error(err)
	}
}

func wantStep(t *testing.T, err error, step verify.Step) {
	t.Helper()
	var verr *verify.Error
	if !errors.As(err, &verr) || verr.Step != step {
		t.Fatalf("want failure at %v, got %v", step, err)
	}
}

// TestDSSEPayloadLimit: a payload larger than a bundle may carry is refused
// before it is signed, by SignDSSE and AssembleDSSE alike.
func TestDSSEPayloadLimit(t *testing.T) {
	cred, err := signer.FromKey(key("p256"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(cred)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 16<<20+1)
	if bun, err := b.SignDSSE(context.Background(), "text/plain", big); bun != nil || err == nil || !strings.Contains(err.Error(), "exceeds the 16777216-byte limit") {
		t.Fatalf("SignDSSE: %v", err)
	}
	m, err := signer.FromPublicKey(cred.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if bun, err := sign.AssembleDSSE(context.Background(), m, "text/plain", big, []byte{1}); bun != nil || err == nil || !strings.Contains(err.Error(), "exceeds the 16777216-byte limit") {
		t.Fatalf("AssembleDSSE: %v", err)
	}
	if _, err := b.SignDSSE(context.Background(), "text/plain", big[:16<<20]); err != nil {
		t.Fatalf("SignDSSE at the limit: %v", err)
	}
}

// TestAssembleRSAPSS: a PSS signature made elsewhere is bundled once the
// credential naming its key says PSS (signer.FromPublicKey with WithRSAPSS),
// and the bundle verifies under the same declaration; the default credential
// (PKCS#1 v1.5) refuses the same signature before any bundle is made.
func TestAssembleRSAPSS(t *testing.T) {
	ctx := context.Background()
	k := key("rsa2048")
	remote, err := signer.FromKey(k, signer.WithRSAPSS()) // stands in for the remote signer
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(artifact)
	sig, err := remote.SignDigest(nil, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	pssCred, err := signer.FromPublicKey(k.Public(), signer.WithRSAPSS())
	if err != nil {
		t.Fatal(err)
	}
	if pssCred.CanSign() || pssCred.KeyDetails() != "PKIX_RSA_PSS_2048_SHA256" {
		t.Fatalf("CanSign %v, details %s", pssCred.CanSign(), pssCred.KeyDetails())
	}
	if _, err := pssCred.SignDigest(nil, sum[:]); !errors.Is(err, signer.ErrNoSigningKey) {
		t.Fatalf("a public-key credential signed: %v", err)
	}
	pss, err := verify.New(trustedRoot(t, rootSpec{}), verify.WithPublicKeyDetails(pssCred.Hint(), k.Public(), "PKIX_RSA_PSS_2048_SHA256"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.AssembleMessage(ctx, pssCred, crypto.SHA256, sum[:], sig, sign.WithSelfCheck(pss.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pss.Verify(reparse(t, b), verify.ArtifactReader(bytes.NewReader(artifact)), policy.PublicKey(k.Public())); err != nil {
		t.Fatal(err)
	}
	pkcs1, err := signer.FromPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if b, err := sign.AssembleMessage(ctx, pkcs1, crypto.SHA256, sum[:], sig); b != nil || !errors.Is(err, sign.ErrInvalidSignature) {
		t.Fatalf("a PSS signature assembled as PKCS#1 v1.5: %v", err)
	}
}
