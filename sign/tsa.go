package sign

import (
	"fmt"
	"net/url"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// NewTimestampAuthority returns a client of the RFC 3161 timestamp
// authority whose timestamp endpoint is tsaURL, the full URL such as
// "https://timestamp.sigstore.dev/api/v1/timestamp". root must list at
// least one timestamp authority; responses must be signed by one of them.
//
// Timestamp posts a DER TimeStampReq (application/timestamp-query) for the
// SHA-256 digest of the signature, with a random 64-bit nonce and certReq
// set, and returns the DER TimeStampResp only after checking that it is
// granted and well formed, that it timestamps that digest and echoes the
// nonce, and that a timestamp authority of root signed it, with its
// certificate chain and its validity in root covering the token's time.
//
// Errors: a failed request is a *signer.ServiceError (errors.Is finds
// context.DeadlineExceeded, context.Canceled and network errors); a
// response that fails a check wraps ErrInvalidResponse. Defaults: see
// signer.ServiceOption; responses are
// limited to 64 KiB. The client is safe for concurrent use.
func NewTimestampAuthority(root *trustroot.TrustedRoot, tsaURL string, opts ...signer.ServiceOption) (Timestamper, error) {
	const service = "timestamp authority"
	if root == nil {
		return nil, fmt.Errorf("sign: %s: nil trusted root", service)
	}
	if len(root.TimestampAuthorities()) == 0 {
		return nil, fmt.Errorf("sign: %s: the trusted root lists no timestamp authority", service)
	}
	if u, err := url.Parse(tsaURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sign: %s: %q is not an http(s) URL", service, tsaURL)
	}
	cfg, err := httpx.Apply(service, opts)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", service, err)
	}
	cfg.Client.MaxResponse = tsaMaxResponse
	var tsas []*rfc3161.Authority
	for _, t := range root.TimestampAuthorities() {
		tsas = append(tsas, rfc3161.NewAuthority(t))
	}
	return &tsaClient{HTTP: &cfg.Client, URL: tsaURL, TSAs: tsas}, nil
}
