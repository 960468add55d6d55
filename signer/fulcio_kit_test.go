package signer_test

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/cryptobyte"

	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// testCA is a small Fulcio-like PKI: a root, an intermediate that issues
// leaves, and a CT log whose SCTs the leaves embed.
type testCA struct {
	rootKey, interKey, ctKey *ecdsa.PrivateKey
	root, inter              *x509.Certificate
	ctLogID                  [32]byte
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func newTestCA(name string) *testCA {
	ca := &testCA{
		rootKey:  must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)),
		interKey: must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)),
		ctKey:    must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)),
	}
	now := time.Now()
	rootT := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Organization: []string{"sigil-test"}, CommonName: name + " Root"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	ca.root = must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, rootT, rootT, ca.rootKey.Public(), ca.rootKey))))
	interT := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{Organization: []string{"sigil-test"}, CommonName: name + " Intermediate"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	ca.inter = must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, interT, ca.root, ca.interKey.Public(), ca.rootKey))))
	ca.ctLogID = sha256.Sum256(must(x509.MarshalPKIXPublicKey(ca.ctKey.Public())))
	return ca
}

// trustedRoot returns a trusted root listing the CA (intermediate, root)
// and the CT log.
func (ca *testCA) trustedRoot(t testing.TB) *trustroot.TrustedRoot {
	t.Helper()
	r, err := trustroot.ParseJSON(ca.trustedRootJSON())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (ca *testCA) trustedRootJSON() []byte {
	b64 := base64.StdEncoding.EncodeToString
	start := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	doc := map[string]any{
		"mediaType": trustroot.MediaTypeTrustedRootV01,
		"certificateAuthorities": []any{map[string]any{
			"subject":   map[string]any{"organization": "sigil-test", "commonName": ca.root.Subject.CommonName},
			"uri":       "https://fulcio.sigil.test",
			"certChain": map[string]any{"certificates": []any{map[string]any{"rawBytes": b64(ca.inter.Raw)}, map[string]any{"rawBytes": b64(ca.root.Raw)}}},
			"validFor":  map[string]any{"start": start},
		}},
		"ctlogs": []any{map[string]any{
			"baseUrl":       "https://ct.sigil.test",
			"hashAlgorithm": "SHA2_256",
			"publicKey": map[string]any{
				"rawBytes":   b64(must(x509.MarshalPKIXPublicKey(ca.ctKey.Public()))),
				"keyDetails": "PKIX_ECDSA_P256_SHA_256",
				"validFor":   map[string]any{"start": start},
			},
			"logId": map[string]any{"keyId": b64(ca.ctLogID[:])},
		}},
	}
	return must(json.Marshal(doc))
}

// leafOptions spoil a leaf, one way each.
type leafOptions struct {
	validity      time.Duration // default 10 minutes
	noCodeSigning bool
	badSCT        bool
	noSCT         bool
}

// issue makes a Fulcio-style leaf for pub with an embedded SCT.
func (ca *testCA) issue(pub crypto.PublicKey, email string, o leafOptions) *x509.Certificate {
	now := time.Now()
	t := &x509.Certificate{
		SerialNumber: must(rand.Int(rand.Reader, big.NewInt(1<<62))),
		NotBefore:    now.Add(-time.Second), NotAfter: now.Add(cmp.Or(o.validity, 10*time.Minute)),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	if email != "" {
		t.EmailAddresses = []string{email}
	}
	if o.noCodeSigning {
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if !o.noSCT {
		// The SCT signs the TBS without its own extension: make that first.
		pre := must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, t, ca.inter, pub, ca.interKey))))
		st := &sct.SCT{LogID: ca.ctLogID, Timestamp: uint64(now.UnixMilli()), HashAlg: 4, SigAlg: 3}
		data := must(sct.SignedData(st, pre.RawTBSCertificate, ca.inter.RawSubjectPublicKeyInfo))
		if o.badSCT {
			data[len(data)-1] ^= 1
		}
		digest := sha256.Sum256(data)
		st.Signature = must(ecdsa.SignASN1(rand.Reader, ca.ctKey, digest[:]))
		t.ExtraExtensions = []pkix.Extension{{Id: sct.OID, Value: sctListExtension(st)}}
	}
	return must(x509.ParseCertificate(must(x509.CreateCertificate(rand.Reader, t, ca.inter, pub, ca.interKey))))
}

func sctListExtension(st *sct.SCT) []byte {
	var b cryptobyte.Builder
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8(0)
			b.AddBytes(st.LogID[:])
			b.AddUint64(st.Timestamp)
			b.AddUint16(0)
			b.AddUint8(st.HashAlg)
			b.AddUint8(st.SigAlg)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(st.Signature) })
		})
	})
	return must(asn1.Marshal(must(b.Bytes())))
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// testFulcio serves /api/v2/signingCert as Fulcio v1.8 does: it checks the
// proof of possession (the CSR's signature, or a signature over the email
// claim for emailIssuer and the subject for other issuers), then issues a
// leaf from ca. Token signatures are not checked.
type testFulcio struct {
	*httptest.Server
	ca          *testCA
	emailIssuer string

	mu       sync.Mutex
	calls    int
	statuses []int                                             // answered, in order, before issuing
	leaf     leafOptions                                       // how to spoil the leaf
	issuer   *testCA                                           // issues instead of ca, if set
	keyFor   func(requested crypto.PublicKey) crypto.PublicKey // certifies another key, if set
	respond  func(chain []string) any                          // the response body, if set
	lastForm string                                            // "csr" or "publicKey"
}

func newTestFulcio(t testing.TB) *testFulcio {
	f := startTestFulcio()
	t.Cleanup(f.Close)
	return f
}

// startTestFulcio starts a testFulcio; Close stops it.
func startTestFulcio() *testFulcio {
	f := &testFulcio{ca: newTestCA("Test Fulcio"), emailIssuer: "https://accounts.sigil.test"}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *testFulcio) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *testFulcio) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if len(f.statuses) > 0 {
		code := f.statuses[0]
		f.statuses = f.statuses[1:]
		http.Error(w, `{"code":0,"message":"try again"}`, code)
		return
	}
	var req struct {
		Credentials struct {
			OIDCIdentityToken string `json:"oidcIdentityToken"`
		} `json:"credentials"`
		PublicKeyRequest *struct {
			PublicKey struct {
				Algorithm string `json:"algorithm"`
				Content   string `json:"content"`
			} `json:"publicKey"`
			ProofOfPossession []byte `json:"proofOfPossession"`
		} `json:"publicKeyRequest"`
		CSR []byte `json:"certificateSigningRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	tok, err := jwt.ParseSigned(req.Credentials.OIDCIdentityToken, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	var claims struct {
		jwt.Claims
		Email string `json:"email"`
	}
	if err != nil || tok.UnsafeClaimsWithoutVerification(&claims) != nil {
		http.Error(w, "invalid identity token", http.StatusUnauthorized)
		return
	}
	var pub crypto.PublicKey
	switch {
	case len(req.CSR) > 0:
		f.lastForm = "csr"
		b, _ := pem.Decode(req.CSR)
		if b == nil || b.Type != "CERTIFICATE REQUEST" {
			http.Error(w, "invalid CSR", http.StatusBadRequest)
			return
		}
		csr, err := x509.ParseCertificateRequest(b.Bytes)
		if err != nil || csr.CheckSignature() != nil {
			http.Error(w, "invalid CSR signature", http.StatusBadRequest)
			return
		}
		pub = csr.PublicKey
	case req.PublicKeyRequest != nil:
		f.lastForm = "publicKey"
		b, _ := pem.Decode([]byte(req.PublicKeyRequest.PublicKey.Content))
		if b == nil {
			http.Error(w, "invalid public key", http.StatusBadRequest)
			return
		}
		if pub, err = x509.ParsePKIXPublicKey(b.Bytes); err != nil {
			http.Error(w, "invalid public key", http.StatusBadRequest)
			return
		}
		challenge := claims.Subject
		if claims.Issuer == f.emailIssuer {
			challenge = claims.Email
		}
		alg, err := sigalg.ForKey(pub)
		if err != nil || alg.Verify(pub, []byte(challenge), req.PublicKeyRequest.ProofOfPossession) != nil {
			http.Error(w, "invalid proof of possession", http.StatusBadRequest)
			return
		}
	default:
		http.Error(w, "no key", http.StatusBadRequest)
		return
	}
	if f.keyFor != nil {
		pub = f.keyFor(pub)
	}
	issuer := f.ca
	if f.issuer != nil {
		issuer = f.issuer
	}
	leaf := issuer.issue(pub, claims.Email, f.leaf)
	chain := []string{pemCert(leaf), pemCert(issuer.inter), pemCert(issuer.root)}
	var body any = map[string]any{"signedCertificateEmbeddedSct": map[string]any{"chain": map[string]any{"certificates": chain}}}
	if f.respond != nil {
		body = f.respond(chain)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// mintToken signs claims (defaults: an email identity for "sigstore",
// valid for 5 minutes) with a throwaway ES256 key; nil values delete a claim.
func mintToken(t testing.TB, kv ...any) string {
	t.Helper()
	return newToken(kv...)
}

// newToken is mintToken for examples.
func newToken(kv ...any) string {
	now := time.Now()
	claims := map[string]any{
		"iss": "https://accounts.sigil.test", "sub": "alice", "email": "alice@example.com", "email_verified": true,
		"aud": "sigstore", "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(claims, kv[i].(string))
		} else {
			claims[kv[i].(string)] = kv[i+1]
		}
	}
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	s := must(jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithType("JWT")))
	return must(jwt.Signed(s).Claims(claims).Serialize())
}

// credOf makes a Credential of k, as a caller of Fulcio.Certificate does.
func credOf(k crypto.Signer) *signer.Credential { return must(signer.FromKey(k)) }
