// The Rekor client (NewRekor, NewRekorV2): the wire-level client of Rekor
// v1 (rekor-server) and Rekor v2 (rekor-tiles) transparency logs. It makes
// the request that logs one signature and validates the response against
// the trusted root before returning the entry as a bundle records it.
//
// Every response is checked: the log ID is the trusted log's, the logged
// body records exactly the requested signature, signer and digest, the
// checkpoint is signed by the log's key and agrees with the inclusion
// proof, the inclusion proof verifies, and (Rekor v1) the signed entry
// timestamp verifies and its time lies within the log key's validity. A
// response that fails any check is a *logCheckError naming the check; the
// entry is never returned with an error.
//
// Rekor v2 (rekor-tiles v2.3.0) accepts only hashedrekord 0.0.2 entries: a
// DSSE envelope is logged as a hashedrekord entry over the digest of its
// pre-authentication encoding (PAE), as the Rekor v2 client specification
// asks, and as sigil's verifier expects.

package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/trustroot"
)

// logCheck names a check of a log's response.
type logCheck string

// The checks of a response, in the order they run.
const (
	logCheckResponse       logCheck = "response"          // the response parses, is one entry, has what an entry needs
	logCheckLogID          logCheck = "log ID"            // the entry is from the trusted log
	logCheckBody           logCheck = "entry body"        // the body records the requested signature, signer and digest
	logCheckSET            logCheck = "inclusion promise" // Rekor v1: the SET verifies with the log key
	logCheckIntegratedTime logCheck = "integrated time"   // Rekor v1: within the log key's validity
	logCheckCheckpoint     logCheck = "checkpoint"        // signed by the log key, agrees with the proof
	logCheckInclusionProof logCheck = "inclusion proof"   // the Merkle proof of the body verifies
)

// logCheckError is a response that failed a check. Its message names the
// service and the check; it wraps the cause.
type logCheckError struct {
	Service string
	Check   logCheck
	Err     error
}

// Error implements error.
func (e *logCheckError) Error() string {
	msg := e.Err.Error()
	if !strings.HasPrefix(msg, string(e.Check)) {
		msg = string(e.Check) + ": " + msg
	}
	return "sign: " + e.Service + ": invalid response: " + msg
}

// Unwrap returns ErrInvalidResponse and the cause.
func (e *logCheckError) Unwrap() []error { return []error{ErrInvalidResponse, e.Err} }

// algorithm returns the algorithm r's signature was made with: the one its
// KeyDetails names, which must fit its key, or the key's default.
func (r *LogRequest) algorithm() (sigalg.Algorithm, error) {
	if r.KeyDetails == "" {
		return sigalg.ForKey(r.PublicKey)
	}
	alg, err := sigalg.ForKeyDetails(r.KeyDetails)
	if err != nil {
		return sigalg.Algorithm{}, err
	}
	if _, err := sigalg.KeyDetails(alg, r.PublicKey); err != nil {
		return sigalg.Algorithm{}, fmt.Errorf("key details %s do not fit the signer's key: %w", r.KeyDetails, err)
	}
	return alg, nil
}

// rekorVersion is a Rekor API version.
type rekorVersion int

// The Rekor API versions.
const (
	rekorV1 rekorVersion = 1 // rekor-server, /api/v1/log/entries
	rekorV2 rekorVersion = 2 // rekor-tiles, /api/v2/log/entries
)

// rekorClient logs signatures in one log. It is safe for concurrent use.
type rekorClient struct {
	http    *httpx.Client
	base    string
	version rekorVersion
	logs    []trustedLog
}

type trustedLog struct {
	log *trustroot.TrustedLog
	alg sigalg.Algorithm
	cp  *checkpoint.Verifier
}

// New returns a client of the log at baseURL (no trailing slash needed)
// speaking version v, whose responses must come from one of logs (the
// trusted root's entries for that URL: a log whose key rotated is listed
// once per key). hc sends the requests; its Service names the log in errors.
func newRekorClient(hc *httpx.Client, baseURL string, v rekorVersion, logs []*trustroot.TrustedLog) (*rekorClient, error) {
	if v != rekorV1 && v != rekorV2 {
		return nil, fmt.Errorf("unknown version %d", v)
	}
	if len(logs) == 0 {
		return nil, errors.New("no trusted log")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL", baseURL)
	}
	c := &rekorClient{http: hc, base: strings.TrimRight(baseURL, "/"), version: v}
	for _, l := range logs {
		alg, err := sigalg.ForKeyDetails(l.KeyDetails)
		if err != nil {
			return nil, fmt.Errorf("log %s: %w", l.BaseURL, err)
		}
		c.logs = append(c.logs, trustedLog{log: l, alg: alg, cp: checkpoint.NewVerifier(tlogcheck.CheckpointLog(l))})
	}
	return c, nil
}

func (c *rekorClient) fail(check logCheck, format string, args ...any) error {
	return &logCheckError{Service: c.http.Service, Check: check, Err: fmt.Errorf(format, args...)}
}

// Append logs r and returns the validated entry. Transport failures are
// *httpx.Error; a response that fails validation is a *logCheckError.
func (c *rekorClient) Append(ctx context.Context, r *LogRequest) (*bundle.TlogEntry, error) {
	if r == nil || (r.Message == nil) == (r.Envelope == nil) {
		return nil, fmt.Errorf("sign: %s: the request needs exactly one of a message signature and an envelope", c.http.Service)
	}
	if r.Certificate != nil {
		r2 := *r
		r2.PublicKey = r.Certificate.PublicKey
		r = &r2
	}
	if r.PublicKey == nil {
		return nil, fmt.Errorf("sign: %s: the request names no signer", c.http.Service)
	}
	if c.version == rekorV1 {
		return c.appendV1(ctx, r)
	}
	return c.appendV2(ctx, r)
}

// ---- Rekor v1 ----

type v1Entry struct {
	Body           []byte `json:"body"`
	IntegratedTime int64  `json:"integratedTime"`
	LogID          string `json:"logID"`
	LogIndex       *int64 `json:"logIndex"`
	Verification   *struct {
		InclusionProof *struct {
			Checkpoint string   `json:"checkpoint"`
			Hashes     []string `json:"hashes"`
			LogIndex   *int64   `json:"logIndex"`
			RootHash   string   `json:"rootHash"`
			TreeSize   *int64   `json:"treeSize"`
		} `json:"inclusionProof"`
		SignedEntryTimestamp []byte `json:"signedEntryTimestamp"`
	} `json:"verification"`
}

// logV1Request returns the JSON request body logging r in Rekor v1, and the
// kind and version of the entry.
func logV1Request(r *LogRequest) (body []byte, kind, version string, err error) {
	var der []byte
	typ := "PUBLIC KEY"
	if r.Certificate != nil {
		der, typ = r.Certificate.Raw, "CERTIFICATE"
	} else if der, err = sigalg.MarshalPublicKey(r.PublicKey); err != nil {
		return nil, "", "", fmt.Errorf("%w", err)
	}
	verifier := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	if m := r.Message; m != nil {
		name := sigalg.DigestName(m.DigestAlgorithm)
		if name == "" || len(m.Digest) != m.DigestAlgorithm.Size() {
			return nil, "", "", fmt.Errorf("unsupported digest %v", m.DigestAlgorithm)
		}
		type obj = map[string]any
		body, err = json.Marshal(obj{
			"apiVersion": "0.0.1", "kind": "hashedrekord",
			"spec": obj{
				"data":      obj{"hash": obj{"algorithm": name, "value": hex.EncodeToString(m.Digest)}},
				"signature": obj{"content": m.Signature, "publicKey": obj{"content": verifier}},
			},
		})
		return body, "hashedrekord", "0.0.1", err
	}
	e := r.Envelope
	// Rekor v1 checks DSSE signatures as made over SHA-256 (rekor v1.5.4,
	// pkg/types/dsse/v0.0.1: LoadVerifier(key, crypto.SHA256)); sigil's
	// P-384 and P-521 keys sign envelopes over SHA-384 and SHA-512.
	if alg, err := sigalg.ForKey(r.PublicKey); err != nil {
		return nil, "", "", fmt.Errorf("%w", err)
	} else if alg.Prehashed() && alg.Hash() != crypto.SHA256 {
		return nil, "", "", fmt.Errorf("%w: Rekor v1 verifies DSSE signatures over SHA-256 only, and %s signs them over %v", ErrUnsupportedByLog, alg, alg.Hash())
	}
	sig := map[string]any{"sig": e.Signature}
	if e.KeyID != "" {
		sig["keyid"] = e.KeyID
	}
	env, err := json.Marshal(map[string]any{"payloadType": e.PayloadType, "payload": e.Payload, "signatures": []any{sig}})
	if err != nil {
		return nil, "", "", err
	}
	body, err = json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "dsse",
		"spec": map[string]any{"proposedContent": map[string]any{"envelope": string(env), "verifiers": [][]byte{verifier}}},
	})
	return body, "dsse", "0.0.1", err
}

func (c *rekorClient) appendV1(ctx context.Context, r *LogRequest) (*bundle.TlogEntry, error) {
	body, kind, version, err := logV1Request(r)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", c.http.Service, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method: http.MethodPost, URL: c.base + "/api/v1/log/entries",
		ContentType: "application/json", Accept: "application/json", Body: body,
		OK: []int{http.StatusOK, http.StatusCreated, http.StatusConflict},
	})
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusConflict {
		// The entry exists: typically our own, from an attempt whose response
		// was lost. Fetch it by its UUID and validate it as any other.
		uuid, err := conflictUUID(resp)
		if err != nil {
			return nil, c.fail(logCheckResponse, "409 Conflict: %v", err)
		}
		resp, err = c.http.Do(ctx, &httpx.Request{
			Method: http.MethodGet, URL: c.base + "/api/v1/log/entries/" + uuid,
			Accept: "application/json", OK: []int{http.StatusOK},
		})
		if err != nil {
			return nil, err
		}
	}
	e, err := parseLogV1Response(resp.Body, kind, version)
	if err != nil {
		return nil, &logCheckError{Service: c.http.Service, Check: logCheckResponse, Err: err}
	}
	if err := c.validate(e, r); err != nil {
		return nil, err
	}
	return e, nil
}

// conflictUUID returns the UUID of the existing entry a Rekor v1 409
// response names in its Location header (".../api/v1/log/entries/<uuid>")
// or, failing that, at the end of its error message.
func conflictUUID(resp *httpx.Response) (string, error) {
	cand := ""
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			cand = u.Path[strings.LastIndexByte(u.Path, '/')+1:]
		}
	} else {
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(resp.Body, &m) == nil {
			f := strings.Fields(m.Message)
			if len(f) > 0 {
				cand = f[len(f)-1]
			}
		}
	}
	// A UUID is a 32-byte leaf hash, optionally after an 8-byte tree ID.
	if b, err := hex.DecodeString(cand); err != nil || (len(b) != 32 && len(b) != 40) {
		return "", errors.New("no entry UUID in Location header or message")
	}
	return cand, nil
}

// parseLogV1Response parses a Rekor v1 entry response (one {uuid: entry}
// object) logging an entry of the given kind and version. It checks the
// shape only, nothing cryptographic.
func parseLogV1Response(data []byte, kind, version string) (*bundle.TlogEntry, error) {
	var m map[string]v1Entry
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if len(m) != 1 {
		return nil, fmt.Errorf("%d entries, want 1", len(m))
	}
	var r v1Entry
	for _, v := range m {
		r = v
	}
	if len(r.Body) == 0 || len(r.Body) > limits.MaxEntryBodySize {
		return nil, fmt.Errorf("entry body of %d bytes", len(r.Body))
	}
	logID, err := hex.DecodeString(r.LogID)
	if err != nil || len(logID) == 0 {
		return nil, errors.New("bad log ID")
	}
	if r.LogIndex == nil || *r.LogIndex < 0 {
		return nil, errors.New("missing log index")
	}
	if r.Verification == nil || len(r.Verification.SignedEntryTimestamp) == 0 {
		return nil, errors.New("missing inclusion promise")
	}
	p := r.Verification.InclusionProof
	if p == nil || p.LogIndex == nil || p.TreeSize == nil || p.Checkpoint == "" {
		return nil, errors.New("missing inclusion proof")
	}
	if len(p.Hashes) > limits.MaxInclusionProofHashes || len(p.Checkpoint) > limits.MaxCheckpointSize {
		return nil, errors.New("inclusion proof over the size limits")
	}
	e := &bundle.TlogEntry{
		LogIndex: *r.LogIndex, LogID: logID, Kind: kind, KindVersion: version,
		IntegratedTime: r.IntegratedTime, SET: r.Verification.SignedEntryTimestamp, Body: r.Body,
		Proof: &bundle.InclusionProof{LogIndex: *p.LogIndex, TreeSize: *p.TreeSize, Checkpoint: []byte(p.Checkpoint)},
	}
	if e.Proof.RootHash, err = hex.DecodeString(p.RootHash); err != nil {
		return nil, errors.New("bad inclusion proof root hash")
	}
	for _, h := range p.Hashes {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, errors.New("bad inclusion proof hash")
		}
		e.Proof.Hashes = append(e.Proof.Hashes, b)
	}
	return e, nil
}

// ---- Rekor v2 ----

type v2Blob struct {
	RawBytes []byte `json:"rawBytes"`
}

type v2Verifier struct {
	PublicKey       *v2Blob `json:"publicKey,omitempty"`
	X509Certificate *v2Blob `json:"x509Certificate,omitempty"`
	KeyDetails      string  `json:"keyDetails"`
}

// logV2Request returns the JSON request body (a rekor-tiles
// CreateEntryRequest) logging r in Rekor v2: always a hashedRekordRequestV002;
// for an envelope, over the digest of its PAE.
func logV2Request(r *LogRequest) ([]byte, error) {
	alg, err := r.algorithm()
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	var digest, sig []byte
	if m := r.Message; m != nil {
		if alg, err = alg.ForDigests().WithHash(m.DigestAlgorithm); err != nil {
			return nil, fmt.Errorf("%w", err)
		}
		digest, sig = m.Digest, m.Signature
	} else {
		if !alg.Prehashed() {
			return nil, fmt.Errorf("%w: Rekor v2 logs a DSSE envelope as a digest of its PAE, and %s signs the PAE itself, not a digest", ErrUnsupportedByLog, alg)
		}
		h := alg.Hash().New()
		h.Write(dsse.PAE(r.Envelope.PayloadType, r.Envelope.Payload))
		digest, sig = h.Sum(nil), r.Envelope.Signature
	}
	if len(digest) != alg.Hash().Size() {
		return nil, fmt.Errorf("%d-byte digest for %s", len(digest), alg)
	}
	details, err := sigalg.KeyDetails(alg, r.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("key details for Rekor v2: %w", err)
	}
	v := v2Verifier{KeyDetails: details}
	if r.Certificate != nil {
		v.X509Certificate = &v2Blob{r.Certificate.Raw}
	} else {
		der, err := sigalg.MarshalPublicKey(r.PublicKey)
		if err != nil {
			return nil, fmt.Errorf("%w", err)
		}
		v.PublicKey = &v2Blob{der}
	}
	type sigT struct {
		Content  []byte     `json:"content"`
		Verifier v2Verifier `json:"verifier"`
	}
	type hr struct {
		Digest    []byte `json:"digest"`
		Signature sigT   `json:"signature"`
	}
	return json.Marshal(struct {
		HR hr `json:"hashedRekordRequestV002"`
	}{hr{digest, sigT{sig, v}}})
}

func (c *rekorClient) appendV2(ctx context.Context, r *LogRequest) (*bundle.TlogEntry, error) {
	body, err := logV2Request(r)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", c.http.Service, err)
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Method: http.MethodPost, URL: c.base + "/api/v2/log/entries",
		ContentType: "application/json", Accept: "application/json", Body: body,
	})
	if err != nil {
		return nil, err
	}
	e, err := bundle.ParseTlogEntry(resp.Body)
	if err != nil {
		return nil, &logCheckError{Service: c.http.Service, Check: logCheckResponse, Err: err}
	}
	if e.Kind != "hashedrekord" || e.KindVersion != "0.0.2" {
		return nil, c.fail(logCheckResponse, "entry of kind %s/%s, want hashedrekord/0.0.2", e.Kind, e.KindVersion)
	}
	// Rekor v2 dates nothing: the integrated time is 0 and not signed.
	e.IntegratedTime, e.SET = 0, nil
	if err := tlogcheck.VerifyLogIndex(e); err != nil {
		return nil, &logCheckError{Service: c.http.Service, Check: logCheckInclusionProof, Err: err}
	}
	if err := c.validate(e, r); err != nil {
		return nil, err
	}
	return e, nil
}

// ---- validation ----

// validate runs every check of a parsed entry against the request.
func (c *rekorClient) validate(e *bundle.TlogEntry, r *LogRequest) error {
	var l *trustedLog
	for i := range c.logs {
		if bytes.Equal(c.logs[i].log.LogID, e.LogID) {
			l = &c.logs[i]
			break
		}
	}
	if l == nil {
		return c.fail(logCheckLogID, "log ID %x is not the trusted log's (%x)", e.LogID, c.logs[0].log.LogID)
	}
	body, err := rekor.ParseBody(e.Kind, e.KindVersion, e.Body)
	if err != nil {
		return &logCheckError{Service: c.http.Service, Check: logCheckBody, Err: err}
	}
	if err := matchBody(body, r); err != nil {
		return &logCheckError{Service: c.http.Service, Check: logCheckBody, Err: err}
	}
	if c.version == rekorV1 {
		if err := tlogcheck.VerifySET(l.alg, l.log.PublicKey, e); err != nil {
			return &logCheckError{Service: c.http.Service, Check: logCheckSET, Err: err}
		}
		if t := time.Unix(e.IntegratedTime, 0).UTC(); !l.log.ValidFor.Contains(t) {
			return c.fail(logCheckIntegratedTime, "%s is outside the log key's validity window", t.Format(time.RFC3339))
		}
	}
	if _, err := tlogcheck.VerifyInclusion(l.cp, e); err != nil {
		check := logCheckInclusionProof
		var te *tlogcheck.Error
		if errors.As(err, &te) && te.Check == tlogcheck.CheckCheckpoint {
			check = logCheckCheckpoint
		}
		return &logCheckError{Service: c.http.Service, Check: check, Err: err}
	}
	return nil
}

// matchBody checks that b records exactly the request: its signature, over
// its digest or envelope, by the signer it named (rekor.Body.Match: a
// request with a certificate must find that certificate logged, not only
// its key).
func matchBody(b *rekor.Body, r *LogRequest) error {
	alg, err := sigalg.ForKey(r.PublicKey)
	if err != nil {
		return err
	}
	want := rekor.Signed{Certificate: r.Certificate, PublicKey: r.PublicKey, Algorithm: alg}
	if m := r.Message; m != nil {
		want.Signature, want.DigestAlg, want.Digest = m.Signature, m.DigestAlgorithm, m.Digest
	} else {
		e := r.Envelope
		want.Signature, want.Envelope, want.PayloadType, want.Payload = e.Signature, true, e.PayloadType, e.Payload
	}
	_, err = b.Match(&want)
	return err
}
