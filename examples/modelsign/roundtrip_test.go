package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/examples/modelsign/internal/omsschema"
	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/verify"
)

func loadSchemas(t testing.TB) *omsschema.Schemas {
	t.Helper()
	s, err := omsschema.Load("testdata/oms-spec/schemas-v1.0")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeModel writes a nested model with unicode and special names, an
// empty file and ignorable entries, and returns its root.
func writeModel(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "модель model")
	for name, content := range map[string]string{
		"config.json":                `{"layers": 2}`,
		"weights/part-00001.bin":     strings.Repeat("w", 3000),
		"weights/part-00002.bin":     "tail",
		"tokenizer/vocab 词表.txt":     "a b c",
		"odd/it's \"quoted\" #1.bin": "q",
		"odd/colon:name":             "c",
		"empty":                      "",
		".git/HEAD":                  "ref: refs/heads/main",
		".gitignore":                 "*.tmp",
	} {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func writePEM(t *testing.T, path, typ string, der []byte) string {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// keyFiles writes a new ECDSA key on curve and its public key as PEM files.
func keyFiles(t *testing.T, dir string, curve elliptic.Curve) (priv, pub string, key *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	name := curve.Params().Name
	return writePEM(t, filepath.Join(dir, name+".key"), "PRIVATE KEY", der),
		writePEM(t, filepath.Join(dir, name+".pub"), "PUBLIC KEY", pubDER), key
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", args[0], code, out)
	}
	return out
}

func checkSchema(t *testing.T, s *omsschema.Schemas, bundlePath string) {
	t.Helper()
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(data); err != nil {
		t.Fatalf("%s does not validate against the OMS schemas: %v", bundlePath, err)
	}
}

// TestRoundTripKey signs and verifies with each key type OMS lists, single
// files and nested models, the bundle inside and outside the model, and
// validates every bundle against the OMS schemas.
func TestRoundTripKey(t *testing.T) {
	s := loadSchemas(t)
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		for _, shape := range []string{"nested", "single file", "bundle inside"} {
			t.Run(curve.Params().Name+"/"+shape, func(t *testing.T) {
				dir := t.TempDir()
				priv, pub, _ := keyFiles(t, dir, curve)
				model := writeModel(t)
				bundlePath := filepath.Join(dir, "model.sig")
				switch shape {
				case "single file":
					model = filepath.Join(model, "weights", "part-00001.bin")
				case "bundle inside":
					bundlePath = filepath.Join(model, "model.sig")
				}
				mustRun(t, "sign-model", "--method", "key", "--model-path", model, "--private-key", priv, "--output-bundle", bundlePath)
				checkSchema(t, s, bundlePath)
				mustRun(t, "verify-model", "--method", "key", "--model-path", model, "--public-key", pub, "--bundle", bundlePath)

				// Another key is refused: the bundle names its own key.
				_, otherPub, _ := keyFiles(t, t.TempDir(), curve)
				err := verifyModel(context.Background(), []string{"--method", "key", "--model-path", model, "--public-key", otherPub, "--bundle", bundlePath}, io.Discard, io.Discard)
				var ve *verify.Error
				if !errors.As(err, &ve) || ve.Step != verify.StepKey {
					t.Fatalf("another key: %v, want a failure at step key", err)
				}
			})
		}
	}
}

// TestRoundTripOptions: shards, BLAKE2b, ignore paths recorded at signing
// and honoured at verification.
func TestRoundTripOptions(t *testing.T) {
	s := loadSchemas(t)
	dir := t.TempDir()
	priv, pub, _ := keyFiles(t, dir, elliptic.P256())
	for name, extra := range map[string][]string{
		"shards":  {"--shard-size", "1000"},
		"blake2b": {"--hash-type", "blake2b"},
		"ignore":  {"--ignore-paths", "IGNORED"},
	} {
		t.Run(name, func(t *testing.T) {
			model := writeModel(t)
			bundlePath := filepath.Join(t.TempDir(), "m.sig")
			for i, a := range extra {
				if a == "IGNORED" {
					extra[i] = filepath.Join(model, "weights")
				}
			}
			mustRun(t, append([]string{"sign-model", "--method", "key", "--model-path", model, "--private-key", priv, "--output-bundle", bundlePath}, extra...)...)
			checkSchema(t, s, bundlePath)
			mustRun(t, "verify-model", "--method", "key", "--model-path", model, "--public-key", pub, "--bundle", bundlePath)
			if name == "ignore" {
				// The signed ignore path covers new files in it.
				if err := os.WriteFile(filepath.Join(model, "weights", "new.bin"), []byte("n"), 0o644); err != nil {
					t.Fatal(err)
				}
				mustRun(t, "verify-model", "--method", "key", "--model-path", model, "--public-key", pub, "--bundle", bundlePath)
			}
		})
	}
}

// pki is a certificate hierarchy made for a test: root → intermediate →
// leaf, each written as a PEM file.
type pki struct {
	rootPEM, interPEM, leafPEM, keyPEM string
	root, inter, leaf                  *x509.Certificate
	rootKey, interKey                  crypto.Signer
}

func newCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var serial int64

func template(cn string, ca bool) *x509.Certificate {
	serial++
	c := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true, IsCA: ca,
	}
	if ca {
		c.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		c.KeyUsage = x509.KeyUsageDigitalSignature
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	return c
}

// newPKI makes a hierarchy whose leaf key is on curve; leafTmpl, if set,
// replaces the leaf's template.
func newPKI(t *testing.T, dir string, curve elliptic.Curve, leafTmpl *x509.Certificate) *pki {
	t.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keyPath, _, leafKey := keyFiles(t, dir, curve)
	p := &pki{keyPEM: keyPath, rootKey: rootKey, interKey: interKey}
	p.root = newCert(t, template("test root", true), nil, rootKey.Public(), rootKey)
	p.inter = newCert(t, template("test intermediate", true), p.root, interKey.Public(), rootKey)
	if leafTmpl == nil {
		leafTmpl = template("model signer", false)
	}
	p.leaf = newCert(t, leafTmpl, p.inter, leafKey.Public(), interKey)
	p.rootPEM = writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", p.root.Raw)
	p.interPEM = writePEM(t, filepath.Join(dir, "inter.pem"), "CERTIFICATE", p.inter.Raw)
	p.leafPEM = writePEM(t, filepath.Join(dir, "leaf.pem"), "CERTIFICATE", p.leaf.Raw)
	return p
}

// TestRoundTripCertificate: leaf + chain bundles (x509CertificateChain) for
// each key type, verified against the root as the only anchor; another
// anchor, or a chain certificate offered as an anchor by the bundle, fails
// at the certificate step.
func TestRoundTripCertificate(t *testing.T) {
	s := loadSchemas(t)
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			dir := t.TempDir()
			p := newPKI(t, dir, curve, nil)
			model := writeModel(t)
			bundlePath := filepath.Join(model, "model.sig")
			mustRun(t, "sign-model", "--method", "certificate", "--model-path", model, "--private-key", p.keyPEM,
				"--signing-cert", p.leafPEM, "--cert-chain", p.interPEM, "--cert-chain", p.rootPEM, "--output-bundle", bundlePath)
			checkSchema(t, s, bundlePath)
			data, _ := os.ReadFile(bundlePath)
			b, err := oms.ParseBundle(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := oms.CheckMethod(oms.MethodCertificate, b); err != nil || len(b.Certificates()) != 3 {
				t.Fatalf("certificate bundle: %v, %d certificates", err, len(b.Certificates()))
			}
			mustRun(t, "verify-model", "--method", "certificate", "--model-path", model, "--cert-chain", p.rootPEM, "--bundle", bundlePath)

			// Another root is no anchor for this chain, though the bundle
			// carries the real root: bundle certificates are never anchors.
			other := newPKI(t, t.TempDir(), curve, nil)
			err = verifyModel(context.Background(), []string{"--method", "certificate", "--model-path", model, "--cert-chain", other.rootPEM, "--bundle", bundlePath}, io.Discard, io.Discard)
			var ve *verify.Error
			if !errors.As(err, &ve) || ve.Step != verify.StepCertificate {
				t.Fatalf("another anchor: %v, want a failure at step certificate", err)
			}
		})
	}
}

// TestCertificateLeafThatIsCA: model_signing's test leaf is a CA
// certificate whose key usage is only digitalSignature; it signs. A CA leaf
// that may sign certificates does not.
func TestCertificateLeafThatIsCA(t *testing.T) {
	for _, tc := range []struct {
		name string
		ku   x509.KeyUsage
		ok   bool
	}{
		{"digitalSignature only", x509.KeyUsageDigitalSignature, true},
		{"with keyCertSign", x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			leaf := template("ca leaf", false)
			leaf.IsCA, leaf.KeyUsage = true, tc.ku
			p := newPKI(t, dir, elliptic.P384(), leaf)
			model := writeModel(t)
			bundlePath := filepath.Join(dir, "model.sig")
			code, out := runCLI(t, "sign-model", "--method", "certificate", "--model-path", model, "--private-key", p.keyPEM,
				"--signing-cert", p.leafPEM, "--cert-chain", p.interPEM, "--cert-chain", p.rootPEM, "--output-bundle", bundlePath)
			if tc.ok {
				if code != 0 {
					t.Fatalf("sign: exit %d: %s", code, out)
				}
				mustRun(t, "verify-model", "--method", "certificate", "--model-path", model, "--cert-chain", p.rootPEM, "--bundle", bundlePath)
				return
			}
			// The self-check refuses to write it.
			if code != 1 || !strings.Contains(out, "CA certificate") {
				t.Fatalf("sign with a CA leaf that may issue certificates: exit %d: %s", code, out)
			}
		})
	}
}

// TestCLIUsage: missing or conflicting flags are usage errors (exit 2).
func TestCLIUsage(t *testing.T) {
	model := writeModel(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"sign-model", "--model-path", model, "--output-bundle", "x"},
		{"sign-model", "--method", "key", "--output-bundle", "x"},
		{"sign-model", "--method", "key", "--model-path", model},
		{"sign-model", "--method", "key", "--model-path", model, "--output-bundle", "x"},
		{"sign-model", "--method", "sigstore", "--model-path", model, "--output-bundle", "x"},
		{"sign-model", "--method", "certificate", "--model-path", model, "--output-bundle", "x", "--private-key", "k", "--signing-cert", "c"},
		{"sign-model", "--method", "key", "--model-path", model, "--output-bundle", "x", "--ignore-paths", "/elsewhere"},
		{"verify-model", "--method", "key", "--model-path", model},
		{"verify-model", "--method", "certificate", "--model-path", model, "--bundle", "testdata/model-transparency/v1.1.0-certificate/model.sig"},
		{"verify-model", "--method", "sigstore", "--model-path", model, "--bundle", "testdata/model-transparency/v1.1.0-sigstore/model.sig"},
	} {
		if code, out := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2: %s", args, code, out)
		}
	}
}

// TestWrongMethod: a bundle is checked against the method asked for.
func TestWrongMethod(t *testing.T) {
	code, out := runCLI(t, "verify-model", "--method", "sigstore", "--identity", "x", "--identity-provider", "y",
		"--model-path", "testdata/model-transparency/v1.1.0-elliptic-key",
		"--bundle", "testdata/model-transparency/v1.1.0-elliptic-key/model.sig")
	if code != 1 || !strings.Contains(out, "not that of the sigstore method") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// writeCRL writes a PEM CRL of issuer (key) revoking revoked, current
// between thisUpdate and nextUpdate.
func writeCRL(t *testing.T, path string, issuer *x509.Certificate, key crypto.Signer, thisUpdate, nextUpdate time.Time, revoked ...*x509.Certificate) string {
	t.Helper()
	serial++
	tmpl := &x509.RevocationList{Number: big.NewInt(serial), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: c.SerialNumber, RevocationTime: time.Now().Add(-30 * time.Minute), ReasonCode: 1, // keyCompromise
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, path, "X509 CRL", der)
}

// TestCLIRevocation: verify-model --crl checks every certificate of the path
// below the anchor against the CAs' CRLs: current, unrevoking CRLs pass; a
// revoked leaf, a revoked intermediate, a stale CRL, a CRL signed by another
// key and a path certificate no CRL covers each fail, saying why; --crl with
// another method is a usage error.
func TestCLIRevocation(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t, dir, elliptic.P256(), nil)
	model := writeModel(t)
	bundlePath := filepath.Join(dir, "model.sig")
	mustRun(t, "sign-model", "--method", "certificate", "--model-path", model, "--private-key", p.keyPEM,
		"--signing-cert", p.leafPEM, "--cert-chain", p.interPEM, "--cert-chain", p.rootPEM, "--output-bundle", bundlePath)
	now := time.Now()
	current := func(name string, issuer *x509.Certificate, key crypto.Signer, revoked ...*x509.Certificate) string {
		return writeCRL(t, filepath.Join(dir, name), issuer, key, now.Add(-time.Hour), now.Add(time.Hour), revoked...)
	}
	rootCRL := current("root.crl", p.root, p.rootKey)
	interCRL := current("inter.crl", p.inter, p.interKey)
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	verifyArgs := func(crls ...string) []string {
		args := []string{"verify-model", "--method", "certificate", "--model-path", model, "--cert-chain", p.rootPEM, "--bundle", bundlePath}
		for _, c := range crls {
			args = append(args, "--crl", c)
		}
		return args
	}
	mustRun(t, verifyArgs(rootCRL, interCRL)...)
	for _, tc := range []struct {
		name string
		crls []string
		want string
	}{
		{"revoked leaf", []string{rootCRL, current("inter-revokes-leaf.crl", p.inter, p.interKey, p.leaf)}, "CN=model signer"},
		{"revoked intermediate", []string{current("root-revokes-inter.crl", p.root, p.rootKey, p.inter), interCRL}, "CN=test intermediate"},
		{"stale", []string{rootCRL, writeCRL(t, filepath.Join(dir, "stale.crl"), p.inter, p.interKey, now.Add(-48*time.Hour), now.Add(-24*time.Hour))}, verify.ErrStaleCRL.Error()},
		{"wrong signer", []string{rootCRL, current("forged.crl", p.inter, otherKey)}, verify.ErrCRLSignature.Error()},
		{"leaf not covered", []string{rootCRL}, verify.ErrNoRevocationStatus.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runCLI(t, verifyArgs(tc.crls...)...)
			if code != 1 || !strings.Contains(out, "verify: revocation: ") || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want 1 naming the revocation step and %q: %s", code, tc.want, out)
			}
		})
	}
	if code, out := runCLI(t, "verify-model", "--method", "key", "--public-key", p.keyPEM, "--model-path", model, "--bundle", bundlePath, "--crl", rootCRL); code != 2 {
		t.Fatalf("--crl with --method key: exit %d, want 2: %s", code, out)
	}

	// The library reports the step.
	data, _ := os.ReadFile(bundlePath)
	b, err := oms.ParseBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	leafRevoked := current("inter-revokes-leaf-2.crl", p.inter, p.interKey, p.leaf)
	_, _, err = oms.VerifyCertificate(context.Background(), b, []*x509.Certificate{p.root}, now, model, oms.VerifyOptions{},
		verify.WithCRLFiles(rootCRL, leafRevoked))
	var ve *verify.Error
	var re *verify.RevokedError
	if !errors.As(err, &ve) || ve.Step != verify.StepRevocation || !errors.As(err, &re) || !re.Certificate.Equal(p.leaf) {
		t.Fatalf("VerifyCertificate with the leaf revoked: %v", err)
	}
}
