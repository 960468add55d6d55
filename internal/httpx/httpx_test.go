package httpx

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// script answers the i-th request with steps[min(i, last)] and counts them.
type script struct {
	n     atomic.Int32
	steps []http.HandlerFunc
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	s.steps[min(i, len(s.steps)-1)](w, r)
}

func reply(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		w.Write([]byte(body))
	}
}

// hang answers nothing until the client goes away (or 5s pass). It reads
// the body first: only then does the server notice a closed connection.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func start(t *testing.T, s *script) string {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv.URL
}

func fastClient() *Client {
	return &Client{Service: "test service", BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
}

func post(url string) *Request {
	return &Request{Method: http.MethodPost, URL: url + "/x?q=1", ContentType: "application/json", Body: []byte("{}")}
}

func TestRetryStatuses(t *testing.T) {
	for _, code := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout, http.StatusTooManyRequests} {
		s := &script{steps: []http.HandlerFunc{reply(code, "busy"), reply(code, "busy"), reply(http.StatusCreated, "ok")}}
		resp, err := fastClient().Do(context.Background(), post(start(t, s)))
		if err != nil {
			t.Fatalf("%d: %v", code, err)
		}
		if resp.StatusCode != http.StatusCreated || string(resp.Body) != "ok" || s.n.Load() != 3 {
			t.Errorf("%d: status %d body %q after %d attempts", code, resp.StatusCode, resp.Body, s.n.Load())
		}
	}
}

func TestRetryGivesUp(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{reply(http.StatusServiceUnavailable, "down")}}
	c := fastClient()
	c.Attempts = 3
	_, err := c.Do(context.Background(), post(start(t, s)))
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 3 || e.StatusCode != 503 || !errors.Is(err, ErrStatus) || e.Message != "down" {
		t.Fatalf("Do: %#v", err)
	}
	if s.n.Load() != 3 {
		t.Errorf("%d attempts, want 3", s.n.Load())
	}
}

func TestRetryAfter(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{reply(http.StatusTooManyRequests, "slow down", "Retry-After", "1"), reply(http.StatusOK, "ok")}}
	c := fastClient()
	c.MaxDelay = 2 * time.Second
	t0 := time.Now()
	if _, err := c.Do(context.Background(), post(start(t, s))); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < time.Second {
		t.Errorf("retried after %v, Retry-After asked 1s", d)
	}
	// Retry-After is capped by MaxDelay.
	if got := c.backoff(1, time.Hour); got != c.MaxDelay {
		t.Errorf("backoff with Retry-After 1h = %v, want %v", got, c.MaxDelay)
	}
	h := http.Header{}
	h.Set("Retry-After", time.Now().Add(time.Minute).UTC().Format(http.TimeFormat))
	if d := retryAfter(h); d <= 0 || d > time.Minute {
		t.Errorf("Retry-After as an HTTP date: %v", d)
	}
}

func TestNoRetry(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusNotImplemented, http.StatusHTTPVersionNotSupported} {
		s := &script{steps: []http.HandlerFunc{reply(code, "no")}}
		_, err := fastClient().Do(context.Background(), post(start(t, s)))
		var e *Error
		if !errors.As(err, &e) || e.StatusCode != code || e.Attempts != 1 {
			t.Fatalf("%d: %v", code, err)
		}
		if s.n.Load() != 1 {
			t.Errorf("%d: %d attempts, want 1", code, s.n.Load())
		}
	}
}

func TestAttemptTimeoutRetried(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{
		hang,
		reply(http.StatusOK, "ok"),
	}}
	c := fastClient()
	c.Timeout = 50 * time.Millisecond
	resp, err := c.Do(context.Background(), post(start(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "ok" || s.n.Load() != 2 {
		t.Errorf("body %q after %d attempts", resp.Body, s.n.Load())
	}
}

func TestCallerDeadlineNotRetried(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{hang}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := fastClient().Do(ctx, post(start(t, s)))
	var e *Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &e) || e.Attempts != 1 {
		t.Fatalf("Do: %v, want DeadlineExceeded after 1 attempt", err)
	}
	if Retryable(err) {
		t.Error("caller's deadline is retryable")
	}
}

func TestCanceledWhileWaiting(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{reply(http.StatusServiceUnavailable, "down", "Retry-After", "10")}}
	c := fastClient()
	c.MaxDelay = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Do(ctx, post(start(t, s)))
	if !errors.Is(err, context.DeadlineExceeded) || s.n.Load() != 1 {
		t.Fatalf("Do: %v after %d attempts", err, s.n.Load())
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	c := fastClient()
	c.Attempts = 2
	_, err = c.Do(context.Background(), post(url))
	var e *Error
	if !errors.As(err, &e) || e.Attempts != 2 || e.StatusCode != 0 {
		t.Fatalf("Do: %v", err)
	}
}

func TestResponseLimit(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{reply(http.StatusOK, strings.Repeat("x", 101))}}
	c := fastClient()
	c.MaxResponse = 100
	_, err := c.Do(context.Background(), post(start(t, s)))
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("Do: %v, want ErrResponseTooLarge", err)
	}
	s = &script{steps: []http.HandlerFunc{reply(http.StatusOK, strings.Repeat("x", 100))}}
	if _, err := c.Do(context.Background(), post(start(t, s))); err != nil {
		t.Fatalf("a response of exactly the limit: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	s := &script{steps: []http.HandlerFunc{reply(http.StatusBadRequest, "bad\x00 request\n\tbody")}}
	r := post(start(t, s))
	r.Header = http.Header{"Authorization": {"Bearer secret-token"}}
	_, err := fastClient().Do(context.Background(), r)
	msg := err.Error()
	if !strings.HasPrefix(msg, "test service: POST http://") || strings.Contains(msg, "q=1") {
		t.Errorf("error %q does not name the service and method, or quotes the query", msg)
	}
	if strings.Contains(msg, "secret") || strings.Contains(msg, "Bearer") {
		t.Errorf("error %q quotes a request header", msg)
	}
	if !strings.Contains(msg, "400 Bad Request: bad request body") {
		t.Errorf("error %q does not quote the response, printable", msg)
	}
	long := printable([]byte(strings.Repeat("y", 2*maxErrorBody)))
	if len(long) != maxErrorBody {
		t.Errorf("quoted %d bytes, want %d", len(long), maxErrorBody)
	}
}

func TestRequestHeaders(t *testing.T) {
	var got http.Header
	s := &script{steps: []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }}}
	r := post(start(t, s))
	r.Accept = "application/json"
	r.Header = http.Header{"X-Extra": {"1"}}
	if _, err := fastClient().Do(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got.Get("Content-Type") != "application/json" || got.Get("Accept") != "application/json" || got.Get("User-Agent") != "sigil" || got.Get("X-Extra") != "1" {
		t.Errorf("headers %v", got)
	}
}

func TestBackoffBounds(t *testing.T) {
	c := &Client{BaseDelay: 10 * time.Millisecond, MaxDelay: 40 * time.Millisecond}
	for n := 1; n < 70; n++ {
		d := c.backoff(n, 0)
		ceil := min(c.BaseDelay<<min(n-1, 20), c.MaxDelay)
		if d <= 0 || d > ceil {
			t.Fatalf("backoff(%d) = %v, want (0, %v]", n, d, ceil)
		}
	}
}
