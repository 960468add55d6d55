package testservices_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/testservices/trustconfig"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/trustroot"
)

// writePKI writes throwaway material shaped like start.sh's into dir and
// returns the Rekor v2 private key.
func writePKI(t *testing.T, dir string) ed25519.PrivateKey {
	t.Helper()
	ecKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(1)
	cert := func(cn string, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer, ca bool, eku x509.ExtKeyUsage) (*x509.Certificate, []byte) {
		serial++
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{Organization: []string{"sigil-test"}, CommonName: cn},
			NotBefore:             time.Now().Add(-time.Minute),
			NotAfter:              time.Now().Add(time.Hour),
			BasicConstraintsValid: true,
			IsCA:                  ca,
			ExtKeyUsage:           []x509.ExtKeyUsage{eku},
		}
		if ca {
			tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		} else {
			tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		}
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	write := func(name string, data ...[]byte) {
		var all []byte
		for _, d := range data {
			all = append(all, d...)
		}
		if err := os.WriteFile(filepath.Join(dir, name), all, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pub := func(k crypto.PublicKey) []byte {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	rk, ik := ecKey(), ecKey()
	root, rootPEM := cert("Test Fulcio Root", rk, nil, nil, true, x509.ExtKeyUsageCodeSigning)
	_, interPEM := cert("Test Fulcio Intermediate", ik, root, rk, true, x509.ExtKeyUsageCodeSigning)
	write("fulcio-chain.pem", interPEM, rootPEM)
	trk, tik, tlk := ecKey(), ecKey(), ecKey()
	troot, trootPEM := cert("Test TSA Root", trk, nil, nil, true, x509.ExtKeyUsageTimeStamping)
	tinter, tinterPEM := cert("Test TSA Intermediate", tik, troot, trk, true, x509.ExtKeyUsageTimeStamping)
	_, tleafPEM := cert("Test TSA Signer", tlk, tinter, tik, false, x509.ExtKeyUsageTimeStamping)
	write("tsa-chain.pem", tleafPEM, tinterPEM, trootPEM)
	write("rekor1.pub", pub(ecKey().Public()))
	write("ct.pub", pub(ecKey().Public()))
	epub, epriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	write("rekor2.pub", pub(epub))
	return epriv
}

var testURLs = trustconfig.URLs{
	Fulcio:        "http://127.0.0.1:5555",
	OIDC:          "http://127.0.0.1:8088",
	TSA:           "http://127.0.0.1:3004/api/v1/timestamp",
	RekorV1:       "http://127.0.0.1:3000",
	RekorV2:       "http://127.0.0.1:3003",
	RekorV2Origin: "127.0.0.1",
	CT:            "http://127.0.0.1:6962/test",
}

// TestTrustConfig checks mkconfig's documents without a running stack: they
// parse strictly as protobuf-specs messages (no unknown or misspelled
// fields) and with sigil's trustroot, and the Rekor v2 log ID is the key ID
// golang.org/x/mod/sumdb/note computes.
func TestTrustConfig(t *testing.T) {
	dir := t.TempDir()
	rekor2Priv := writePKI(t, dir)
	m, err := trustconfig.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := trustconfig.Build(m, testURLs, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkDocuments(t, f.TrustedRoot, f.SigningConfig, f.TrustConfig)

	// Rekor v2 log ID = the signed-note key ID of its key under its origin.
	vkey, err := note.NewEd25519VerifierKey(testURLs.RekorV2Origin, m.RekorV2.Public.(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(vkey, "+"); parts[1] != hex.EncodeToString(f.RekorV2LogID[:4]) {
		t.Fatalf("x/mod note key hash %s, log ID %x", parts[1], f.RekorV2LogID)
	}
	// A checkpoint signed the way rekor-tiles signs verifies with sigil's
	// checkpoint package and the trusted root's log entry.
	skey := signerKey(t, testURLs.RekorV2Origin, rekor2Priv)
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: testURLs.RekorV2Origin + "\n1\nVRgxtlQXNktYq7rzwa8W3KrRWsiqcLSBR5J9KiImLa4=\n"}, signer)
	if err != nil {
		t.Fatal(err)
	}
	root, err := trustroot.ParseJSON(f.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := root.TransparencyLogByID(f.RekorV2LogID)
	if !ok {
		t.Fatal("Rekor v2 log not found by its log ID")
	}
	if _, err := checkpoint.Open(msg, tlogcheck.CheckpointLog(l)); err != nil {
		t.Fatalf("checkpoint.Open: %v", err)
	}
}

// signerKey encodes an Ed25519 private key in x/mod/sumdb/note's signer-key
// format: PRIVATE+KEY+<name>+<hash>+<base64(0x01 || seed)>.
func signerKey(t *testing.T, name string, priv ed25519.PrivateKey) string {
	t.Helper()
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(vkey, "+")
	return "PRIVATE+KEY+" + name + "+" + parts[1] + "+" + b64std(append([]byte{1}, priv.Seed()...))
}

// checkDocuments parses the three documents strictly with protojson and with
// sigil's trustroot package.
func checkDocuments(t *testing.T, trustedRoot, signingConfig, trustConfig []byte) {
	t.Helper()
	strict := protojson.UnmarshalOptions{} // unknown fields are errors
	var tr prototrust.TrustedRoot
	if err := strict.Unmarshal(trustedRoot, &tr); err != nil {
		t.Fatalf("trusted root (strict protojson): %v", err)
	}
	if tr.GetMediaType() != trustconfig.MediaTypeTrustedRoot || len(tr.GetTlogs()) != 2 || len(tr.GetCtlogs()) != 1 ||
		len(tr.GetCertificateAuthorities()) != 1 || len(tr.GetTimestampAuthorities()) != 1 {
		t.Fatalf("trusted root content: %v", &tr)
	}
	var sc prototrust.SigningConfig
	if err := strict.Unmarshal(signingConfig, &sc); err != nil {
		t.Fatalf("signing config (strict protojson): %v", err)
	}
	if sc.GetMediaType() != trustconfig.MediaTypeSigningConfig ||
		len(sc.GetCaUrls()) != 1 || len(sc.GetOidcUrls()) != 1 || len(sc.GetTsaUrls()) != 1 ||
		len(sc.GetRekorTlogUrls()) != 2 ||
		sc.GetRekorTlogUrls()[0].GetMajorApiVersion() != 2 || sc.GetRekorTlogUrls()[1].GetMajorApiVersion() != 1 ||
		sc.GetRekorTlogConfig().GetSelector() != prototrust.ServiceSelector_ANY ||
		sc.GetTsaConfig().GetSelector() != prototrust.ServiceSelector_ANY {
		t.Fatalf("signing config content: %v", &sc)
	}
	var ctc prototrust.ClientTrustConfig
	if err := strict.Unmarshal(trustConfig, &ctc); err != nil {
		t.Fatalf("client trust config (strict protojson): %v", err)
	}

	root, err := trustroot.ParseJSON(trustedRoot)
	if err != nil {
		t.Fatalf("trustroot.ParseJSON(trusted_root.json): %v", err)
	}
	if len(root.TransparencyLogs()) != 2 || len(root.CTLogs()) != 1 ||
		len(root.CertificateAuthorities()) != 1 || len(root.TimestampAuthorities()) != 1 {
		t.Fatalf("trustroot: %d tlogs, %d ctlogs, %d CAs, %d TSAs", len(root.TransparencyLogs()), len(root.CTLogs()),
			len(root.CertificateAuthorities()), len(root.TimestampAuthorities()))
	}
	both, err := trustroot.ParseJSON(trustConfig)
	if err != nil {
		t.Fatalf("trustroot.ParseJSON(trust_config.json): %v", err)
	}
	if both.MediaType() != trustroot.MediaTypeClientTrustConfig || len(both.SigningConfigJSON()) == 0 {
		t.Fatalf("client trust config: media type %q, signing config %q", both.MediaType(), both.SigningConfigJSON())
	}
}

func b64std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
