package sign_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

var update = flag.Bool("update", false, "regenerate the golden bundles in testdata/golden")

const goldenDir = "testdata/golden"

// goldenCases are bundles sigil signed, kept with their trusted roots (and
// keys) so that a later sigil must still verify them: a guard against drift
// in the format sign writes and verify reads.
var goldenCases = []struct {
	name, alg, mat, content string
	services                bool
}{
	{"p256-key-message", "p256", matKey, "message", false},
	{"ed25519-key-statement", "ed25519", matKey, "dsse", false},
	{"rsa2048-cert-message", "rsa2048", matCert, "message", false},
	{"p384-chain-statement", "p384", matChain, "dsse", false},
	{"p256-chain-tsa-log-message", "p256", matChain, "message", true},
}

func TestGolden(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	art, err := os.ReadFile(filepath.Join(goldenDir, "artifact.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(goldenDir, c.name)
			root, err := trustroot.FromFile(filepath.Join(dir, "trusted_root.json"))
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, "bundle.sigstore.json"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := bundle.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := b.MarshalJSON(); !bytes.Equal(out, data) {
				t.Fatal("the bundle no longer encodes to the same bytes")
			}
			var opts []verify.Option
			p := policy.SubjectDN(policy.Exact(signerDN))
			if c.mat == matKey {
				pemKey, err := os.ReadFile(filepath.Join(dir, "key.pub"))
				if err != nil {
					t.Fatal(err)
				}
				blk, _ := pem.Decode(pemKey)
				pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				opts = append(opts, verify.WithPublicKey("", pub))
				p = policy.PublicKey(pub)
			}
			v, err := verify.New(root, opts...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(art)), p)
			if err != nil {
				t.Fatal(err)
			}
			if c.services && (len(res.Timestamps) != 1 || len(res.TlogEntries) != 1) {
				t.Fatalf("timestamps %v, entries %v", res.Timestamps, res.TlogEntries)
			}
			if _, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(append(art, '!'))), p); err == nil {
				t.Fatal("verifies another artifact")
			}
		})
	}
}

func writeGolden(t *testing.T) {
	art := artifact
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(goldenDir, 0o755))
	must(os.WriteFile(filepath.Join(goldenDir, "artifact.txt"), art, 0o644))
	for _, c := range goldenCases {
		dir := filepath.Join(goldenDir, c.name)
		must(os.MkdirAll(dir, 0o755))
		var spec rootSpec
		var opts []sign.Option
		if c.services {
			tsa, log := newTSA(t), newLog(t)
			spec = rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}}
			opts = withServices(tsa, log)
		}
		f := newFixture(t, c.alg, c.mat, spec)
		if c.mat != matKey {
			p := singleCA(t)
			if c.mat == matChain {
				p = chainCA(t)
			}
			spec.cas = []*pki{p}
		} else {
			der, err := x509.MarshalPKIXPublicKey(f.pub)
			must(err)
			must(os.WriteFile(filepath.Join(dir, "key.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644))
		}
		must(os.WriteFile(filepath.Join(dir, "trusted_root.json"), trustedRootJSON(t, spec), 0o644))
		b := f.builder(t, opts...)
		var bun *bundle.Bundle
		var err error
		if c.content == "message" {
			bun, err = b.SignArtifact(context.Background(), bytes.NewReader(art))
		} else {
			bun, err = b.SignStatement(context.Background(), artifactStatement())
		}
		must(err)
		data, err := bun.MarshalJSON()
		must(err)
		must(os.WriteFile(filepath.Join(dir, "bundle.sigstore.json"), data, 0o644))
	}
}
