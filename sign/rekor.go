package sign

import (
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// ErrInvalidResponse is wrapped by the error a service client (NewRekor,
// NewRekorV2, NewTimestampAuthority) returns when a response arrived but
// failed validation against the trusted root: it is not what was asked
// for, or not signed by the trusted log or timestamp authority. The
// message names the service and the failed check. Nothing from such a
// response is returned. Unlike a *signer.ServiceError, it is not worth retrying:
// the service, or something between it and you, misbehaves.
var ErrInvalidResponse = errors.New("sign: invalid response")

// ErrUnsupportedByLog is wrapped by the error Append returns, before
// sending anything, for a signature the log cannot record as sigil made it:
// Rekor v1 checks DSSE signatures over SHA-256 only (so ECDSA P-384 and
// P-521 envelopes cannot be logged there), and Rekor v2 logs an envelope
// as a digest of its PAE (so envelopes signed with pure Ed25519 cannot be
// logged there). Use another key type or another log version.
var ErrUnsupportedByLog = errors.New("sign: the log cannot record this signature")

// NewRekor returns a client of the Rekor v1 log (rekor-server) at baseURL,
// such as "https://rekor.sigstore.dev". The log must be listed in root's
// transparency logs with exactly that base URL; its key and log ID
// validate every response.
//
// Append logs a message signature as a hashedrekord 0.0.1 entry and a DSSE
// envelope as a dsse 0.0.1 entry, naming the signer by its certificate or
// public key (PEM). It returns the entry only after checking that the
// logged body records exactly the request, that the entry's log ID is the
// trusted log's, that its signed entry timestamp (inclusion promise)
// verifies and dates it within the log key's validity, and that its
// checkpoint is signed by the log and its inclusion proof verifies. An
// entry that already exists (HTTP 409, for example after a retried request
// whose first response was lost) is fetched and checked the same way.
//
// Errors: a failed request is a *signer.ServiceError (errors.Is finds
// context.DeadlineExceeded, context.Canceled and network errors); a
// response that fails a check wraps ErrInvalidResponse. Defaults: see
// signer.ServiceOption. The client is
// safe for concurrent use.
func NewRekor(root *trustroot.TrustedRoot, baseURL string, opts ...signer.ServiceOption) (TransparencyLog, error) {
	return newRekor(root, baseURL, rekorV1, "rekor", opts)
}

// NewRekorV2 returns a client of the Rekor v2 log (rekor-tiles) at
// baseURL, such as "https://log2025-1.rekor.sigstore.dev". The log must be
// listed in root's transparency logs with exactly that base URL; its key
// and log ID validate every response.
//
// Append logs every signature as a hashedrekord 0.0.2 entry, the only kind
// Rekor v2 accepts: a message signature over its artifact digest, a DSSE
// envelope over the digest of its pre-authentication encoding (so an
// envelope signed with a pure Ed25519 key cannot be logged). The key
// details sent come from the key and sigil's algorithm allow-list. It
// returns the entry only after checking that the logged body records
// exactly the request, that the entry's log ID is the trusted log's, and
// that its checkpoint is signed by the log and its inclusion proof
// verifies. Rekor v2 entries carry no integrated time: ask a timestamp
// authority as well (NewTimestampAuthority).
//
// Errors and defaults are those of NewRekor, with one difference: Rekor v2
// has no API to read an entry back, so an entry that is already in the log
// (HTTP 409; the same deterministic signature — RSA PKCS#1 v1.5 or Ed25519 —
// over the same artifact, logged twice) is a *signer.ServiceError with status 409,
// not the existing entry. Rekor v2 answers once the
// entry is in a published checkpoint, which can take seconds: the default
// attempt timeout of 30s leaves room for it.
func NewRekorV2(root *trustroot.TrustedRoot, baseURL string, opts ...signer.ServiceOption) (TransparencyLog, error) {
	return newRekor(root, baseURL, rekorV2, "rekor v2", opts)
}

func newRekor(root *trustroot.TrustedRoot, baseURL string, v rekorVersion, service string, opts []signer.ServiceOption) (TransparencyLog, error) {
	if root == nil {
		return nil, fmt.Errorf("sign: %s: nil trusted root", service)
	}
	var logs []*trustroot.TrustedLog
	for _, l := range root.TransparencyLogs() {
		if l.BaseURL == baseURL {
			logs = append(logs, l)
		}
	}
	if len(logs) == 0 {
		return nil, fmt.Errorf("sign: %s: the trusted root lists no transparency log with base URL %q", service, baseURL)
	}
	cfg, err := httpx.Apply(service, opts)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", service, err)
	}
	c, err := newRekorClient(&cfg.Client, baseURL, v, logs)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: %w", service, err)
	}
	return c, nil
}
