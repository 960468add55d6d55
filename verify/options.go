package verify

import (
	"crypto"
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/witness"
)

// An Option configures a Verifier. Options are checked together by New.
type Option func(*config) error

// Default thresholds. When no option sets a threshold, New requires the
// default where the trusted root lists an authority that can provide it
// (never more than the root can provide), and none otherwise: a root with
// only a CA, or none at all for key-signed bundles, verifies without logs.
const (
	// DefaultSCTs is the default of RequireSCTs.
	DefaultSCTs = 1
	// DefaultTlogEntries is the default of RequireTlogEntries.
	DefaultTlogEntries = 1
	// DefaultTimestamps is the default of RequireTimestamps.
	DefaultTimestamps = 1
)

type threshold struct {
	n      int
	set    bool   // set by an option
	option string // the option that set it, for messages
}

type config struct {
	scts, tlogs, timestamps threshold
	now                     func() time.Time
	keys                    []trustedKey
	crls                    []*preparedCRL
	checker                 RevocationChecker
	caSigners               bool
	payloadTypes            map[string]bool
	witnessPolicies         map[string]*witness.Policy // by log base URL
	witnessTimes            bool
}

type trustedKey struct {
	hint string
	pub  crypto.PublicKey
	alg  sigalg.Algorithm // the key's declared algorithm; zero: derived from the key
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
// must carry. CT logs count by operator where the trusted root names one
// (protobuf-specs: the SCTs of two logs of one operator count once) and by
// log otherwise. n must be at least 1 and at most the number of CT logs so
// counted in the trusted root. Default: DefaultSCTs when the trusted root
// lists CT logs, else 0. Public-key bundles have no certificate and need no
// SCT.
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
// logs of the trusted root, must verify. Logs count by operator where the
// trusted root names one (protobuf-specs: entries in two logs of one
// operator count once) and by log ID otherwise. An entry counts only when
// the trusted root vouches for its log's key at the entry's time: the
// integrated time its inclusion promise signs or, without a promise, every
// verified time of the bundle (see Verifier.Verify). n must be at least 1
// and at most the number of logs so counted in the trusted root. Default:
// DefaultTlogEntries when the trusted root lists transparency logs, else 0.
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
// Authorities and logs count by operator where the trusted root names one
// (protobuf-specs: two TSAs, or two logs, of one operator count once; so
// does a TSA and a log of one operator) and by TSA URI or log ID
// otherwise; a log's witnessed checkpoints count apart from its integrated
// times. n must be at least 1 and at most the number of TSAs and logs
// so counted in the trusted root (plus the logs with a witness policy,
// with WitnessTimestamps). Default: DefaultTimestamps when the trusted root
// lists a TSA or a transparency log, else 0.
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
		c.keys = append(c.keys, trustedKey{hint: hint, pub: pub})
		return nil
	}
}

// WithPublicKeyDetails trusts pub, as WithPublicKey does, for the signature
// algorithm details names: a protobuf-specs PublicKeyDetails name, as a
// trusted root's keys declare theirs. It is how a Verifier learns that an
// RSA key signs with RSA-PSS ("PKIX_RSA_PSS_2048_SHA256", as
// signer.WithRSAPSS makes it sign), which nothing in a bundle may decide;
// bundles of the key then verify only with that algorithm. details must be
// the current name of an algorithm of sigil's allow-list for pub's type and
// size, else New fails. May be given several times.
func WithPublicKeyDetails(hint string, pub crypto.PublicKey, details string) Option {
	return func(c *config) error {
		if pub == nil {
			return errors.New("verify: WithPublicKeyDetails: nil key")
		}
		alg, err := sigalg.ForKeyDetails(details)
		if err != nil {
			return fmt.Errorf("verify: WithPublicKeyDetails: %w", err)
		}
		if want, err := sigalg.KeyDetails(alg, pub); err != nil || want != details {
			return fmt.Errorf("verify: WithPublicKeyDetails: %q does not describe a %T key of this size (%v)", details, pub, err)
		}
		c.keys = append(c.keys, trustedKey{hint: hint, pub: pub, alg: alg})
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

// UnsafeAllowCASigningCertificates accepts signing certificates that are CA
// certificates (basicConstraints CA:TRUE), which sigil otherwise rejects at
// StepCertificate: a CA's key should issue certificates, not sign
// artifacts. It accepts only CA certificates that cannot issue
// certificates: the leaf must carry the key usage extension, with
// digitalSignature and without keyCertSign (RFC 5280 4.2.1.3); a CA leaf
// without key usages, or with keyCertSign, still fails at StepCertificate.
// Every other check still applies: the codeSigning extended key usage, and
// path validation. For hierarchies that misissue signing certificates as
// CAs, such as the test PKI of model_signing's certificate method (its leaf
// is CA:TRUE with key usage digitalSignature only).
func UnsafeAllowCASigningCertificates() Option {
	return func(c *config) error {
		if c.caSigners {
			return errors.New("verify: UnsafeAllowCASigningCertificates given twice")
		}
		c.caSigners = true
		return nil
	}
}

// AllowPayloadType makes the Verifier accept DSSE envelopes of payloadType,
// a payload type other than in-toto's, whose payload is then the artifact
// itself: the artifact must be the payload's bytes (or their digest), and
// Result.PayloadType reports the type. By default only in-toto statements
// (intoto.PayloadType) verify, as the Sigstore client specification
// requires: a DSSE envelope of any other type fails at StepSignature before
// its signature is checked. May be given several times.
func AllowPayloadType(payloadType string) Option {
	return func(c *config) error {
		switch payloadType {
		case "":
			return errors.New("verify: AllowPayloadType(\"\"): empty payload type")
		case intoto.PayloadType:
			return fmt.Errorf("verify: AllowPayloadType(%q): in-toto statements are always accepted", payloadType)
		}
		if c.payloadTypes == nil {
			c.payloadTypes = map[string]bool{}
		}
		c.payloadTypes[payloadType] = true
		return nil
	}
}
