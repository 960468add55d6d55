// Package httpx is the HTTP layer of sigil's Sigstore service clients
// (Fulcio, Rekor v1 and v2, timestamp authorities): bounded requests and
// responses, a timeout per attempt, retries of idempotent failures with
// exponential backoff and full jitter, and errors that name the service.
//
// It does not interpret responses: each client validates what it gets
// against the trusted root before using it.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults of a Client's zero fields.
const (
	DefaultAttempts    = 4
	DefaultBaseDelay   = 200 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
	DefaultTimeout     = 30 * time.Second
	DefaultMaxResponse = 4 << 20
	// maxErrorBody bounds the part of an error response quoted in an error.
	maxErrorBody = 512
)

// A Client sends requests to one Sigstore service. The zero value of each
// field but Service selects its default. A Client is safe for concurrent
// use.
type Client struct {
	// Service names the service in errors: "fulcio", "rekor", "rekor v2",
	// "timestamp authority".
	Service string
	// HTTP is the client that sends requests. Default: a client of its own
	// with no overall timeout (Timeout bounds each attempt).
	HTTP *http.Client
	// Attempts is the number of attempts of a request whose failure is
	// retryable (see Retryable). Default 4.
	Attempts int
	// BaseDelay and MaxDelay bound the backoff: before attempt n+1 the
	// client sleeps a random time in [0, min(MaxDelay, BaseDelay*2^n)), or
	// what a Retry-After header asks for, up to MaxDelay. Defaults 200ms and
	// 5s.
	BaseDelay, MaxDelay time.Duration
	// Timeout bounds each attempt, from sending the request to reading the
	// whole response. Default 30s.
	Timeout time.Duration
	// MaxResponse bounds the size of a response body. Default 4 MiB.
	MaxResponse int64
	// UserAgent is sent with every request. Default "sigil".
	UserAgent string
}

var defaultHTTP = &http.Client{}

// A Request is one call to the service.
type Request struct {
	Method      string
	URL         string
	ContentType string // of Body
	Accept      string
	Header      http.Header // more headers, e.g. Authorization; never quoted in errors
	Body        []byte
	// OK lists the status codes that are success; default 200 and 201.
	OK []int
}

// A Response is a successful answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Error is a failed call to a service. It wraps the cause: a context error,
// a network error, or ErrStatus for an unexpected HTTP status.
type Error struct {
	Service    string // "fulcio", "rekor", ...
	Method     string
	URL        string // the request URL, without its query
	StatusCode int    // the last response's status, or 0 when none came
	Message    string // the start of the last response's body, printable
	Attempts   int
	Err        error
}

// ErrStatus is wrapped by an Error for a response with an unexpected status.
var ErrStatus = errors.New("unexpected HTTP status")

// ErrResponseTooLarge is wrapped by an Error for a response body over the
// client's MaxResponse.
var ErrResponseTooLarge = errors.New("response too large")

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: ", e.Service, e.Method, e.URL)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
		if e.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Message)
		}
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the failure is one a client retries: 429,
// 5xx other than 501 and 505, a timeout of the attempt, or a connection
// that was refused, reset or closed before the response. Context
// cancellation by the caller is never retryable.
func Retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.StatusCode != 0 {
		return retryableStatus(e.StatusCode)
	}
	return retryableNetErr(err)
}

func retryableStatus(code int) bool {
	switch {
	case code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented || code == http.StatusHTTPVersionNotSupported:
		return false
	case code >= 500 && code <= 599:
		return true
	}
	return false
}

func retryableNetErr(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, errAttemptTimeout) {
		return true
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() && !errors.Is(err, context.DeadlineExceeded)
}

var errAttemptTimeout = errors.New("attempt timed out")

// Do sends r, retrying retryable failures, and returns the first response
// with an OK status. It never returns a response together with an error.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	u := r.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	var last *Error
	for n := 1; ; n++ {
		resp, status, msg, retryAfter, err := c.once(ctx, r)
		if err == nil {
			return resp, nil
		}
		last = &Error{Service: c.Service, Method: r.Method, URL: u, StatusCode: status, Message: msg, Attempts: n, Err: err}
		if n >= attempts || ctx.Err() != nil || !Retryable(last) {
			if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				last.Err = fmt.Errorf("%w (%w)", ctx.Err(), err)
			}
			return nil, last
		}
		if err := sleep(ctx, c.backoff(n, retryAfter)); err != nil {
			last.Err = fmt.Errorf("%w (while waiting to retry after: %w)", err, last.Err)
			return nil, last
		}
	}
}

func (c *Client) backoff(n int, retryAfter time.Duration) time.Duration {
	base, max := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if max <= 0 {
		max = DefaultMaxDelay
	}
	if retryAfter > 0 {
		return min(retryAfter, max)
	}
	ceil := base << min(n-1, 20)
	if ceil > max || ceil <= 0 {
		ceil = max
	}
	return rand.N(ceil) + 1
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// once makes one attempt. It returns the response, or the status and the
// start of the body of an unexpected response, or a transport error.
func (c *Client) once(ctx context.Context, r *Request) (*Response, int, string, time.Duration, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeoutCause(ctx, timeout, errAttemptTimeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(actx, r.Method, r.URL, body)
	if err != nil {
		return nil, 0, "", 0, err
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "sigil"
	}
	req.Header.Set("User-Agent", ua)
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, 0, "", 0, attemptErr(actx, ctx, err)
	}
	defer resp.Body.Close()
	limit := c.MaxResponse
	if limit <= 0 {
		limit = DefaultMaxResponse
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, 0, "", 0, attemptErr(actx, ctx, err)
	}
	ok := r.OK
	if ok == nil {
		ok = []int{http.StatusOK, http.StatusCreated}
	}
	for _, code := range ok {
		if resp.StatusCode == code {
			if int64(len(data)) > limit {
				return nil, 0, "", 0, fmt.Errorf("%w: over %d bytes", ErrResponseTooLarge, limit)
			}
			return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, 0, "", 0, nil
		}
	}
	return nil, resp.StatusCode, printable(data), retryAfter(resp.Header), ErrStatus
}

// attemptErr tells an attempt's own timeout apart from the caller's context.
func attemptErr(actx, ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(context.Cause(actx), errAttemptTimeout) {
		return fmt.Errorf("%w: %w", errAttemptTimeout, err)
	}
	return err
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// printable returns the start of an error body, one line, printable ASCII.
func printable(b []byte) string {
	if len(b) > maxErrorBody {
		b = b[:maxErrorBody]
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return ' '
		}
		return r
	}, string(b))
	return strings.Join(strings.Fields(s), " ")
}

// Settings applies the client settings callers may choose, with one set of
// rules for every service client: each setting validated, none given
// twice. Packages sign and signer wrap its methods in their options; name
// is the option's name in errors.
type Settings struct {
	Client *Client
	given  map[string]bool
}

func (s *Settings) once(name string) error {
	if s.given[name] {
		return errors.New(name + " given twice")
	}
	if s.given == nil {
		s.given = map[string]bool{}
	}
	s.given[name] = true
	return nil
}

// SetHTTPClient sets the HTTP client.
func (s *Settings) SetHTTPClient(name string, hc *http.Client) error {
	if hc == nil {
		return errors.New(name + ": nil client")
	}
	s.Client.HTTP = hc
	return s.once(name)
}

// SetAttempts sets the number of attempts, 1 to 10.
func (s *Settings) SetAttempts(name string, attempts int) error {
	if attempts < 1 || attempts > 10 {
		return fmt.Errorf("%s(%d): attempts must be 1 to 10", name, attempts)
	}
	s.Client.Attempts = attempts
	return s.once(name)
}

// SetBackoff sets the backoff bounds, 0 < base <= max.
func (s *Settings) SetBackoff(name string, base, max time.Duration) error {
	if base <= 0 || max < base {
		return fmt.Errorf("%s(%v, %v): need 0 < base <= max", name, base, max)
	}
	s.Client.BaseDelay, s.Client.MaxDelay = base, max
	return s.once(name)
}

// SetTimeout sets the timeout of each attempt, positive.
func (s *Settings) SetTimeout(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s(%v): must be positive", name, d)
	}
	s.Client.Timeout = d
	return s.once(name)
}

// Once records a setting of the caller's own, failing when it was given
// before.
func (s *Settings) Once(name string) error { return s.once(name) }

// Config is what the service options of package signer (signer.ServiceOption,
// taken by signer.NewFulcio and by package sign's Rekor and timestamp
// authority clients) set.
type Config struct {
	Client   Client
	Settings Settings
	// Fulcio's own settings. FulcioOnly names the options given that set
	// them, so that other services reject them by name.
	ProofOfPossession bool
	Audience          string
	FulcioOnly        []string
}

// ServiceFulcio is the Service name of Fulcio clients; Apply accepts
// Fulcio's own options only for it.
const ServiceFulcio = "fulcio"

// Apply returns the Config that opts make for service (a Client.Service
// name). An option that is nil, fails, or applies to another service is an
// error naming it.
func Apply[O ~func(*Config) error](service string, opts []O) (*Config, error) {
	c := &Config{Client: Client{Service: service}}
	c.Settings.Client = &c.Client
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("option %d is nil", i)
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if service != ServiceFulcio && len(c.FulcioOnly) > 0 {
		return nil, fmt.Errorf("%s applies to Fulcio only", strings.Join(c.FulcioOnly, ", "))
	}
	return c, nil
}
