package verify_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// TestLeafThatIsCA: a signing certificate with basicConstraints CA:TRUE
// signs only when its key usage rules out signing certificates (as
// model_signing's certificate-method test leaf does).
func TestLeafThatIsCA(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	ca, _ := x509.ParseCertificate(caDER)
	root, err := trustroot.FromPrivateDeployment(trustroot.WithFulcio("https://ca.example.com", ca))
	if err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ku   x509.KeyUsage
		ok   bool
	}{
		{"digitalSignature", x509.KeyUsageDigitalSignature, true},
		{"digitalSignature and keyCertSign", x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, false},
		{"no key usage", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"},
				NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
				KeyUsage: tc.ku, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte("artifact"))
			sig, _ := ecdsa.SignASN1(rand.Reader, key, digest[:])
			b64 := base64.StdEncoding.EncodeToString
			b, err := bundle.Parse([]byte(fmt.Sprintf(`{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
				"verificationMaterial": {"certificate": {"rawBytes": %q}},
				"messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": %q}, "signature": %q}}`,
				b64(der), b64(digest[:]), b64(sig))))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(b, verify.ArtifactDigest(crypto.SHA256, digest[:]), policy.UnsafeAnySigner())
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertStep(t, err, verify.StepCertificate, "CA certificate that may issue certificates")
		})
	}
}
