package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/trustroot"
)

// recordedNonce is the nonce of tsa-request.tsq, which tsa-response.tsr
// echoes.
var recordedNonce = []byte{0x5e, 0xfe, 0x98, 0x50, 0xa7, 0x5e, 0xaf, 0x00}

func tsaSampleRoot(t testing.TB) *trustroot.TrustedRoot {
	t.Helper()
	r, err := trustroot.ParseJSON(readSample(t, "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// server replays the recorded response and keeps the requests it gets.
func tsaTestServer(t *testing.T, status int, body []byte, got *[]byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/timestamp-query" || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if got != nil {
			*got = b
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.WriteHeader(status)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1/timestamp"
}

func tsaTestClient(url string, root *trustroot.TrustedRoot, nonce []byte) *tsaClient {
	return &tsaClient{
		HTTP: &httpx.Client{Service: "timestamp authority", Attempts: 1},
		URL:  url, TSAs: authorities(root.TimestampAuthorities()), Rand: bytes.NewReader(nonce),
	}
}

func TestTSAReplay(t *testing.T) {
	var got []byte
	url := tsaTestServer(t, http.StatusCreated, readSample(t, "tsa-response.tsr"), &got)
	c := tsaTestClient(url, tsaSampleRoot(t), recordedNonce)
	der, err := c.Timestamp(context.Background(), readSample(t, "artifact.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(der, readSample(t, "tsa-response.tsr")) {
		t.Error("response not returned as received")
	}
	// The request is byte for byte what openssl ts -query made.
	if !bytes.Equal(got, readSample(t, "tsa-request.tsq")) {
		t.Errorf("request %x\nwant    %x", got, readSample(t, "tsa-request.tsq"))
	}
}

func TestTSAInvalidResponses(t *testing.T) {
	resp := readSample(t, "tsa-response.tsr")
	sig := readSample(t, "artifact.sig")
	other, err := trustroot.PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		resp  []byte
		sig   []byte
		nonce []byte
		root  *trustroot.TrustedRoot
		want  tsaCheck
		cause error
	}{
		{"not DER", []byte("<html>"), sig, recordedNonce, nil, tsaCheckResponse, rfc3161.ErrMalformed},
		{"truncated", resp[:len(resp)-1], sig, recordedNonce, nil, tsaCheckResponse, rfc3161.ErrMalformed},
		{"different imprint", resp, append(bytes.Clone(sig), 0), recordedNonce, nil, tsaCheckImprint, nil},
		{"different nonce", resp, sig, []byte{1, 2, 3, 4, 5, 6, 7, 8}, nil, tsaCheckNonce, nil},
		{"untrusted signer", resp, sig, recordedNonce, other, tsaCheckSigner, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.root
			if root == nil {
				root = tsaSampleRoot(t)
			}
			c := tsaTestClient(tsaTestServer(t, http.StatusOK, tc.resp, nil), root, tc.nonce)
			der, err := c.Timestamp(context.Background(), tc.sig)
			var ce *tsaCheckError
			if !errors.As(err, &ce) || ce.Check != tc.want {
				t.Fatalf("Timestamp: %v, want a %q check error", err, tc.want)
			}
			if der != nil {
				t.Error("response returned with an error")
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap %v", err, tc.cause)
			}
			if !errors.Is(err, ErrInvalidResponse) || !strings.HasPrefix(err.Error(), "sign: timestamp authority: invalid response: "+string(tc.want)) {
				t.Errorf("error %q does not name the service and the check", err)
			}
		})
	}
}

// TestSignerWindow checks that a TSA whose trusted-root validity does not
// cover the token's time is not trusted for it.
func TestSignerWindow(t *testing.T) {
	root := tsaSampleRoot(t)
	tok, err := rfc3161.Parse(readSample(t, "tsa-response.tsr"))
	if err != nil {
		t.Fatal(err)
	}
	ca := *root.TimestampAuthorities()[0]
	ca.ValidFor.Start = tok.GenTime.Add(1)
	c := &tsaClient{HTTP: &httpx.Client{Service: "timestamp authority"}, TSAs: authorities([]*trustroot.CertificateAuthority{&ca})}
	_, err = c.check(readSample(t, "tsa-response.tsr"), readSample(t, "artifact.sig"), new(big.Int).SetBytes(recordedNonce))
	var ce *tsaCheckError
	if !errors.As(err, &ce) || ce.Check != tsaCheckSigner || !strings.Contains(err.Error(), "validity window") {
		t.Fatalf("Check: %v, want a signer check error about the validity window", err)
	}
}

func TestTSARequest(t *testing.T) {
	d := sha256.Sum256(readSample(t, "artifact.sig"))
	if got := tsaRequest(d[:], new(big.Int).SetBytes(recordedNonce)); !bytes.Equal(got, readSample(t, "tsa-request.tsq")) {
		t.Errorf("request %x", got)
	}
	// A nonce whose top bit is set stays positive.
	n := new(big.Int).SetBytes([]byte{0xff, 1, 2, 3, 4, 5, 6, 7})
	if got := tsaRequest(d[:], n); !bytes.Contains(got, []byte{0x02, 0x09, 0x00, 0xff}) {
		t.Errorf("request %x does not encode a positive nonce", got)
	}
}

func TestNonceSource(t *testing.T) {
	c := &tsaClient{Rand: bytes.NewReader(make([]byte, 8))}
	if _, err := c.nonce(); err == nil {
		t.Error("zero nonce accepted")
	}
	c = &tsaClient{Rand: bytes.NewReader(nil)}
	if _, err := c.nonce(); err == nil {
		t.Error("failing source accepted")
	}
	c = &tsaClient{}
	a, _ := c.nonce()
	b, _ := c.nonce()
	if a == nil || a.Cmp(b) == 0 {
		t.Error("nonces repeat")
	}
}

// FuzzTSACheck feeds arbitrary responses to the validation: it never panics,
// and a response it accepts carries our imprint and nonce.
func FuzzTSACheck(f *testing.F) {
	f.Add(readSample(f, "tsa-response.tsr"))
	c := &tsaClient{HTTP: &httpx.Client{Service: "timestamp authority"}, TSAs: authorities(tsaSampleRoot(f).TimestampAuthorities())}
	sig := readSample(f, "artifact.sig")
	nonce := new(big.Int).SetBytes(recordedNonce)
	want := sha256.Sum256(sig)
	f.Fuzz(func(t *testing.T, der []byte) {
		tok, err := c.check(der, sig, nonce)
		if err != nil {
			var ce *tsaCheckError
			if tok != nil || !errors.As(err, &ce) {
				t.Fatalf("token %v with error %v", tok, err)
			}
			return
		}
		if !bytes.Equal(tok.HashedMessage, want[:]) || tok.Nonce.Cmp(nonce) != 0 {
			t.Fatal("accepted a token for another request")
		}
	})
}

func authorities(cas []*trustroot.CertificateAuthority) []*rfc3161.Authority {
	var out []*rfc3161.Authority
	for _, ca := range cas {
		out = append(out, rfc3161.NewAuthority(ca))
	}
	return out
}
