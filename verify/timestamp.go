package verify

import (
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/rfc3161"
)

// verifyTimestamps checks every RFC 3161 timestamp of b against the trusted
// TSAs and returns the times of those that verified, recording their
// authorities as witnesses. A timestamp that does not verify is not counted
// (it vouches for nothing); the reason the last one failed is returned to
// explain a threshold that is then not met.
func (r *run) verifyTimestamps(b *bundle.Bundle, res *Result) ([]time.Time, error) {
	v := r.v
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
		by, err := tok.FindSigner(sig, v.tsas)
		if err != nil {
			skipped = fmt.Errorf("timestamp %d: %w", i, err)
			continue
		}
		times = append(times, tok.GenTime)
		res.Timestamps = append(res.Timestamps, Timestamp{Time: tok.GenTime, Kind: "rfc3161", Authority: by.CA.URI, Operator: by.CA.Operator})
		r.timestampWitnesses[v.tsaWitness[by]] = true
	}
	return times, skipped
}
