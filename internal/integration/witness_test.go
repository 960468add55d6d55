package integration_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/monitor"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/verify"
	"github.com/sigil-dev/sigil/witness"
)

// The stack's rekor-tiles asks its witness (omniwitness, scripts/services)
// to cosign every checkpoint; the bundles it writes carry those real
// cosignatures, which verify checks under the witness policies the caller
// trusts.
func TestWitnessedRekorV2(t *testing.T) {
	e := setup(t)
	pub, err := os.ReadFile(e.s.PKI("witness.pub"))
	if err != nil {
		t.Fatal(err)
	}
	real, err := witness.ParseVerifierKey(strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	// The policy file rekor-tiles was started with parses too.
	if _, err := witness.ParsePolicy(readFile(t, filepath.Join(e.s.StateDir, "witness-policy.txt"))); err != nil {
		t.Fatal(err)
	}
	otherPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := witness.NewKey("other.example/witness", otherPub)
	if err != nil {
		t.Fatal(err)
	}

	k := newKey(t, "p256")
	cred := credential(t, k)
	b, err := sign.NewBundleBuilder(cred, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)))
	if err != nil {
		t.Fatal(err)
	}
	bun, err := b.SignArtifact(t.Context(), bytes.NewReader(artifact))
	if err != nil {
		t.Fatal(err)
	}
	env := string(bun.TlogEntries()[0].Proof.Checkpoint)
	if !strings.Contains(env, "\n— sigil.test/witness ") {
		t.Fatalf("the stack's checkpoint is not cosigned:\n%s", env)
	}

	pol := func(s string) *witness.Policy {
		p, err := witness.ParsePolicy([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w1 := "witness W1 " + real.VerifierKey() + "\n"
	w2 := "witness W2 " + other.VerifierKey() + "\n"
	tampered := roundTripTampered(t, bun)
	for _, tt := range []struct {
		name    string
		b       *bundle.Bundle
		policy  string
		wantErr string
	}{
		{"1-of-1", bun, w1 + "quorum W1\n", ""},
		{"1-of-2", bun, w1 + w2 + "group g any W1 W2\nquorum g\n", ""},
		{"unknown witness", bun, w2 + "quorum W2\n", "witness policy not satisfied"},
		{"quorum not met", bun, w1 + w2 + "group g all W1 W2\nquorum g\n", "witness policy not satisfied"},
		{"tampered cosignature", tampered, w1 + "quorum W1\n", "invalid cosignature"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := verify.New(e.root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()),
				verify.RequireWitnessPolicy(e.s.RekorV2URL, pol(tt.policy)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(tt.b, verify.ArtifactReader(bytes.NewReader(artifact)), policy.PublicKey(k.Public()))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				ws := res.TlogEntries[0].Witnesses
				if len(ws) != 1 || ws[0].Name != "sigil.test/witness" || ws[0].Time.IsZero() {
					t.Fatalf("witnesses %+v", ws)
				}
				return
			}
			assertStep(t, err, verify.StepTransparencyLog)
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			var cerr *checkpoint.VerificationError
			if tt.wantErr == "invalid cosignature" && (!errors.As(err, &cerr) || cerr.Reason != checkpoint.InvalidCosignature) {
				t.Fatalf("err = %v, want checkpoint.InvalidCosignature", err)
			}
		})
	}

	// A monitor that requires the witness: the log's published checkpoints
	// satisfy the policy, and an unknown witness's policy is not met.
	for policyText, ok := range map[string]bool{w1 + "quorum W1\n": true, w2 + "quorum W2\n": false} {
		m, err := monitor.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		l := e.monitoredLogs(t)["rekor-v2"]
		l.Witnesses = pol(policyText)
		u, err := m.Check(t.Context(), l)
		if ok && (err != nil || len(u.New.Witnesses) != 1 || u.New.Witnesses[0] != "sigil.test/witness") {
			t.Fatalf("monitor with the stack's witness: %+v, %v", u, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "does not satisfy the witness policy")) {
			t.Fatalf("monitor with an unknown witness: %v", err)
		}
	}

	// The witness's time counts as an observer timestamp only when asked.
	v, err := verify.New(e.root, verify.WithPublicKey(cred.Hint(), cred.PublicKey()),
		verify.RequireWitnessPolicy(e.s.RekorV2URL, pol(w1+"quorum W1\n")), verify.WitnessTimestamps(), verify.RequireTimestamps(2))
	if err != nil {
		t.Fatal(err)
	}
	res, err := v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.PublicKey(k.Public()))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, ts := range res.Timestamps {
		kinds[ts.Kind] = true
	}
	if !kinds["witness-cosignature"] || !kinds["rfc3161"] {
		t.Fatalf("timestamps %+v", res.Timestamps)
	}
}

// roundTripTampered returns b with one byte of the witness's cosignature
// changed (in its base64 signature field).
func roundTripTampered(t *testing.T, b *bundle.Bundle) *bundle.Bundle {
	t.Helper()
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	const marker = `\u2014 sigil.test/witness `
	s := string(data)
	i := strings.Index(s, marker)
	if i < 0 {
		i = strings.Index(s, "— sigil.test/witness ")
		if i < 0 {
			t.Fatalf("no cosignature line in %s", s)
		}
		i += len("— sigil.test/witness ")
	} else {
		i += len(marker)
	}
	j := i + 20 // inside the signature, past key ID and timestamp
	c := byte('A')
	if s[j] == 'A' {
		c = 'B'
	}
	out, err := bundle.Parse([]byte(s[:j] + string(c) + s[j+1:]))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
