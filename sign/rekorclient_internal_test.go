package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/trustroot"
)

// readSample returns a sample recorded from a local Sigstore stack.
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	return samples.Read(t, name)
}

type fixture struct {
	root   *trustroot.TrustedRoot
	cert   *x509.Certificate
	pub    crypto.PublicKey
	sig    []byte
	digest []byte
}

func load(t testing.TB) *fixture {
	t.Helper()
	ev := samples.SigningEvent(t)
	return &fixture{root: samples.Root(t), cert: ev.Certificate, pub: ev.PublicKey, sig: ev.Signature, digest: ev.Digest}
}

func (f *fixture) request(withCert bool) *LogRequest {
	r := &LogRequest{
		Message:   &bundle.MessageSignature{DigestAlgorithm: crypto.SHA256, Digest: f.digest, Signature: f.sig},
		PublicKey: f.pub,
	}
	if withCert {
		r.Certificate = f.cert
	}
	return r
}

func (f *fixture) logs(base string) []*trustroot.TrustedLog {
	var out []*trustroot.TrustedLog
	for _, l := range f.root.TransparencyLogs() {
		if l.BaseURL == base {
			out = append(out, l)
		}
	}
	return out
}

// replay serves status and body to every POST, and records the requests.
type replay struct {
	status int
	body   []byte
	got    [][]byte
	n      atomic.Int32
}

func (r *replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.n.Add(1)
	b := new(bytes.Buffer)
	b.ReadFrom(req.Body)
	r.got = append(r.got, b.Bytes())
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	w.Write(r.body)
}

// client returns a client of the log recorded at sampleBase, served by h.
func (f *fixture) client(t *testing.T, v rekorVersion, sampleBase string, h http.Handler) *rekorClient {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	name := "rekor"
	if v == rekorV2 {
		name = "rekor v2"
	}
	c, err := newRekorClient(&httpx.Client{Service: name, Attempts: 1}, srv.URL, v, f.logs(sampleBase))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const (
	v1Base = "http://127.0.0.1:3000"
	v2Base = "http://127.0.0.1:3003"
)

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("request\n%s\nwant\n%s", gb, wb)
	}
}

func TestReplayV1(t *testing.T) {
	f := load(t)
	rp := &replay{status: http.StatusCreated, body: readSample(t, "rekor1-response.json")}
	c := f.client(t, rekorV1, v1Base, rp)
	e, err := c.Append(context.Background(), f.request(true))
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, rp.got[0], readSample(t, "rekor1-request.json"))
	if e.Kind != "hashedrekord" || e.KindVersion != "0.0.1" || e.SET == nil || e.Proof == nil || e.IntegratedTime != 1795318376 {
		t.Errorf("entry %+v", e)
	}
}

func TestReplayV2(t *testing.T) {
	f := load(t)
	for _, tc := range []struct {
		name, req, resp string
		cert            bool
	}{
		{"certificate", "rekor2-request.json", "rekor2-response.json", true},
		{"public key", "rekor2-pubkey-request.json", "rekor2-pubkey-response.json", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := &replay{status: http.StatusCreated, body: readSample(t, tc.resp)}
			c := f.client(t, rekorV2, v2Base, rp)
			e, err := c.Append(context.Background(), f.request(tc.cert))
			if err != nil {
				t.Fatal(err)
			}
			jsonEqual(t, rp.got[0], readSample(t, tc.req))
			if e.Kind != "hashedrekord" || e.KindVersion != "0.0.2" || e.SET != nil || e.IntegratedTime != 0 || e.Proof == nil {
				t.Errorf("entry %+v", e)
			}
		})
	}
}

// mutateJSON decodes a sample response, lets f change it, and re-encodes it.
func mutateJSON(t *testing.T, data []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// v1Entry returns the one entry of a Rekor v1 response.
func v1Of(m map[string]any) map[string]any {
	for _, v := range m {
		return v.(map[string]any)
	}
	return nil
}

func flipB64(s string) string {
	b, _ := base64.StdEncoding.DecodeString(s)
	b[len(b)/2] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}

// foreignCheckpoint signs text as name with a new Ed25519 key, under the key
// hint of logID: a checkpoint that looks like the log's but is not.
func foreignCheckpoint(text, name string, logID []byte) string {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	sig := ed25519.Sign(k, []byte(text))
	return text + "\n\u2014 " + name + " " + base64.StdEncoding.EncodeToString(append(logID[:4:4], sig...)) + "\n"
}

func TestLogInvalidResponses(t *testing.T) {
	f := load(t)
	v1 := readSample(t, "rekor1-response.json")
	v2 := readSample(t, "rekor2-pubkey-response.json")
	v2LogID, _ := base64.StdEncoding.DecodeString("ahsRVqP4aWjaivZSrFSP1eAiFJ/peAjMdT026O2s//g=")
	other := f.request(true)
	other.Message = &bundle.MessageSignature{DigestAlgorithm: crypto.SHA256, Digest: make([]byte, 32), Signature: f.sig}
	for _, tc := range []struct {
		name string
		v    rekorVersion
		resp []byte
		req  *LogRequest
		want logCheck
	}{
		{"v1 not JSON", rekorV1, []byte("<html>"), nil, logCheckResponse},
		{"v1 two entries", rekorV1, mutateJSON(t, v1, func(m map[string]any) { m["00"] = v1Of(m) }), nil, logCheckResponse},
		{"v1 no SET", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			delete(v1Of(m)["verification"].(map[string]any), "signedEntryTimestamp")
		}), nil, logCheckResponse},
		{"v1 other digest", rekorV1, v1, other, logCheckBody},
		{"v1 public key for certificate", rekorV1, v1, f.request(false), logCheckBody},
		{"v1 wrong log ID", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			v1Of(m)["logID"] = strings.Repeat("ab", 32)
		}), nil, logCheckLogID},
		{"v1 tampered body", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			body, _ := base64.StdEncoding.DecodeString(v1Of(m)["body"].(string))
			v1Of(m)["body"] = base64.StdEncoding.EncodeToString(append(body, ' '))
		}), nil, logCheckSET},
		{"v1 bad SET", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			ver := v1Of(m)["verification"].(map[string]any)
			ver["signedEntryTimestamp"] = flipB64(ver["signedEntryTimestamp"].(string))
		}), nil, logCheckSET},
		{"v1 later integrated time", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			v1Of(m)["integratedTime"] = 1795318377
		}), nil, logCheckSET},
		{"v1 bad inclusion proof", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			p := v1Of(m)["verification"].(map[string]any)["inclusionProof"].(map[string]any)
			p["hashes"] = []string{strings.Repeat("00", 32)}
		}), nil, logCheckInclusionProof},
		{"v1 checkpoint from another key", rekorV1, mutateJSON(t, v1, func(m map[string]any) {
			p := v1Of(m)["verification"].(map[string]any)["inclusionProof"].(map[string]any)
			cp := p["checkpoint"].(string)
			id, _ := hex.DecodeString(v1Of(m)["logID"].(string))
			p["checkpoint"] = foreignCheckpoint(cp[:strings.Index(cp, "\n\n")+1], "127.0.0.1:3000", id)
		}), nil, logCheckCheckpoint},
		{"v2 wrong log ID", rekorV2, mutateJSON(t, v2, func(m map[string]any) {
			m["logId"] = map[string]any{"keyId": base64.StdEncoding.EncodeToString(make([]byte, 32))}
		}), nil, logCheckLogID},
		{"v2 other signer", rekorV2, v2, f.request(true), logCheckBody},
		{"v2 tampered body", rekorV2, mutateJSON(t, v2, func(m map[string]any) {
			body, _ := base64.StdEncoding.DecodeString(m["canonicalizedBody"].(string))
			m["canonicalizedBody"] = base64.StdEncoding.EncodeToString(append(body, ' '))
		}), nil, logCheckInclusionProof},
		{"v2 bad inclusion proof", rekorV2, mutateJSON(t, v2, func(m map[string]any) {
			p := m["inclusionProof"].(map[string]any)
			p["hashes"] = []string{flipB64(p["hashes"].([]any)[0].(string))}
		}), nil, logCheckInclusionProof},
		{"v2 checkpoint does not match proof", rekorV2, mutateJSON(t, v2, func(m map[string]any) {
			p := m["inclusionProof"].(map[string]any)
			p["rootHash"] = flipB64(p["rootHash"].(string))
		}), nil, logCheckCheckpoint},
		{"v2 checkpoint from another key", rekorV2, mutateJSON(t, v2, func(m map[string]any) {
			p := m["inclusionProof"].(map[string]any)
			cp := p["checkpoint"].(map[string]any)
			env := cp["envelope"].(string)
			cp["envelope"] = foreignCheckpoint(env[:strings.Index(env, "\n\n")+1], "127.0.0.1:3003", v2LogID)
		}), nil, logCheckCheckpoint},
		{"v2 index differs from proof", rekorV2, mutateJSON(t, v2, func(m map[string]any) { m["logIndex"] = "7" }), nil, logCheckInclusionProof},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := v1Base
			if tc.v == rekorV2 {
				base = v2Base
			}
			c := f.client(t, tc.v, base, &replay{status: http.StatusCreated, body: tc.resp})
			req := tc.req
			if req == nil {
				req = f.request(tc.v == rekorV1)
			}
			e, err := c.Append(context.Background(), req)
			var ce *logCheckError
			if !errors.As(err, &ce) || ce.Check != tc.want {
				t.Fatalf("Append: %v, want a %q check error", err, tc.want)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if e != nil {
				t.Error("entry returned with an error")
			}
			if !errors.Is(err, ErrInvalidResponse) || !strings.Contains(err.Error(), string(tc.want)) || !strings.HasPrefix(err.Error(), "sign: "+c.http.Service+": ") {
				t.Errorf("error %q does not name the service and the check", err)
			}
			if tc.want == logCheckCheckpoint && strings.Contains(tc.name, "another key") {
				var ve *checkpoint.VerificationError
				if !errors.As(err, &ve) {
					t.Errorf("error %v is not a checkpoint verification error", err)
				}
			}
		})
	}
}

func TestConflictV1(t *testing.T) {
	f := load(t)
	resp := readSample(t, "rekor1-response.json")
	var uuid string
	for k := range mustMap(t, resp) {
		uuid = k
	}
	for _, tc := range []struct {
		name     string
		location bool
	}{{"location", true}, {"message", false}} {
		t.Run(tc.name, func(t *testing.T) {
			var gets atomic.Int32
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodPost && r.URL.Path == "/api/v1/log/entries":
					if tc.location {
						w.Header().Set("Location", "/api/v1/log/entries/"+uuid)
					}
					w.WriteHeader(http.StatusConflict)
					json.NewEncoder(w).Encode(map[string]any{"code": 409, "message": "an equivalent entry already exists in the transparency log with UUID " + uuid})
				case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log/entries/"+uuid:
					gets.Add(1)
					w.Write(resp)
				default:
					http.NotFound(w, r)
				}
			})
			c := f.client(t, rekorV1, v1Base, h)
			if _, err := c.Append(context.Background(), f.request(true)); err != nil {
				t.Fatal(err)
			}
			if gets.Load() != 1 {
				t.Errorf("%d GETs of the existing entry, want 1", gets.Load())
			}
		})
	}
	t.Run("no uuid", func(t *testing.T) {
		c := f.client(t, rekorV1, v1Base, &replay{status: http.StatusConflict, body: []byte(`{"code":409}`)})
		_, err := c.Append(context.Background(), f.request(true))
		var ce *logCheckError
		if !errors.As(err, &ce) || ce.Check != logCheckResponse {
			t.Fatalf("Append: %v, want a response check error", err)
		}
	})
}

func mustMap(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRequests(t *testing.T) {
	f := load(t)
	env := &bundle.Envelope{PayloadType: "application/vnd.in-toto+json", Payload: []byte(`{"a":1}`), Signature: f.sig}
	t.Run("v1 dsse", func(t *testing.T) {
		body, kind, version, err := logV1Request(&LogRequest{Envelope: env, PublicKey: f.pub})
		if err != nil || kind != "dsse" || version != "0.0.1" {
			t.Fatal(kind, version, err)
		}
		var r struct {
			Spec struct {
				ProposedContent struct {
					Envelope  string   `json:"envelope"`
					Verifiers [][]byte `json:"verifiers"`
				} `json:"proposedContent"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		var e struct {
			PayloadType string `json:"payloadType"`
			Payload     []byte `json:"payload"`
			Signatures  []struct {
				Sig []byte `json:"sig"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal([]byte(r.Spec.ProposedContent.Envelope), &e); err != nil {
			t.Fatal(err)
		}
		if e.PayloadType != env.PayloadType || !bytes.Equal(e.Payload, env.Payload) || len(e.Signatures) != 1 || !bytes.Equal(e.Signatures[0].Sig, f.sig) {
			t.Errorf("envelope %s", r.Spec.ProposedContent.Envelope)
		}
		if len(r.Spec.ProposedContent.Verifiers) != 1 || !bytes.Equal(r.Spec.ProposedContent.Verifiers[0], readSample(t, "signer.pub")) {
			t.Errorf("verifiers %q", r.Spec.ProposedContent.Verifiers)
		}
	})
	t.Run("v2 dsse", func(t *testing.T) {
		body, err := logV2Request(&LogRequest{Envelope: env, PublicKey: f.pub})
		if err != nil {
			t.Fatal(err)
		}
		pae := []byte("DSSEv1 28 application/vnd.in-toto+json 7 {\"a\":1}")
		d := sha256.Sum256(pae)
		want := `{"hashedRekordRequestV002":{"digest":"` + base64.StdEncoding.EncodeToString(d[:]) + `","signature":{"content":"` +
			base64.StdEncoding.EncodeToString(f.sig) + `","verifier":{"publicKey":{"rawBytes":"` +
			base64.StdEncoding.EncodeToString(pemBytes(t, readSample(t, "signer.pub"))) + `"},"keyDetails":"PKIX_ECDSA_P256_SHA_256"}}}}`
		jsonEqual(t, body, []byte(want))
	})
	t.Run("v2 pure Ed25519 dsse", func(t *testing.T) {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := logV2Request(&LogRequest{Envelope: env, PublicKey: pub}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("v2 Ed25519ph message", func(t *testing.T) {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		d := make([]byte, 64)
		body, err := logV2Request(&LogRequest{Message: &bundle.MessageSignature{DigestAlgorithm: crypto.SHA512, Digest: d, Signature: []byte{1}}, PublicKey: pub})
		if err != nil || !bytes.Contains(body, []byte(`"PKIX_ED25519_PH"`)) {
			t.Fatalf("%s %v", body, err)
		}
	})
}

func pemBytes(t *testing.T, b []byte) []byte {
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM")
	}
	return blk.Bytes
}

func TestNew(t *testing.T) {
	f := load(t)
	if _, err := newRekorClient(&httpx.Client{}, "ftp://x", rekorV1, f.logs(v1Base)); err == nil {
		t.Error("ftp URL accepted")
	}
	if _, err := newRekorClient(&httpx.Client{}, v1Base, rekorV1, nil); err == nil {
		t.Error("no logs accepted")
	}
	if _, err := newRekorClient(&httpx.Client{}, v1Base, 3, f.logs(v1Base)); err == nil {
		t.Error("version 3 accepted")
	}
}
