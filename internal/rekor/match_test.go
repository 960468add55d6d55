package rekor

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// matchKit is a P-256 signer with a certificate, and the bodies the logs
// write for its signatures.
type matchKit struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newMatchKit(t *testing.T) *matchKit {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &matchKit{key: k, cert: c}
}

// pem returns the signer as a Rekor v1 PEM block: its certificate, or
// its bare key.
func (m *matchKit) pem(cert bool) []byte {
	if cert {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.cert.Raw})
	}
	der, _ := x509.MarshalPKIXPublicKey(m.key.Public())
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// v2Verifier returns the signer as a Rekor v2 verifier.
func (m *matchKit) v2Verifier(cert bool, details string) map[string]any {
	v := map[string]any{"keyDetails": details}
	if cert {
		v["x509Certificate"] = map[string]any{"rawBytes": m.cert.Raw}
	} else {
		der, _ := x509.MarshalPKIXPublicKey(m.key.Public())
		v["publicKey"] = map[string]any{"rawBytes": der}
	}
	return v
}

func parse(t *testing.T, kind, version string, spec map[string]any) *Body {
	t.Helper()
	body, err := json.Marshal(map[string]any{"apiVersion": version, "kind": kind, "spec": spec})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseBody(kind, version, body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMatchRules checks each rule of Body.Match on bodies of every kind a
// log writes for a certificate signer, with one good body and the bodies
// that break one rule each.
func TestMatchRules(t *testing.T) {
	m := newMatchKit(t)
	sig := []byte("signature bytes")
	digest := sha256.Sum256([]byte("artifact"))
	payloadType, payload := "application/vnd.in-toto+json", []byte(`{"_type":"https://in-toto.io/Statement/v1"}`)
	pae := sha256.Sum256(dsse.PAE(payloadType, payload))
	ph := sha256.Sum256(payload)
	message := &Signed{Signature: sig, Certificate: m.cert, PublicKey: m.key.Public(), Algorithm: sigalg.ECDSAP256SHA256,
		DigestAlg: crypto.SHA256, Digest: digest[:]}
	envelope := &Signed{Signature: sig, Certificate: m.cert, PublicKey: m.key.Public(), Algorithm: sigalg.ECDSAP256SHA256,
		Envelope: true, PayloadType: payloadType, Payload: payload}
	keyOnly := *message
	keyOnly.Certificate = nil

	v1Hashed := func(cert bool, d []byte) *Body {
		return parse(t, "hashedrekord", "0.0.1", map[string]any{
			"data":      map[string]any{"hash": map[string]any{"algorithm": "sha256", "value": hex.EncodeToString(d)}},
			"signature": map[string]any{"content": sig, "publicKey": map[string]any{"content": m.pem(cert)}},
		})
	}
	v1DSSE := func(cert bool) *Body {
		return parse(t, "dsse", "0.0.1", map[string]any{
			"payloadHash": map[string]any{"algorithm": "sha256", "value": hex.EncodeToString(ph[:])},
			"signatures":  []any{map[string]any{"signature": base64.StdEncoding.EncodeToString(sig), "verifier": m.pem(cert)}},
		})
	}
	v2Hashed := func(cert bool, details, alg string, d []byte) *Body {
		return parse(t, "hashedrekord", "0.0.2", map[string]any{"hashedRekordV002": map[string]any{
			"data":      map[string]any{"algorithm": alg, "digest": d},
			"signature": map[string]any{"content": sig, "verifier": m.v2Verifier(cert, details)},
		}})
	}
	v2DSSE := func(cert bool, details string) *Body {
		return parse(t, "dsse", "0.0.2", map[string]any{"dsseV002": map[string]any{
			"payloadHash": map[string]any{"algorithm": "SHA2_256", "digest": ph[:]},
			"signatures":  []any{map[string]any{"content": sig, "verifier": m.v2Verifier(cert, details)}},
		}})
	}
	const p256 = "PKIX_ECDSA_P256_SHA_256"
	sha384 := make([]byte, 48)

	for _, tc := range []struct {
		name   string
		body   *Body
		signed *Signed
		err    string // "" for a match
	}{
		{"v1 hashedrekord with the certificate", v1Hashed(true, digest[:]), message, ""},
		{"v1 hashedrekord with the key, for a key signer", v1Hashed(false, digest[:]), &keyOnly, ""},
		{"v1 dsse with the certificate", v1DSSE(true), envelope, ""},
		{"v2 hashedrekord with the certificate", v2Hashed(true, p256, "SHA2_256", digest[:]), message, ""},
		{"v2 hashedrekord of an envelope", v2Hashed(true, p256, "SHA2_256", pae[:]), envelope, ""},
		{"v2 dsse with the certificate", v2DSSE(true, p256), envelope, ""},

		// Item 1: the certificate, not its key.
		{"v1 hashedrekord with the key, for a certificate signer", v1Hashed(false, digest[:]), message, "records a public key, not the signer's certificate"},
		{"v1 dsse with the key, for a certificate signer", v1DSSE(false), envelope, "records a public key, not the signer's certificate"},
		{"v2 hashedrekord with the key, for a certificate signer", v2Hashed(false, p256, "SHA2_256", digest[:]), message, "records a public key, not the signer's certificate"},
		{"v2 dsse with the key, for a certificate signer", v2DSSE(false, p256), envelope, "records a public key, not the signer's certificate"},
		{"v1 hashedrekord with a certificate, for a key signer", v1Hashed(true, digest[:]), &keyOnly, "records a certificate, the signer is a public key"},

		// Item 5: envelopes as hashedrekord only in Rekor v2.
		{"v1 hashedrekord of an envelope", v1Hashed(true, pae[:]), envelope, "hashedrekord 0.0.1 entry records a signed blob, not a DSSE envelope"},

		// Item 7(c): key details.
		{"v2 hashedrekord naming another curve", v2Hashed(true, "PKIX_ECDSA_P384_SHA_384", "SHA2_256", digest[:]), message, "entry key details PKIX_ECDSA_P384_SHA_384 are not the signer's (PKIX_ECDSA_P256_SHA_256)"},
		{"v2 hashedrekord naming another key type", v2Hashed(true, "PKIX_ED25519", "SHA2_256", digest[:]), message, "entry key details PKIX_ED25519 are not the signer's"},
		{"v2 hashedrekord naming an unknown algorithm", v2Hashed(true, "PKIX_ECDSA_P256_SHA_1", "SHA2_256", digest[:]), message, "entry key details PKIX_ECDSA_P256_SHA_1"},
		{"v2 hashedrekord whose digest is not the key details' hash", v2Hashed(true, p256, "SHA2_384", sha384), message, "entry key details PKIX_ECDSA_P256_SHA_256: sigalg: unsupported"},
		{"v2 hashedrekord of an envelope digested with another hash", v2Hashed(true, p256, "SHA2_384", sha384), envelope, "digests the DSSE envelope with SHA-384"},
		{"v2 dsse naming another algorithm", v2DSSE(true, "PKIX_ECDSA_P521_SHA_512"), envelope, "entry key details PKIX_ECDSA_P521_SHA_512 are not the signer's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.body.Match(tc.signed)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("want a match, got %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got %v, want an error saying %q", err, tc.err)
			}
		})
	}
}

// TestRekorV2Kind: the kinds only Rekor v2 writes.
func TestRekorV2Kind(t *testing.T) {
	for kv, want := range map[[2]string]bool{
		{"hashedrekord", "0.0.2"}: true, {"dsse", "0.0.2"}: true,
		{"hashedrekord", "0.0.1"}: false, {"dsse", "0.0.1"}: false, {"intoto", "0.0.2"}: false, {"intoto", "0.0.1"}: false,
	} {
		if got := RekorV2Kind(kv[0], kv[1]); got != want {
			t.Errorf("RekorV2Kind(%s, %s) = %v", kv[0], kv[1], got)
		}
	}
}
