package verify

import (
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/rfc3161"
)

// verifyTimestamps checks every RFC 3161 timestamp of b against the trusted
// TSAs and returns the times of those that verified. A timestamp that does
// not verify is not counted (it vouches for nothing); the reason the last one
// failed is returned to explain a threshold that is then not met.
func (v *Verifier) verifyTimestamps(b *bundle.Bundle, res *Result) ([]time.Time, error) {
	ders := b.RFC3161Timestamps()
	if len(ders) == 0 {
		return nil, nil
	}
	var skipped error
	sig := b.Signature()
	times := make([]time.Time, 0, len(ders))
	for i, der := range ders {
		tok, err := rfc3161.Parse(der)
		if err != nil {
			skipped = fmt.Errorf("timestamp %d: %w", i, err)
			continue
		}
		var lastErr error = errors.New("no trusted timestamp authority issued it")
		var by *preparedTSA
		for _, t := range v.tsas {
			if !tok.SignerMatches(t.leaf) {
				continue
			}
			if err := tok.Verify(sig, t.leaf); err != nil {
				lastErr = err
				continue
			}
			switch {
			case !t.ca.ValidFor.Contains(tok.GenTime):
				lastErr = fmt.Errorf("time %s is outside the trusted root's validity window for %s", tok.GenTime.Format(time.RFC3339), t.ca.URI)
				continue
			case !t.window.Contains(tok.GenTime):
				lastErr = fmt.Errorf("time %s is outside the validity of the TSA's certificate chain", tok.GenTime.Format(time.RFC3339))
				continue
			}
			by = t
			break
		}
		if by == nil {
			skipped = fmt.Errorf("timestamp %d: %w", i, lastErr)
			continue
		}
		times = append(times, tok.GenTime)
		res.Timestamps = append(res.Timestamps, Timestamp{Time: tok.GenTime, Kind: "rfc3161", Authority: by.ca.URI})
	}
	return times, skipped
}
