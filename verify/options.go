package verify

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/witness"
)

// An Option configures a Verifier. Options are checked together by New.
type Option func(*config) error

type threshold struct {
	n      int
	set    bool   // set by an option
	option string // the option that set it, for messages
}

type config struct {
	scts, tlogs, timestamps threshold
	now                     func() time.Time
	keys                    []trustedKey
	witnessPolicies         map[string]*witness.Policy // by log base URL
	witnessTimes            bool
}

type trustedKey struct {
	hint string
	pub  crypto.PublicKey
}

func (t *threshold) set1(n int, name string) error {
	if t.set {
		return fmt.Errorf("verify: %s conflicts with %s", name, t.option)
	}
	*t = threshold{n: n, set: true, option: name}
	return nil
}

// RequireSCTs sets how many signed certificate timestamps, from distinct
// certificate-transparency logs of the trusted root, a signing certificate
// must carry. n must be at least 1 and at most the number of CT logs in the
// trusted root. Default: 1 when the trusted root lists CT logs, else 0.
// Public-key bundles have no certificate and need no SCT.
func RequireSCTs(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("verify: RequireSCTs(%d): n must be at least 1 (use UnsafeNoSCTs to require none)", n)
		}
		return c.scts.set1(n, fmt.Sprintf("RequireSCTs(%d)", n))
	}
}

// UnsafeNoSCTs verifies certificates without requiring any SCT: a
// certificate the CA never logged is accepted. For CAs that do not log to
// certificate transparency (most enterprise CAs).
func UnsafeNoSCTs() Option {
	return func(c *config) error { return c.scts.set1(0, "UnsafeNoSCTs()") }
}

// RequireTlogEntries sets how many transparency-log entries, from distinct
// logs of the trusted root, must verify. n must be at least 1 and at most
// the number of logs in the trusted root. Default: 1 when the trusted root
// lists transparency logs, else 0.
func RequireTlogEntries(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("verify: RequireTlogEntries(%d): n must be at least 1 (use UnsafeNoTlogEntries to require none)", n)
		}
		return c.tlogs.set1(n, fmt.Sprintf("RequireTlogEntries(%d)", n))
	}
}

// UnsafeNoTlogEntries accepts bundles with no verified transparency-log
// entry, so a signature nobody can audit is accepted. Entries present in a
// bundle are still verified.
func UnsafeNoTlogEntries() Option {
	return func(c *config) error { return c.tlogs.set1(0, "UnsafeNoTlogEntries()") }
}

// RequireTimestamps sets how many observer timestamps must verify: RFC 3161
// timestamps from distinct trusted timestamp authorities, plus integrated
// times from distinct transparency logs whose inclusion promise verified,
// plus (with WitnessTimestamps) witnessed checkpoints of distinct logs.
// n must be at least 1 and at most the number of TSAs and logs in the
// trusted root (plus the logs with a witness policy, with WitnessTimestamps). Default: 1 when the trusted root lists a TSA or a
// transparency log, else 0.
func RequireTimestamps(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("verify: RequireTimestamps(%d): n must be at least 1 (use UnsafeNoTimestamps to require none)", n)
		}
		return c.timestamps.set1(n, fmt.Sprintf("RequireTimestamps(%d)", n))
	}
}

// UnsafeNoTimestamps accepts bundles with no verified observer timestamp.
// Certificates are then checked at the verifier's current time, which the
// short-lived certificates of Fulcio never satisfy after ten minutes.
func UnsafeNoTimestamps() Option {
	return func(c *config) error { return c.timestamps.set1(0, "UnsafeNoTimestamps()") }
}

// WithPublicKey trusts pub for public-key bundles. hint, when not empty,
// restricts the key to bundles whose public-key hint equals it; an empty hint
// makes pub the key for every public-key bundle. The signing algorithm is
// derived from the key. May be given several times.
func WithPublicKey(hint string, pub crypto.PublicKey) Option {
	return func(c *config) error {
		if pub == nil {
			return errors.New("verify: WithPublicKey: nil key")
		}
		c.keys = append(c.keys, trustedKey{hint, pub})
		return nil
	}
}

// WithClock sets the clock that bounds integrated times from the future and
// checks certificates when no timestamp is required. Default: time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("verify: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}
