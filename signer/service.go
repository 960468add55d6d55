package signer

import (
	"errors"
	"net/http"
	"time"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/oidctoken"
)

// A ServiceOption configures the client of a Sigstore service: Fulcio
// ([NewFulcio]), and package sign's transparency-log and timestamp-authority
// clients (sign.NewRekor, sign.NewRekorV2, sign.NewTimestampAuthority). Every
// client takes the same options with the same defaults; [WithFulcioAudience]
// and [WithFulcioProofOfPossession] apply to Fulcio only, and another client
// given them fails naming them. Each option may be given once.
type ServiceOption func(*httpx.Config) error

// Defaults of the service clients, which the options below change.
const (
	// DefaultRetries is the number of attempts of a request whose failure
	// is safe to retry (WithRetries).
	DefaultRetries = httpx.DefaultAttempts
	// DefaultBackoffBase and DefaultBackoffMax bound the wait before a
	// retry (WithBackoff).
	DefaultBackoffBase = httpx.DefaultBaseDelay
	DefaultBackoffMax  = httpx.DefaultMaxDelay
	// DefaultTimeout bounds each attempt (WithTimeout).
	DefaultTimeout = httpx.DefaultTimeout
	// DefaultFulcioAudience is the audience ID tokens must be issued for
	// (WithFulcioAudience): what Fulcio's issuers are configured with.
	DefaultFulcioAudience = oidctoken.DefaultAudience
)

// WithHTTPClient sends requests with hc (for proxies, custom TLS roots or
// transports). Default: a client of sigil's own with no overall timeout;
// [WithTimeout] bounds each attempt.
func WithHTTPClient(hc *http.Client) ServiceOption {
	return func(c *httpx.Config) error { return c.Settings.SetHTTPClient("WithHTTPClient", hc) }
}

// WithRetries sets how many times a request is attempted when it fails in a
// way that is safe to retry: HTTP 429, most 5xx statuses, a refused or reset
// connection, or an attempt that timed out. Other 4xx statuses (a refused
// token, a bad request) are not retried. attempts must be 1 (no retry) to
// 10. Default [DefaultRetries].
func WithRetries(attempts int) ServiceOption {
	return func(c *httpx.Config) error { return c.Settings.SetAttempts("WithRetries", attempts) }
}

// WithBackoff bounds the wait before a retry: before attempt n+1 the client
// waits a random time below min(max, base*2^(n-1)) (full jitter), or what
// the service's Retry-After header asks, up to max. Default
// [DefaultBackoffBase] and [DefaultBackoffMax].
func WithBackoff(base, max time.Duration) ServiceOption {
	return func(c *httpx.Config) error { return c.Settings.SetBackoff("WithBackoff", base, max) }
}

// WithTimeout bounds each attempt, from sending the request to reading the
// whole response; the context given to the call bounds all of them.
// Default [DefaultTimeout].
func WithTimeout(d time.Duration) ServiceOption {
	return func(c *httpx.Config) error { return c.Settings.SetTimeout("WithTimeout", d) }
}

// WithFulcioProofOfPossession makes [Fulcio.Certificate] send the public key
// with a signature over the ID token's challenge claim instead of the
// default certificate signing request. The challenge is the token's email
// claim if it has one, its subject otherwise. That is what Fulcio checks for
// email issuers (the email) and every other issuer type (the subject), but
// a token from a non-email issuer that carries an email claim will be
// refused: prefer the default unless the CA cannot take CSRs. Fulcio only.
func WithFulcioProofOfPossession() ServiceOption {
	return func(c *httpx.Config) error {
		c.ProofOfPossession = true
		c.FulcioOnly = append(c.FulcioOnly, "WithFulcioProofOfPossession")
		return c.Settings.Once("WithFulcioProofOfPossession")
	}
}

// WithFulcioAudience sets the audience ID tokens must be issued for; a
// token whose aud claim does not include it is refused before it is sent.
// Default [DefaultFulcioAudience]. Fulcio only.
func WithFulcioAudience(audience string) ServiceOption {
	return func(c *httpx.Config) error {
		if audience == "" {
			return errors.New(`WithFulcioAudience(""): the audience must not be empty (omit the option for "sigstore")`)
		}
		c.Audience = audience
		c.FulcioOnly = append(c.FulcioOnly, "WithFulcioAudience")
		return c.Settings.Once("WithFulcioAudience")
	}
}
