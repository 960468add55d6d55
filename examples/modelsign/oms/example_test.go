package oms_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const realSigs = "../testdata/model-transparency"

// exampleModel writes a small model and returns its directory.
func exampleModel() string {
	dir, err := os.MkdirTemp("", "example-")
	if err != nil {
		panic(err)
	}
	root := filepath.Join(dir, "my-model")
	for name, content := range map[string]string{"config.json": "{}", "weights/w.bin": "weights"} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			panic(err)
		}
	}
	return root
}

// Sign a model with a key (any crypto.Signer: a key file, an HSM, a KMS),
// then verify the model with the public key.
func ExampleSign() {
	ctx := context.Background()
	model := exampleModel()
	defer os.RemoveAll(filepath.Dir(model))

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	hint, _ := oms.KeyHint(key.Public()) // the hint model_signing writes
	cred, _ := signer.FromKey(key, signer.WithHint(hint))
	bb, _ := sign.NewBundleBuilder(cred)
	b, m, err := oms.Sign(ctx, bb, model, oms.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println("signed", m.Name, len(m.Resources), "files")

	// A trusted root without authorities: the key is the trust.
	root, _ := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	v, _ := verify.New(root, verify.WithPublicKey(hint, key.Public()))
	_, _, err = oms.Verify(ctx, v, b, policy.PublicKey(key.Public()), model, oms.VerifyOptions{})
	fmt.Println("verified:", err == nil)
	// Output:
	// signed my-model 2 files
	// verified: true
}

func ExampleSerialize() {
	model := exampleModel()
	defer os.RemoveAll(filepath.Dir(model))
	m, err := oms.Serialize(context.Background(), model, oms.Options{IgnorePaths: []string{"cache"}})
	if err != nil {
		panic(err)
	}
	for _, r := range m.Resources {
		fmt.Println(r.Name, r.Algorithm, r.Digest[:16])
	}
	fmt.Println(m.Serialization.Method, m.Serialization.IgnorePaths)
	fmt.Println("root digest", hex.EncodeToString(m.RootDigest())[:16])
	// Output:
	// config.json sha256 44136fa355b3678a
	// weights/w.bin sha256 9a129038d9a00aed
	// files [.git .gitattributes .github .gitignore cache]
	// root digest c3bf65fb99ad2d08
}

func ExampleManifest_Statement() {
	model := exampleModel()
	defer os.RemoveAll(filepath.Dir(model))
	m, _ := oms.Serialize(context.Background(), model, oms.Options{})
	st, _ := m.Statement()
	fmt.Println(st.PredicateType)
	fmt.Println(st.Subject[0].Name, st.Subject[0].Digest["sha256"] == hex.EncodeToString(m.RootDigest()))
	// Output:
	// https://model_signing/signature/v1.0
	// my-model true
}

func ExampleVerifyModel() {
	ctx := context.Background()
	model := exampleModel()
	defer os.RemoveAll(filepath.Dir(model))
	m, _ := oms.Serialize(ctx, model, oms.Options{})

	os.WriteFile(filepath.Join(model, "config.json"), []byte(`{"evil": true}`), 0o644)
	os.Remove(filepath.Join(model, "weights", "w.bin"))
	os.WriteFile(filepath.Join(model, "new.bin"), nil, 0o644)
	fmt.Println(oms.VerifyModel(ctx, model, m, oms.VerifyOptions{}))
	fmt.Println(oms.VerifyModel(ctx, model, m, oms.VerifyOptions{IgnoreUnsignedFiles: true}))
	// Output:
	// oms: the model does not match its signature: changed: "config.json"; missing: "weights/w.bin"; extra: "new.bin"
	// oms: the model does not match its signature: changed: "config.json"; missing: "weights/w.bin"
}

// A key bundle model_signing v1.0.1 wrote, with the PEM key as rawBytes:
// ParseBundle gives it the hint model_signing writes today.
func ExampleParseBundle() {
	data, _ := os.ReadFile(filepath.Join(realSigs, "v1.0.1-elliptic-key", "model.sig"))
	b, err := oms.ParseBundle(data)
	if err != nil {
		panic(err)
	}
	hint := b.PublicKeyHint()
	fmt.Println(hint)
	// Output:
	// e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e
}

// The statement model_signing v0.2.0 wrote, of the v0.1 predicate.
func ExampleParseStatement() {
	data, _ := os.ReadFile(filepath.Join(realSigs, "v0.2.0-certificate", "model.sig"))
	b, _ := oms.ParseBundle(data)
	m, err := oms.ParseStatement(b.Envelope().Payload)
	if err != nil {
		panic(err)
	}
	for _, r := range m.Resources {
		fmt.Println(r.Name, r.Digest[:16])
	}
	// Output:
	// signme-1 f6310066c7320497
	// signme-2 32dcb1f8e1ae52d5
}

func ExampleCheckMethod() {
	data, _ := os.ReadFile(filepath.Join(realSigs, "v1.1.0-sigstore", "model.sig"))
	b, _ := oms.ParseBundle(data)
	fmt.Println(oms.CheckMethod(oms.MethodSigstore, b))
	fmt.Println(oms.CheckMethod(oms.MethodKey, b))
	// Output:
	// <nil>
	// oms: malformed: the bundle's verification material is not that of the key method
}

func readPEMCerts(path string) []*x509.Certificate {
	data, _ := os.ReadFile(path)
	var certs []*x509.Certificate
	for blk, rest := pem.Decode(data); blk != nil; blk, rest = pem.Decode(rest) {
		if c, err := x509.ParseCertificate(blk.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	return certs
}

// Verify a real certificate-method signature with the CA root as the only
// trust anchor; the intermediate comes from the bundle.
func ExampleVerifyCertificate() {
	dir := filepath.Join(realSigs, "v1.1.0-certificate")
	data, _ := os.ReadFile(filepath.Join(dir, "model.sig"))
	b, _ := oms.ParseBundle(data)
	anchors := readPEMCerts(filepath.Join(realSigs, "keys", "certificate", "ca-cert.pem"))
	res, m, err := oms.VerifyCertificate(context.Background(), b, anchors, time.Now(), dir,
		oms.VerifyOptions{IgnorePaths: []string{"ignore-me"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(m.Resources), "files signed by", res.Signer.Certificate.Subject)
	// Output:
	// 2 files signed by CN=intermediate-ca
}

func ExampleCertificateVerifier() {
	data, _ := os.ReadFile(filepath.Join(realSigs, "v1.0.0-certificate", "model.sig"))
	b, _ := oms.ParseBundle(data)
	anchors := readPEMCerts(filepath.Join(realSigs, "keys", "certificate", "ca-cert.pem"))
	v, err := oms.CertificateVerifier(anchors, time.Now())
	if err != nil {
		panic(err)
	}
	m, _ := oms.ParseStatement(b.Envelope().Payload)
	_, err = v.Verify(b, verify.ArtifactDigest(crypto.SHA256, m.RootDigest()), policy.UnsafeAnySigner())
	fmt.Println("signature verified:", err == nil)
	// Output:
	// signature verified: true
}

// Sign with a certificate and its CA chain (the certificate method): the
// bundle carries the leaf and the chain (sign.WithFullChain).
func ExampleVerifyCertificate_fullChain() {
	ctx := context.Background()
	model := exampleModel()
	defer os.RemoveAll(filepath.Dir(model))

	caKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "model signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	leafDER, _ := x509.CreateCertificate(rand.Reader, leaf, caCert, key.Public(), caKey)
	leafCert, _ := x509.ParseCertificate(leafDER)

	chain := []*x509.Certificate{leafCert, caCert}
	cred, _ := signer.FromCertificateChain(key, chain)
	bb, _ := sign.NewBundleBuilder(cred, sign.WithFullChain())
	b, _, err := oms.Sign(ctx, bb, model, oms.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b.Certificates()), "certificates;", oms.CheckMethod(oms.MethodCertificate, b))
	_, _, err = oms.VerifyCertificate(ctx, b, []*x509.Certificate{caCert}, time.Now(), model, oms.VerifyOptions{})
	fmt.Println("verified:", err == nil)
	// Output:
	// 2 certificates; <nil>
	// verified: true
}

func ExampleCheckIgnorePath() {
	fmt.Println(oms.CheckIgnorePath("data/cache"))
	fmt.Println(oms.CheckIgnorePath("../outside"))
	fmt.Println(oms.CheckIgnorePath("*.tmp"))
	// Output:
	// <nil>
	// oms: invalid path: ignore path "../outside" must be a relative POSIX path without glob characters
	// oms: invalid path: ignore path "*.tmp" must be a relative POSIX path without glob characters
}

func ExampleRelativeIgnorePath() {
	rel, inside, err := oms.RelativeIgnorePath("/models/llama", "/models/llama/.cache/tmp")
	fmt.Println(rel, inside, err)
	_, inside, _ = oms.RelativeIgnorePath("/models/llama", "/models/other")
	fmt.Println(inside)
	// Output:
	// .cache/tmp true <nil>
	// false
}

func ExampleKeyHint() {
	data, _ := os.ReadFile(filepath.Join(realSigs, "keys", "certificate", "signing-key-cert.pem"))
	blk, _ := pem.Decode(data)
	cert, _ := x509.ParseCertificate(blk.Bytes)
	hint, _ := oms.KeyHint(cert.PublicKey)
	fmt.Println(hint)
	// Output:
	// e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e
}
