package fulcioclient

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/trustroot"
)

// The samples were recorded from Fulcio v1.8.8 (scripts/services/samples);
// the leaves are valid from 03:32:55 to 03:42:55 on 2026-11-22.
var recordedAt = time.Date(2026, 11, 22, 3, 35, 0, 0, time.UTC)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	return samples.Read(t, name)
}

func sampleRoot(t testing.TB) *trustroot.TrustedRoot {
	t.Helper()
	return samples.Root(t)
}

func signerPub(t testing.TB) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode(sample(t, "signer.pub"))
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestRecordedResponses(t *testing.T) {
	root := sampleRoot(t)
	for _, name := range []string{"fulcio-csr-response.json", "fulcio-pubkey-response.json"} {
		t.Run(name, func(t *testing.T) {
			chain, err := ParseResponse(sample(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(chain) != 3 {
				t.Fatalf("%d certificates, want leaf, intermediate, root", len(chain))
			}
			got, err := Validate(chain, signerPub(t), root, recordedAt)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || !got[0].Equal(chain[0]) || !got[1].Equal(chain[1]) {
				t.Errorf("Validate returned %d certificates, want the leaf and the intermediate", len(got))
			}
		})
	}
}

func TestRecordedResponseChecks(t *testing.T) {
	root := sampleRoot(t)
	chain, err := ParseResponse(sample(t, "fulcio-csr-response.json"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	publicGood, err := trustroot.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	strangeRoot := selfSignedCA(t, chain[2].Subject.CommonName)

	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		pub   crypto.PublicKey
		root  *trustroot.TrustedRoot
		now   time.Time
		want  error
	}{
		{"wrong key", chain, other.Public(), root, recordedAt, ErrKeyMismatch},
		{"untrusted CA", chain, signerPub(t), publicGood, recordedAt, ErrUntrustedChain},
		{"leaf expired", chain, signerPub(t), root, recordedAt.Add(time.Hour), ErrUntrustedChain},
		{"leaf not yet valid", chain, signerPub(t), root, recordedAt.Add(-time.Hour), ErrUntrustedChain},
		{"CA not yet in the trusted root", chain, signerPub(t), root, recordedAt.Add(-24 * time.Hour), ErrUntrustedChain},
		{"missing intermediate", []*x509.Certificate{chain[0], chain[2]}, signerPub(t), onlyRoot(t, root), recordedAt, ErrUntrustedChain},
		{"response root is not the trusted one", []*x509.Certificate{chain[0], chain[1], strangeRoot}, signerPub(t), root, recordedAt, ErrUntrustedChain},
		{"SCT from the trusted log does not verify", chain, signerPub(t), withCTKey(t, root), recordedAt, ErrInvalidSCT},
		{"empty", nil, signerPub(t), root, recordedAt, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Validate(tc.chain, tc.pub, tc.root, tc.now)
			if !errors.Is(err, ErrInvalidResponse) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}

	// A trusted root that lists only Fulcio's root still anchors the whole
	// response chain; without the CT log, the SCT is not checked.
	if _, err := Validate(chain, signerPub(t), onlyRoot(t, root), recordedAt); err != nil {
		t.Errorf("root-only trusted root: %v", err)
	}
	// The leaf alone chains to the trusted intermediate.
	got, err := Validate(chain[:1], signerPub(t), root, recordedAt)
	if err != nil || len(got) != 1 {
		t.Errorf("leaf only: %d certificates, %v", len(got), err)
	}
}

// onlyRoot returns root with its CA listing only its last certificate and
// no CT logs.
func onlyRoot(t *testing.T, root *trustroot.TrustedRoot) *trustroot.TrustedRoot {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(sample(t, "trusted_root.json"), &doc); err != nil {
		t.Fatal(err)
	}
	ca := doc["certificateAuthorities"].([]any)[0].(map[string]any)
	certs := ca["certChain"].(map[string]any)["certificates"].([]any)
	ca["certChain"].(map[string]any)["certificates"] = certs[len(certs)-1:]
	delete(doc, "ctlogs")
	return reparse(t, doc)
}

// withCTKey returns root with its CT log's key replaced, log ID unchanged.
func withCTKey(t *testing.T, root *trustroot.TrustedRoot) *trustroot.TrustedRoot {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(sample(t, "trusted_root.json"), &doc); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(k.Public())
	doc["ctlogs"].([]any)[0].(map[string]any)["publicKey"].(map[string]any)["rawBytes"] = base64.StdEncoding.EncodeToString(der)
	return reparse(t, doc)
}

func reparse(t *testing.T, doc map[string]any) *trustroot.TrustedRoot {
	t.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func selfSignedCA(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: bigOne(), NotBefore: recordedAt.Add(-time.Hour), NotAfter: recordedAt.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	tmpl.Subject.CommonName = cn
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestParseResponseErrors(t *testing.T) {
	good := sample(t, "fulcio-csr-response.json")
	var doc map[string]any
	if err := json.Unmarshal(good, &doc); err != nil {
		t.Fatal(err)
	}
	embedded := doc["signedCertificateEmbeddedSct"]
	leafPEM := embedded.(map[string]any)["chain"].(map[string]any)["certificates"].([]any)[0].(string)
	mk := func(v any) []byte {
		b, _ := json.Marshal(v)
		return b
	}
	chainOf := func(certs ...any) any {
		return map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": certs}}}
	}
	many := make([]any, 11)
	for i := range many {
		many[i] = leafPEM
	}
	for _, tc := range []struct {
		name string
		body []byte
		want error
	}{
		{"detached SCT", mk(map[string]any{"signedCertificateDetachedSct": map[string]any{
			"chain": embedded.(map[string]any)["chain"], "signedCertificateTimestamp": "AAAA"}}), ErrDetachedSCT},
		{"both", mk(map[string]any{"signedCertificateEmbeddedSct": embedded, "signedCertificateDetachedSct": embedded}), ErrMalformed},
		{"not JSON", []byte("<html>"), ErrMalformed},
		{"empty object", []byte("{}"), ErrMalformed},
		{"empty chain", mk(chainOf()), ErrMalformed},
		{"too long", mk(chainOf(many...)), ErrMalformed},
		{"not PEM", mk(chainOf("MIIB")), ErrMalformed},
		{"wrong PEM type", mk(chainOf(strings.ReplaceAll(leafPEM, "CERTIFICATE", "PUBLIC KEY"))), ErrMalformed},
		{"two PEM blocks in one", mk(chainOf(leafPEM + "\n" + leafPEM)), ErrMalformed},
		{"bad DER", mk(chainOf("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResponse(tc.body)
			if !errors.Is(err, ErrInvalidResponse) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// The requests have the shape of the recorded ones Fulcio v1.8.8 accepted.
func TestRequests(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		key crypto.Signer
		alg string
	}{{ec, "ECDSA"}, {rk, "RSA"}, {ed, "ED25519"}} {
		t.Run(tc.alg, func(t *testing.T) {
			body, err := CSRRequest("tok", tc.key)
			if err != nil {
				t.Fatal(err)
			}
			var csrReq struct {
				Credentials               struct{ OIDCIdentityToken string }
				CertificateSigningRequest []byte
			}
			if err := json.Unmarshal(body, &csrReq); err != nil || csrReq.Credentials.OIDCIdentityToken != "tok" {
				t.Fatalf("%s: %v", body, err)
			}
			sameKeys(t, sample(t, "fulcio-csr-request.json"), body)
			b, _ := pem.Decode(csrReq.CertificateSigningRequest)
			if b == nil || b.Type != "CERTIFICATE REQUEST" {
				t.Fatal("CSR is not PEM")
			}
			csr, err := x509.ParseCertificateRequest(b.Bytes)
			if err != nil || csr.CheckSignature() != nil {
				t.Fatalf("CSR: %v", err)
			}
			if !csr.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.key.Public()) {
				t.Error("CSR holds another key")
			}

			body, err = PublicKeyRequest("tok", tc.key.Public(), []byte{1, 2, 3})
			if err != nil {
				t.Fatal(err)
			}
			sameKeys(t, sample(t, "fulcio-pubkey-request.json"), body)
			var pkReq struct {
				PublicKeyRequest struct {
					PublicKey struct {
						Algorithm, Content string
					}
					ProofOfPossession []byte
				}
			}
			if err := json.Unmarshal(body, &pkReq); err != nil {
				t.Fatal(err)
			}
			if pkReq.PublicKeyRequest.PublicKey.Algorithm != tc.alg || !bytes.Equal(pkReq.PublicKeyRequest.ProofOfPossession, []byte{1, 2, 3}) {
				t.Errorf("request %s", body)
			}
			pb, _ := pem.Decode([]byte(pkReq.PublicKeyRequest.PublicKey.Content))
			if pb == nil || pb.Type != "PUBLIC KEY" {
				t.Fatal("public key is not PEM")
			}
		})
	}
	if _, err := KeyAlgorithm("not a key"); err == nil {
		t.Error("KeyAlgorithm accepted a string")
	}
}

// sameKeys checks that got has the JSON object keys, recursively, of want.
func sameKeys(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	json.Unmarshal(want, &w)
	json.Unmarshal(got, &g)
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		wm, ok := w.(map[string]any)
		if !ok {
			return
		}
		gm, ok := g.(map[string]any)
		if !ok || len(gm) != len(wm) {
			t.Errorf("%s: got %v, want the keys of %v", path, g, w)
			return
		}
		for k := range wm {
			walk(path+"."+k, wm[k], gm[k])
		}
	}
	walk("", w, g)
}
