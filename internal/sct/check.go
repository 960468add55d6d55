package sct

import (
	"crypto/x509"
	"fmt"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
)

// Log is a trusted CT log, prepared for Check.
type Log struct {
	Log *trustroot.TrustedLog
	id  [32]byte
	alg sigalg.Algorithm
	// counter names what the log counts as toward a threshold: logs with
	// one counter (one operator's) count once.
	counter string
}

// Counter returns what the log counts as (see NewLogs).
func (l *Log) Counter() string { return l.counter }

// NewLogs prepares logs for Check, each counting as counter(log) toward a
// threshold (nil: each log counts alone). A log whose ID is not 32 bytes
// cannot have issued an RFC 6962 SCT and is left out; a key the allow-list
// does not hold is an error.
func NewLogs(logs []*trustroot.TrustedLog, counter func(*trustroot.TrustedLog) string) ([]Log, error) {
	out := make([]Log, 0, len(logs))
	for _, l := range logs {
		if len(l.LogID) != 32 {
			continue
		}
		alg, err := sigalg.ForKeyDetails(l.KeyDetails)
		if err != nil {
			return nil, fmt.Errorf("CT log %s: %w", l.BaseURL, err)
		}
		p := Log{Log: l, alg: alg, counter: l.BaseURL + "\x00" + string(l.LogID)}
		if counter != nil {
			p.counter = counter(l)
		}
		copy(p.id[:], l.LogID)
		out = append(out, p)
	}
	return out, nil
}

// Checked is what Check found.
type Checked struct {
	// Present reports whether the certificate has the embedded-SCT
	// extension.
	Present bool
	// Verified counts the distinct counters of the logs whose SCTs
	// verified.
	Verified int
	// Failures holds, in order, an error for each SCT from a log of the
	// list that did not verify with any of its entries.
	Failures []error
}

// Check verifies every SCT embedded in leaf, issued by issuer, that names a
// log of logs (several entries may share a log ID, with different validity
// windows: one verifying is enough). SCTs of other logs are skipped. The
// error is for a malformed extension or certificate; a bad SCT is a
// failure, for the caller's policy to weigh.
func Check(leaf, issuer *x509.Certificate, logs []Log) (Checked, error) {
	scts, present, err := Embedded(leaf)
	if err != nil || !present {
		return Checked{}, err
	}
	res := Checked{Present: true}
	var tbs []byte
	seen := map[string]bool{}
	for i := range scts {
		s := &scts[i]
		var known *Log
		var lastErr error
		verified := false
		for k := range logs {
			l := &logs[k]
			if l.id != s.LogID {
				continue
			}
			if known == nil {
				known = l
			}
			if tbs == nil {
				if tbs, err = PrecertTBS(leaf); err != nil {
					return Checked{}, err
				}
			}
			if lastErr = Verify(s, l.alg, l.Log.PublicKey, l.Log.ValidFor, tbs, issuer); lastErr == nil {
				seen[l.counter], verified = true, true
				break
			}
		}
		if known != nil && !verified {
			res.Failures = append(res.Failures, fmt.Errorf("SCT %d from %s: %w", i, known.Log.BaseURL, lastErr))
		}
	}
	res.Verified = len(seen)
	return res, nil
}
