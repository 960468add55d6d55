package testservices_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/testservices"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/trustroot"
)

// TestLiveStack checks the running stack (scripts/services) against the
// trust configuration mkconfig wrote for it, end to end: an OIDC token buys
// a Fulcio certificate whose SCT names the trusted CT log; the signature is
// logged in Rekor v1 (inclusion proof, SET) and Rekor v2 (inclusion proof,
// checkpoint), and every proof and checkpoint verifies with the keys and log
// IDs of trusted_root.json.
func TestLiveStack(t *testing.T) {
	s := testservices.Require(t)
	ctx := t.Context()

	checkDocuments(t, readFile(t, s.TrustedRootPath), readFile(t, s.SigningConfigPath), readFile(t, s.TrustConfigPath))
	root, err := trustroot.FromFile(s.TrustedRootPath)
	if err != nil {
		t.Fatal(err)
	}
	var rekor1, rekor2 *trustroot.TrustedLog
	for _, l := range root.TransparencyLogs() {
		switch l.BaseURL {
		case s.RekorV1URL:
			rekor1 = l
		case s.RekorV2URL:
			rekor2 = l
		}
	}
	if rekor1 == nil || rekor2 == nil {
		t.Fatalf("trusted root lacks %s or %s", s.RekorV1URL, s.RekorV2URL)
	}

	// Certificate from Fulcio for a fresh key, with an ID token from the issuer.
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(ctx, "alice", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "ignored"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	var certResp struct {
		SignedCertificateEmbeddedSct struct {
			Chain struct {
				Certificates []string `json:"certificates"`
			} `json:"chain"`
		} `json:"signedCertificateEmbeddedSct"`
	}
	postJSON(ctx, t, s.FulcioURL+"/api/v2/signingCert", map[string]any{
		"credentials":               map[string]string{"oidcIdentityToken": tok},
		"certificateSigningRequest": base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})),
	}, http.StatusOK, &certResp)
	chainPEM := certResp.SignedCertificateEmbeddedSct.Chain.Certificates
	if len(chainPEM) != 3 {
		t.Fatalf("Fulcio returned %d certificates, want leaf, intermediate, root", len(chainPEM))
	}
	blk, _ := pem.Decode([]byte(chainPEM[0]))
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	checkFulcioLeaf(t, root, leaf, time.Now())
	if len(leaf.EmailAddresses) != 1 || leaf.EmailAddresses[0] != "alice@example.com" {
		t.Fatalf("leaf SAN %v", leaf.EmailAddresses)
	}

	artifact := []byte(fmt.Sprintf("sigil live test %d", time.Now().UnixNano()))
	digest := sha256.Sum256(artifact)
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}

	t.Run("RekorV1", func(t *testing.T) {
		raw := postJSON(ctx, t, s.RekorV1URL+"/api/v1/log/entries", map[string]any{
			"apiVersion": "0.0.1", "kind": "hashedrekord",
			"spec": map[string]any{
				"data": map[string]any{"hash": map[string]string{"algorithm": "sha256", "value": hex.EncodeToString(digest[:])}},
				"signature": map[string]any{
					"content":   base64.StdEncoding.EncodeToString(sig),
					"publicKey": map[string]string{"content": base64.StdEncoding.EncodeToString([]byte(chainPEM[0]))},
				},
			},
		}, http.StatusCreated, nil)
		checkRekorV1Entry(t, rekor1, raw)
	})

	t.Run("RekorV2", func(t *testing.T) {
		raw := postJSON(ctx, t, s.RekorV2URL+"/api/v2/log/entries", map[string]any{
			"hashedRekordRequestV002": map[string]any{
				"digest": digest[:],
				"signature": map[string]any{
					"content": sig,
					"verifier": map[string]any{
						"x509Certificate": map[string]any{"rawBytes": leaf.Raw},
						"keyDetails":      "PKIX_ECDSA_P256_SHA_256",
					},
				},
			},
		}, http.StatusCreated, nil)
		checkRekorV2Entry(t, rekor2, s.RekorV2Origin, raw)

		// The published checkpoint verifies with golang.org/x/mod/sumdb/note
		// too: name = origin, key hash = log ID[:4].
		vkey, err := note.NewEd25519VerifierKey(s.RekorV2Origin, rekor2.PublicKey.(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		v, err := note.NewVerifier(vkey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := note.Open(get(ctx, t, s.RekorV2ReadURL+"/checkpoint"), note.VerifierList(v)); err != nil {
			t.Fatalf("published checkpoint, x/mod note: %v", err)
		}
	})
}

// checkFulcioLeaf checks that leaf chains to the trusted CA at time at and
// embeds an SCT from a trusted CT log.
func checkFulcioLeaf(t *testing.T, root *trustroot.TrustedRoot, leaf *x509.Certificate, at time.Time) {
	t.Helper()
	ca := root.CertificateAuthorities()[0]
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ca.Certificates[len(ca.Certificates)-1])
	for _, c := range ca.Certificates[:len(ca.Certificates)-1] {
		inters.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	if _, err := leaf.Verify(opts); err != nil {
		t.Fatalf("Fulcio leaf does not chain to the trusted CA: %v", err)
	}
	sctLog := embeddedSCTLogID(t, leaf)
	if _, ok := root.CTLogByID(sctLog); !ok {
		t.Fatalf("embedded SCT from log %x, not a trusted CT log", sctLog)
	}
}

// checkRekorV1Entry checks a Rekor v1 POST /api/v1/log/entries response:
// log ID, SET, checkpoint and inclusion proof, with the trusted log l.
func checkRekorV1Entry(t *testing.T, l *trustroot.TrustedLog, raw []byte) {
	t.Helper()
	var resp map[string]struct {
		Body           string `json:"body"`
		IntegratedTime int64  `json:"integratedTime"`
		LogID          string `json:"logID"`
		LogIndex       int64  `json:"logIndex"`
		Verification   struct {
			InclusionProof struct {
				Checkpoint string   `json:"checkpoint"`
				Hashes     []string `json:"hashes"`
				LogIndex   int64    `json:"logIndex"`
				RootHash   string   `json:"rootHash"`
				TreeSize   int64    `json:"treeSize"`
			} `json:"inclusionProof"`
			SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp) != 1 {
		t.Fatalf("%d entries in the response", len(resp))
	}
	for _, e := range resp {
		if e.LogID != hex.EncodeToString(l.LogID) {
			t.Fatalf("logID %s, trusted root says %x", e.LogID, l.LogID)
		}
		// SET: the log's signature over the canonical JSON of these four fields.
		set, _ := json.Marshal(map[string]any{"body": e.Body, "integratedTime": e.IntegratedTime, "logID": e.LogID, "logIndex": e.LogIndex})
		h := sha256.Sum256(set)
		if !ecdsa.VerifyASN1(l.PublicKey.(*ecdsa.PublicKey), h[:], e.Verification.SignedEntryTimestamp) {
			t.Fatal("SET does not verify with the trusted Rekor v1 key")
		}
		body, _ := base64.StdEncoding.DecodeString(e.Body)
		p := e.Verification.InclusionProof
		cp := openCheckpoint(t, l, []byte(p.Checkpoint))
		// start.sh runs rekor-server with --rekor_server.hostname = the
		// host:port of its URL.
		host := strings.TrimPrefix(l.BaseURL, "http://")
		if !strings.HasPrefix(cp.Origin, host+" - ") {
			t.Fatalf("Rekor v1 origin %q, want %q - <tree ID>", cp.Origin, host)
		}
		verifyInclusion(t, body, p.LogIndex, p.TreeSize, hexes(t, p.Hashes), unhex(t, p.RootHash), cp)
		t.Logf("Rekor v1 entry %d: SET, checkpoint %q size %d and inclusion proof verify", e.LogIndex, cp.Origin, cp.Size)
	}
}

// checkRekorV2Entry checks a Rekor v2 POST /api/v2/log/entries response (a
// TransparencyLogEntry): log ID, kind, checkpoint and inclusion proof, with
// the trusted log l.
func checkRekorV2Entry(t *testing.T, l *trustroot.TrustedLog, origin string, raw []byte) {
	t.Helper()
	var e protorekor.TransparencyLogEntry
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(raw, &e); err != nil {
		t.Fatalf("TransparencyLogEntry: %v", err)
	}
	if !bytes.Equal(e.GetLogId().GetKeyId(), l.LogID) {
		t.Fatalf("logId %x, trusted root says %x", e.GetLogId().GetKeyId(), l.LogID)
	}
	if e.GetKindVersion().GetKind() != "hashedrekord" || e.GetKindVersion().GetVersion() != "0.0.2" {
		t.Fatalf("kindVersion %v", e.GetKindVersion())
	}
	p := e.GetInclusionProof()
	cp := openCheckpoint(t, l, []byte(p.GetCheckpoint().GetEnvelope()))
	if cp.Origin != origin {
		t.Fatalf("Rekor v2 origin %q, want %q", cp.Origin, origin)
	}
	verifyInclusion(t, e.GetCanonicalizedBody(), p.GetLogIndex(), p.GetTreeSize(), p.GetHashes(), p.GetRootHash(), cp)
	t.Logf("Rekor v2 entry %d: checkpoint %q size %d and inclusion proof verify", e.GetLogIndex(), cp.Origin, cp.Size)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// postJSON posts v as JSON, checks the status and decodes the response into
// out (if not nil); it returns the response body.
func postJSON(ctx context.Context, t *testing.T, url string, v any, status int, out any) []byte {
	t.Helper()
	body, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %s: %s", url, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: %v", url, err)
		}
	}
	return data
}

func get(ctx context.Context, t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %s", url, err, resp.Status)
	}
	return data
}

// openCheckpoint verifies a checkpoint with sigil's checkpoint package, the
// log's trusted key and hint = log ID[:4].
func openCheckpoint(t *testing.T, l *trustroot.TrustedLog, envelope []byte) *checkpoint.Checkpoint {
	t.Helper()
	cp, err := checkpoint.Open(envelope, tlogcheck.CheckpointLog(l))
	if err != nil {
		t.Fatalf("checkpoint of %s: %v\n%s", l.BaseURL, err, envelope)
	}
	return &cp.Checkpoint
}

func verifyInclusion(t *testing.T, body []byte, index, size int64, hashes [][]byte, rootHash []byte, cp *checkpoint.Checkpoint) {
	t.Helper()
	if uint64(size) != cp.Size || !bytes.Equal(rootHash, cp.RootHash) {
		t.Fatalf("proof (size %d, root %x) does not match its checkpoint (size %d, root %x)", size, rootHash, cp.Size, cp.RootHash)
	}
	leafHash := rfc6962.DefaultHasher.HashLeaf(body)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(index), uint64(size), leafHash, hashes, rootHash); err != nil {
		t.Fatalf("inclusion proof: %v", err)
	}
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hexes(t *testing.T, ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, unhex(t, s))
	}
	return out
}

// embeddedSCTLogID returns the log ID of the first SCT in the leaf's
// embedded SCT list (RFC 6962 section 3.3: an OCTET STRING holding a
// TLS-encoded SignedCertificateTimestampList).
func embeddedSCTLogID(t *testing.T, c *x509.Certificate) []byte {
	t.Helper()
	oid := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oid) {
			continue
		}
		var list []byte
		if _, err := asn1.Unmarshal(ext.Value, &list); err != nil {
			t.Fatal(err)
		}
		// uint16 list length, uint16 SCT length, version (1 byte), log ID (32 bytes)
		if len(list) < 4+1+32 || int(binary.BigEndian.Uint16(list)) != len(list)-2 || list[4] != 0 {
			t.Fatalf("malformed SCT list %x", list)
		}
		return list[5:37]
	}
	t.Fatal("leaf has no embedded SCT list")
	return nil
}
