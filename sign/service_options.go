package sign

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sigil-dev/sigil/internal/httpx"
)

// A ServiceOption configures the client of a Sigstore service
// (NewRekor, NewRekorV2, NewTimestampAuthority).
type ServiceOption func(*serviceConfig) error

type serviceConfig struct {
	client   httpx.Client
	settings httpx.Settings
}

func newServiceConfig(service string, opts []ServiceOption) (*serviceConfig, error) {
	c := &serviceConfig{client: httpx.Client{Service: service}}
	c.settings.Client = &c.client
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("sign: %s: service option %d is nil", service, i)
		}
		if err := o(c); err != nil {
			return nil, fmt.Errorf("sign: %s: %w", service, err)
		}
	}
	return c, nil
}

// WithHTTPClient sends requests with hc (for proxies, custom TLS roots or
// transports). Default: a client of sigil's own with no overall timeout;
// WithTimeout bounds each attempt.
func WithHTTPClient(hc *http.Client) ServiceOption {
	return func(c *serviceConfig) error { return c.settings.SetHTTPClient("WithHTTPClient", hc) }
}

// WithRetries sets how many times a request is attempted when it fails in a
// way that is safe to retry: HTTP 429, most 5xx statuses, a refused or reset
// connection, or an attempt that timed out. attempts must be 1 (no retry) to
// 10. Default 4.
func WithRetries(attempts int) ServiceOption {
	return func(c *serviceConfig) error { return c.settings.SetAttempts("WithRetries", attempts) }
}

// WithBackoff bounds the wait before a retry: before attempt n+1 the client
// waits a random time below min(max, base*2^(n-1)) (full jitter), or what
// the service's Retry-After header asks, up to max. Default 200ms and 5s.
func WithBackoff(base, max time.Duration) ServiceOption {
	return func(c *serviceConfig) error { return c.settings.SetBackoff("WithBackoff", base, max) }
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole response; the context given to the Sign method bounds all of them.
// Default 30s.
func WithTimeout(d time.Duration) ServiceOption {
	return func(c *serviceConfig) error { return c.settings.SetTimeout("WithTimeout", d) }
}
