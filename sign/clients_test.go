package sign_test

import (
	"context"
	"crypto"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// sampleRequest is the signing event of the samples (real requests and
// responses recorded from a local Sigstore stack, internal/samples): the
// clients must accept them against the run's trusted root.
func sampleRequest(tb testing.TB, withCert bool) *sign.LogRequest {
	ev := samples.SigningEvent(tb)
	r := &sign.LogRequest{
		Message:   &bundle.MessageSignature{DigestAlgorithm: crypto.SHA256, Digest: ev.Digest, Signature: ev.Signature},
		PublicKey: ev.PublicKey,
	}
	if withCert {
		r.Certificate = ev.Certificate
	}
	return r
}

// serve answers the i-th request (from 0) with responses[min(i, last)].
type scripted struct {
	n     atomic.Int32
	steps []func(w http.ResponseWriter, r *http.Request)
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	s.steps[min(i, len(s.steps)-1)](w, r)
}

func status(code int, body []byte) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		w.Write(body)
	}
}

// rekorAt starts a test server running h in place of the log recorded at
// recorded, and returns the samples' trusted root, the recorded URL and an
// option whose HTTP client reaches the test server for that URL. The root
// is not rewritten: a Rekor v2 checkpoint's origin is bound to the host of
// the log's base URL, so the log is served at its recorded address.
func rekorAt(t *testing.T, recorded string, h http.Handler) (*trustroot.TrustedRoot, string, signer.ServiceOption) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return samples.Root(t), recorded, signer.WithHTTPClient(samples.ClientFor(srv))
}

var fast = signer.WithBackoff(time.Millisecond, 2*time.Millisecond)

func TestRekorReplay(t *testing.T) {
	for _, tc := range []struct {
		name, recorded, resp string
		v2, cert             bool
	}{
		{"v1", "http://127.0.0.1:3000", "rekor1-response.json", false, true},
		{"v2 certificate", "http://127.0.0.1:3003", "rekor2-response.json", true, true},
		{"v2 public key", "http://127.0.0.1:3003", "rekor2-pubkey-response.json", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, url, via := rekorAt(t, tc.recorded, &scripted{steps: []func(http.ResponseWriter, *http.Request){
				status(http.StatusCreated, samples.Read(t, tc.resp)),
			}})
			newLog := sign.NewRekor
			if tc.v2 {
				newLog = sign.NewRekorV2
			}
			l, err := newLog(root, url, via)
			if err != nil {
				t.Fatal(err)
			}
			e, err := l.Append(context.Background(), sampleRequest(t, tc.cert))
			if err != nil {
				t.Fatal(err)
			}
			if e.Proof == nil || (e.SET == nil) != tc.v2 {
				t.Errorf("entry %+v", e)
			}
		})
	}
}

func TestNewRekorErrors(t *testing.T) {
	root := samples.Root(t)
	if _, err := sign.NewRekor(root, "http://127.0.0.1:3000/"); err == nil || !strings.Contains(err.Error(), `"http://127.0.0.1:3000/"`) {
		t.Errorf("NewRekor with an unlisted URL: %v", err)
	}
	if _, err := sign.NewRekorV2(nil, "http://127.0.0.1:3003"); err == nil {
		t.Error("nil root accepted")
	}
	if _, err := sign.NewRekor(root, "http://127.0.0.1:3000", signer.WithRetries(0)); err == nil || !strings.Contains(err.Error(), "WithRetries(0)") {
		t.Errorf("bad option: %v", err)
	}
	// The service options are one family: Fulcio's own are refused by name.
	for _, o := range []struct {
		name string
		opt  signer.ServiceOption
	}{{"WithFulcioAudience", signer.WithFulcioAudience("x")}, {"WithFulcioProofOfPossession", signer.WithFulcioProofOfPossession()}} {
		if _, err := sign.NewRekorV2(root, "http://127.0.0.1:3003", o.opt); err == nil || !strings.Contains(err.Error(), o.name+" applies to Fulcio only") {
			t.Errorf("NewRekorV2 with %s: %v", o.name, err)
		}
		if _, err := sign.NewTimestampAuthority(root, "http://127.0.0.1:3004/api/v1/timestamp", o.opt); err == nil || !strings.Contains(err.Error(), o.name+" applies to Fulcio only") {
			t.Errorf("NewTimestampAuthority with %s: %v", o.name, err)
		}
	}
	if _, err := sign.NewRekor(root, "http://127.0.0.1:3000", signer.WithTimeout(time.Second), signer.WithTimeout(time.Second)); err == nil || !strings.Contains(err.Error(), "WithTimeout given twice") {
		t.Errorf("option given twice: %v", err)
	}
	if _, err := sign.NewTimestampAuthority(root, "127.0.0.1:3004"); err == nil {
		t.Error("URL without scheme accepted")
	}
	empty, _ := trustroot.ParseJSON([]byte(keyOnlyRoot))
	if _, err := sign.NewTimestampAuthority(empty, "http://127.0.0.1:3004/api/v1/timestamp"); err == nil {
		t.Error("root without TSAs accepted")
	}
}

func TestRekorInvalidResponse(t *testing.T) {
	resp := strings.Replace(string(samples.Read(t, "rekor1-response.json")),
		"87a26d88b4003a8984bb720a909847da6bff3d491cf7856be4f6cc49ccd54b2a", strings.Repeat("0", 64), 1)
	root, url, via := rekorAt(t, "http://127.0.0.1:3000", &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(http.StatusCreated, []byte(resp)),
	}})
	l, err := sign.NewRekor(root, url, via)
	if err != nil {
		t.Fatal(err)
	}
	e, err := l.Append(context.Background(), sampleRequest(t, true))
	if !errors.Is(err, sign.ErrInvalidResponse) || e != nil {
		t.Fatalf("Append: %v, want ErrInvalidResponse", err)
	}
	if !strings.Contains(err.Error(), "rekor: invalid response: log ID") {
		t.Errorf("error %q does not name the service and the check", err)
	}
	var se *signer.ServiceError
	if errors.As(err, &se) {
		t.Error("an invalid response is not a ServiceError")
	}
}

func TestRekorRetries(t *testing.T) {
	s := &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(http.StatusInternalServerError, []byte("boom")),
		status(http.StatusInternalServerError, []byte("boom")),
		status(http.StatusCreated, samples.Read(t, "rekor1-response.json")),
	}}
	root, url, via := rekorAt(t, "http://127.0.0.1:3000", s)
	l, err := sign.NewRekor(root, url, via, fast)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), sampleRequest(t, true)); err != nil {
		t.Fatal(err)
	}
	if n := s.n.Load(); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

func TestRekorNoRetryOn400(t *testing.T) {
	s := &scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(http.StatusBadRequest, []byte(`{"code":400,"message":"invalid signature"}`)),
	}}
	root, url, via := rekorAt(t, "http://127.0.0.1:3000", s)
	l, err := sign.NewRekor(root, url, via, fast)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Append(context.Background(), sampleRequest(t, true))
	var se *signer.ServiceError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || se.Attempts != 1 || !errors.Is(err, signer.ErrStatus) {
		t.Fatalf("Append: %v, want a ServiceError with status 400 after 1 attempt", err)
	}
	if s.n.Load() != 1 {
		t.Errorf("%d attempts, want 1", s.n.Load())
	}
	if se.Service != "rekor" || !strings.Contains(err.Error(), "invalid signature") {
		t.Errorf("error %q", err)
	}
}

func TestRekorDeadline(t *testing.T) {
	root, url, via := rekorAt(t, "http://127.0.0.1:3003", &scripted{steps: []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	}})
	l, err := sign.NewRekorV2(root, url, via, fast)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = l.Append(ctx, sampleRequest(t, true))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Append: %v, want context.DeadlineExceeded", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	root := samples.Root(t)
	ts, err := sign.NewTimestampAuthority(root, url+"/api/v1/timestamp", signer.WithRetries(3), fast)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Timestamp(context.Background(), []byte("sig"))
	var se *signer.ServiceError
	if !errors.As(err, &se) || se.Attempts != 3 || se.StatusCode != 0 || se.Service != "timestamp authority" {
		t.Fatalf("Timestamp: %v, want a ServiceError after 3 attempts", err)
	}
}

// TestTimestampReplayRejected replays the recorded response: it is a valid
// timestamp of the same signature by the trusted TSA, but it answers another
// request (its nonce is not ours), so the client rejects it.
func TestTimestampReplayRejected(t *testing.T) {
	srv := httptest.NewServer(&scripted{steps: []func(http.ResponseWriter, *http.Request){
		status(http.StatusCreated, samples.Read(t, "tsa-response.tsr")),
	}})
	defer srv.Close()
	ts, err := sign.NewTimestampAuthority(samples.Root(t), srv.URL+"/api/v1/timestamp")
	if err != nil {
		t.Fatal(err)
	}
	der, err := ts.Timestamp(context.Background(), samples.Read(t, "artifact.sig"))
	if !errors.Is(err, sign.ErrInvalidResponse) || der != nil || !strings.Contains(err.Error(), "timestamp authority: invalid response: nonce") {
		t.Fatalf("Timestamp: %v, want ErrInvalidResponse naming the nonce", err)
	}
}
