package verify_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
	"github.com/sigil-dev/sigil/witness"
)

// testWitness is a witness key that cosigns checkpoints (cosignature/v1).
type testWitness struct {
	key  *witness.Key
	priv ed25519.PrivateKey
}

func newTestWitness(t *testing.T, name string) *testWitness {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := witness.NewKey(name, pub)
	if err != nil {
		t.Fatal(err)
	}
	return &testWitness{k, priv}
}

// cosign returns w's cosignature line for the note text, at time ts.
func (w *testWitness) cosign(text string, ts time.Time) string {
	t := uint64(ts.Unix())
	blob := binary.BigEndian.AppendUint32(nil, w.key.KeyHash())
	blob = binary.BigEndian.AppendUint64(blob, t)
	blob = append(blob, ed25519.Sign(w.priv, witness.CosignedMessage(t, []byte(text)))...)
	return "— " + w.key.Name() + " " + base64.StdEncoding.EncodeToString(blob) + "\n"
}

const rekor2Dir = "../testdata/conformance/bundle-verify/rekor2-happy-path/"

// cosignedRekor2 returns the staging Rekor v2 bundle of the conformance
// corpus with the given cosignature lines appended to its checkpoint (they
// are not covered by the log's signature, so the log's still verifies), and
// the staging trusted root.
func cosignedRekor2(t *testing.T, lines func(text string) string) (*bundle.Bundle, *trustroot.TrustedRoot) {
	t.Helper()
	data, err := os.ReadFile(rekor2Dir + "bundle.sigstore.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	e := m["verificationMaterial"].(map[string]any)["tlogEntries"].([]any)[0].(map[string]any)
	cp := e["inclusionProof"].(map[string]any)["checkpoint"].(map[string]any)
	env := cp["envelope"].(string)
	text := env[:strings.Index(env, "\n\n")+1]
	cp["envelope"] = env + lines(text)
	data, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	rootData, err := os.ReadFile(rekor2Dir + "trusted_root.json")
	if err != nil {
		t.Fatal(err)
	}
	root, err := trustroot.ParseJSON(rootData)
	if err != nil {
		t.Fatal(err)
	}
	return b, root
}

func parsePolicy(t *testing.T, s string) *witness.Policy {
	t.Helper()
	p, err := witness.ParsePolicy([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const rekor2URL = "https://log2025-alpha1.rekor.sigstage.dev"

func TestWitnessPolicy(t *testing.T) {
	artifact, err := os.ReadFile("../testdata/conformance/bundle-verify/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	id := policy.Identity("https://token.actions.githubusercontent.com",
		"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main")
	w1, w2, w3 := newTestWitness(t, "witness.example/w1"), newTestWitness(t, "witness.example/w2"), newTestWitness(t, "witness.example/w3")
	at := time.Date(2025, 6, 12, 12, 3, 0, 0, time.UTC) // within the certificate's validity
	both := func(text string) string { return w1.cosign(text, at) + w2.cosign(text, at.Add(time.Minute)) }
	tampered := func(text string) string {
		l := w1.cosign(text, at)
		return l[:len(l)-4] + "AAA\n"
	}
	pol := func(quorum string, ws ...*testWitness) string {
		s := ""
		for i, w := range ws {
			s += "witness W" + string(rune('1'+i)) + " " + w.key.VerifierKey() + "\n"
		}
		return s + quorum + "\n"
	}
	tests := []struct {
		name     string
		lines    func(string) string
		policy   string
		wantErr  string // "" for success
		wantWits int
	}{
		{"1-of-1", both, pol("quorum W1", w1), "", 1},
		{"1-of-2", both, pol("group g any W1 W2\nquorum g", w1, w3), "", 1},
		{"2-of-2", both, pol("group g all W1 W2\nquorum g", w1, w2), "", 2},
		{"quorum none", func(string) string { return "" }, pol("quorum none", w1), "", 0},
		{"unknown witness", both, pol("quorum W1", w3), "witness policy not satisfied", 0},
		{"quorum not met", both, pol("group g 2 W1 W2\nquorum g", w1, w3), "witness policy not satisfied", 0},
		{"no cosignature", func(string) string { return "" }, pol("quorum W1", w1), "witness policy not satisfied", 0},
		{"tampered cosignature", tampered, pol("quorum W1", w1), "invalid cosignature", 0},
		{"cosignature of another checkpoint", func(text string) string {
			return w1.cosign(strings.Replace(text, "\n", "\n1", 1), at)
		}, pol("quorum W1", w1), "invalid cosignature", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, root := cosignedRekor2(t, tt.lines)
			v, err := verify.New(root, verify.RequireWitnessPolicy(rekor2URL, parsePolicy(t, tt.policy)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), id)
			if tt.wantErr != "" {
				var verr *verify.Error
				if !errors.As(err, &verr) || verr.Step != verify.StepTransparencyLog || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a %s failure with %q", err, verify.StepTransparencyLog, tt.wantErr)
				}
				if tt.wantErr == "invalid cosignature" {
					var cerr *checkpoint.VerificationError
					if !errors.As(err, &cerr) || cerr.Reason != checkpoint.InvalidCosignature || cerr.Name != w1.key.Name() {
						t.Fatalf("err = %v, want InvalidCosignature from %s", err, w1.key.Name())
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.TlogEntries[0].Witnesses); got != tt.wantWits {
				t.Fatalf("%d witnesses in Result, want %d: %+v", got, tt.wantWits, res.TlogEntries[0].Witnesses)
			}
			for _, ts := range res.Timestamps {
				if ts.Kind == "witness-cosignature" {
					t.Fatal("witness timestamp without WitnessTimestamps")
				}
			}
		})
	}

	t.Run("without a policy cosignatures are not checked", func(t *testing.T) {
		b, root := cosignedRekor2(t, tampered)
		v, err := verify.New(root)
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), id)
		if err != nil || res.TlogEntries[0].Witnesses != nil {
			t.Fatalf("%v %+v", err, res)
		}
	})

	t.Run("witness timestamps", func(t *testing.T) {
		b, root := cosignedRekor2(t, both)
		v, err := verify.New(root, verify.RequireWitnessPolicy(rekor2URL, parsePolicy(t, pol("group g all W1 W2\nquorum g", w1, w2))),
			verify.WitnessTimestamps(), verify.RequireTimestamps(2))
		if err != nil {
			t.Fatal(err)
		}
		res, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), id)
		if err != nil {
			t.Fatal(err)
		}
		var got []verify.Timestamp
		for _, ts := range res.Timestamps {
			if ts.Kind == "witness-cosignature" {
				got = append(got, ts)
			}
		}
		// The quorum needs both: the later cosignature's time counts.
		if len(got) != 1 || !got[0].Time.Equal(at.Add(time.Minute)) || got[0].Authority != rekor2URL {
			t.Fatalf("witness timestamps %+v", got)
		}
	})

	t.Run("options", func(t *testing.T) {
		_, root := cosignedRekor2(t, both)
		p := parsePolicy(t, pol("quorum W1", w1))
		for name, opts := range map[string][]verify.Option{
			"unknown log":        {verify.RequireWitnessPolicy("https://rekor.example", p)},
			"twice":              {verify.RequireWitnessPolicy(rekor2URL, p), verify.RequireWitnessPolicy(rekor2URL, p)},
			"nil policy":         {verify.RequireWitnessPolicy(rekor2URL, nil)},
			"timestamps only":    {verify.WitnessTimestamps()},
			"too many observers": {verify.RequireWitnessPolicy(rekor2URL, p), verify.RequireTimestamps(99), verify.WitnessTimestamps()},
		} {
			if _, err := verify.New(root, opts...); err == nil {
				t.Errorf("%s: New succeeded", name)
			}
		}
	})
}
