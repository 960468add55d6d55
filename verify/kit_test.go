package verify

// A small test kit: a CA, a code-signing certificate from it and a trusted
// root listing only the CA, so that tests can sign any content and send it
// through the real verifier.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
)

const kitSAN = "signer@sigil.test"

type kit struct {
	root    *trustroot.TrustedRoot
	key     crypto.Signer
	leaf    *x509.Certificate
	now     time.Time
	caKey   crypto.Signer
	caCert  *x509.Certificate
	serials int64
}

func newKit(tb testing.TB) *kit {
	tb.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k := &kit{caKey: caKey, now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sigil verify test CA"},
		NotBefore: k.now.AddDate(-1, 0, 0), NotAfter: k.now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	k.caCert = k.cert(tb, tmpl, tmpl, caKey.Public(), caKey)
	root, err := trustroot.FromPrivateDeployment(trustroot.WithFulcio("https://ca.sigil.test", k.caCert))
	if err != nil {
		tb.Fatal(err)
	}
	k.root = root
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k.key, k.leaf = key, k.issue(tb, key.Public())
	return k
}

func (k *kit) cert(tb testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) *x509.Certificate {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// issue certifies pub for code signing as kitSAN.
func (k *kit) issue(tb testing.TB, pub crypto.PublicKey) *x509.Certificate {
	k.serials++
	return k.cert(tb, &x509.Certificate{
		SerialNumber: big.NewInt(100 + k.serials), Subject: pkix.Name{CommonName: "sigil test signer"},
		NotBefore: k.now.AddDate(0, -1, 0), NotAfter: k.now.AddDate(0, 1, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{kitSAN},
	}, k.caCert, pub, k.caKey)
}

func (k *kit) verifier(tb testing.TB, opts ...Option) *Verifier {
	tb.Helper()
	v, err := New(k.root, append([]Option{WithClock(func() time.Time { return k.now })}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// policy accepts the kit's signing key.
func (k *kit) policy() policy.Policy { return policy.PublicKey(k.key.Public()) }

func (k *kit) material() *protobundle.VerificationMaterial {
	return &protobundle.VerificationMaterial{Content: &protobundle.VerificationMaterial_Certificate{
		Certificate: &protocommon.X509Certificate{RawBytes: k.leaf.Raw}}}
}

// withEd25519 returns a copy of the kit whose signer has an Ed25519 key.
func (k *kit) withEd25519(tb testing.TB) *kit {
	tb.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	e := *k
	e.key, e.leaf = priv, k.issue(tb, pub)
	return &e
}

// dsseProto signs payload in a DSSE envelope with the kit's key.
func (k *kit) dsseProto(tb testing.TB, payloadType string, payload []byte) *protobundle.Bundle {
	tb.Helper()
	var sig []byte
	var err error
	if ed, ok := k.key.(ed25519.PrivateKey); ok {
		sig = ed25519.Sign(ed, dsse.PAE(payloadType, payload))
	} else {
		sum := sha256.Sum256(dsse.PAE(payloadType, payload))
		sig, err = k.key.Sign(rand.Reader, sum[:], crypto.SHA256)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return &protobundle.Bundle{
		MediaType: bundle.MediaTypeV03, VerificationMaterial: k.material(),
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			PayloadType: payloadType, Payload: payload, Signatures: []*protodsse.Signature{{Sig: sig}}}},
	}
}

// dsse returns a bundle of payload signed in a DSSE envelope.
func (k *kit) dsse(tb testing.TB, payloadType string, payload []byte) *bundle.Bundle {
	tb.Helper()
	b, err := bundle.FromProto(k.dsseProto(tb, payloadType, payload))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
