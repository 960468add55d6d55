package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

// externalSign signs as software outside sigil would: with the raw key.
func externalSign(t testing.TB, k crypto.Signer, h crypto.Hash, digest []byte) []byte {
	t.Helper()
	var sig []byte
	var err error
	switch kk := k.(type) {
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, kk, digest)
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, kk, h, digest)
	case ed25519.PrivateKey:
		if h == 0 {
			sig = ed25519.Sign(kk, digest)
		} else {
			sig, err = kk.Sign(rand.Reader, digest, &ed25519.Options{Hash: crypto.SHA512})
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestAssemble(t *testing.T) {
	ctx := context.Background()
	tsa, log := newTSA(t), newLog(t)
	for _, alg := range algorithms {
		for _, mat := range []string{matKey, matChain} {
			t.Run(alg+"/"+mat, func(t *testing.T) {
				// The DSSE envelope below is not in-toto: its consumer opts in.
				f := newFixture(t, alg, mat, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}}, verify.AllowPayloadType("application/vnd.sigil.test+json"))
				var m *signer.Credential
				var err error
				if mat == matKey {
					m, err = signer.FromPublicKey(f.pub)
				} else {
					m, err = signer.FromCertificate(f.cred.Certificates())
				}
				if err != nil {
					t.Fatal(err)
				}
				opts := append(withServices(tsa, log), sign.WithSelfCheck(f.v.SelfCheck()))
				k := key(alg)

				h := f.cred.HashFunc()
				d := h.New()
				d.Write(artifact)
				digest := d.Sum(nil)
				sig := externalSign(t, k, h, digest)
				bun, err := sign.AssembleMessage(ctx, m, h, digest, sig, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.v.Verify(reparse(t, bun), verify.ArtifactReader(bytes.NewReader(artifact)), f.policy); err != nil {
					t.Fatal(err)
				}
				if mat == matKey {
					if hint := bun.PublicKeyHint(); hint != f.cred.Hint() {
						t.Fatalf("default hint %q, want signer's %q", hint, f.cred.Hint())
					}
				}

				pt, payload := "application/vnd.sigil.test+json", []byte(`{"a":1}`)
				msg := pae(pt, payload)
				var dsig []byte
				if alg == "ed25519" {
					dsig = externalSign(t, k, 0, msg)
				} else {
					dh := f.cred.HashFunc()
					dd := dh.New()
					dd.Write(msg)
					dsig = externalSign(t, k, dh, dd.Sum(nil))
				}
				ebun, err := sign.AssembleDSSE(ctx, m, pt, payload, dsig, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.v.Verify(reparse(t, ebun), verify.ArtifactReader(bytes.NewReader(payload)), f.policy); err != nil {
					t.Fatal(err)
				}

				// A signature that does not verify never becomes a bundle.
				bad := bytes.Clone(sig)
				bad[len(bad)/2] ^= 1
				if b, err := sign.AssembleMessage(ctx, m, h, digest, bad, opts...); b != nil || !errors.Is(err, sign.ErrInvalidSignature) {
					t.Fatalf("bad signature: %v", err)
				}
				if b, err := sign.AssembleDSSE(ctx, m, pt, append(payload, ' '), dsig, opts...); b != nil || !errors.Is(err, sign.ErrInvalidSignature) {
					t.Fatalf("bad DSSE signature: %v", err)
				}
				if log.calls == 0 {
					t.Fatal("log not used")
				}
			})
		}
	}
}

// TestAssembleOtherDigest: an ECDSA P-384 key may sign a SHA-256 digest, as
// Sigstore clients do; the allow-list decides.
func TestAssembleOtherDigest(t *testing.T) {
	f := newFixture(t, "p384", matKey, rootSpec{})
	m, _ := signer.FromPublicKey(f.pub)
	d := cryptoSHA256.New()
	d.Write(artifact)
	sig := externalSign(t, key("p384"), cryptoSHA256, d.Sum(nil))
	bun, err := sign.AssembleMessage(context.Background(), m, cryptoSHA256, d.Sum(nil), sig, sign.WithSelfCheck(f.v.SelfCheck()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy); err != nil {
		t.Fatal(err)
	}
	// Ed25519 keys sign only SHA-512 digests (Ed25519ph).
	em, _ := signer.FromPublicKey(key("ed25519").Public())
	if _, err := sign.AssembleMessage(context.Background(), em, cryptoSHA256, d.Sum(nil), sig); err == nil {
		t.Fatal("Ed25519 over SHA-256 accepted")
	}
}

func TestAssembleErrors(t *testing.T) {
	ctx := context.Background()
	m, err := signer.FromPublicKey(key("p256").Public(), signer.WithHint("my-key"))
	if err != nil {
		t.Fatal(err)
	}
	d := make([]byte, 32)
	for _, tc := range []struct {
		name string
		err  func() error
		want string
	}{
		{"nil credential", func() error { _, err := sign.AssembleMessage(ctx, nil, cryptoSHA256, d, []byte{1}); return err }, "zero Credential"},
		{"zero credential", func() error { _, err := sign.AssembleDSSE(ctx, &signer.Credential{}, "t", nil, []byte{1}); return err }, "zero Credential"},
		{"empty signature", func() error { _, err := sign.AssembleMessage(ctx, m, cryptoSHA256, d, nil); return err }, "empty signature"},
		{"short digest", func() error { _, err := sign.AssembleMessage(ctx, m, cryptoSHA256, d[:20], []byte{1}); return err }, "20-byte digest"},
		{"SHA-1", func() error { _, err := sign.AssembleMessage(ctx, m, crypto.SHA1, d[:20], []byte{1}); return err }, "unsupported"},
		{"empty payload type", func() error { _, err := sign.AssembleDSSE(ctx, m, "", nil, []byte{1}); return err }, "payload type"},
		{"builder option", func() error {
			_, err := sign.AssembleMessage(ctx, m, cryptoSHA256, d, []byte{1}, sign.WithRand(rand.Reader))
			return err
		}, "WithRand applies to NewBundleBuilder"},
		{"full chain", func() error {
			_, err := sign.AssembleMessage(ctx, m, cryptoSHA256, d, []byte{1}, sign.WithFullChain())
			return err
		}, "WithFullChain applies to NewBundleBuilder"},
		{"nil option", func() error { _, err := sign.AssembleDSSE(ctx, m, "t", nil, []byte{1}, nil); return err }, "option 0 is nil"},
		{"nil key", func() error { _, err := signer.FromPublicKey(nil); return err }, "unsupported"},
		{"nil certificate", func() error { _, err := signer.FromCertificate(nil); return err }, "no leaf certificate"},
		{"builder of a public key", func() error { _, err := sign.NewBundleBuilder(m); return err }, "cannot sign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if hint := mustAssemble(t, m).PublicKeyHint(); hint != "my-key" {
		t.Fatalf("hint %q", hint)
	}
	if !sigKeyEqual(m.PublicKey(), key("p256").Public()) {
		t.Fatal("PublicKey")
	}
}

func mustAssemble(t *testing.T, m *signer.Credential) interface{ PublicKeyHint() string } {
	t.Helper()
	d := cryptoSHA256.New()
	d.Write(artifact)
	sig := externalSign(t, key("p256"), cryptoSHA256, d.Sum(nil))
	b, err := sign.AssembleMessage(context.Background(), m, cryptoSHA256, d.Sum(nil), sig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
