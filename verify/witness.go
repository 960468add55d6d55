package verify

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/witness"
)

// RequireWitnessPolicy requires every transparency-log entry from the log
// whose trusted-root base URL is baseURL to carry an inclusion proof whose
// checkpoint is cosigned (c2sp.org/tlog-cosignature) by witnesses that
// satisfy p: a quorum of the witness keys p names, which the caller trusts.
// Cosignatures from other keys are ignored; a cosignature line with a key of
// p that does not verify fails the entry. An entry with only an inclusion
// promise (no checkpoint) from that log fails. New fails if the trusted root
// lists no log with that base URL. May be given once per log. Default: no
// witness policy, so no cosignature is checked (as other Sigstore verifiers
// do).
func RequireWitnessPolicy(baseURL string, p *witness.Policy) Option {
	return func(c *config) error {
		name := fmt.Sprintf("RequireWitnessPolicy(%q)", baseURL)
		if p == nil {
			return fmt.Errorf("verify: %s: nil policy", name)
		}
		if _, dup := c.witnessPolicies[baseURL]; dup {
			return fmt.Errorf("verify: %s given twice", name)
		}
		if c.witnessPolicies == nil {
			c.witnessPolicies = map[string]*witness.Policy{}
		}
		c.witnessPolicies[baseURL] = p
		return nil
	}
}

// WitnessTimestamps counts a checkpoint that satisfied a log's witness
// policy (see RequireWitnessPolicy) as an observer timestamp of kind
// "witness-cosignature" with the log's base URL as authority: the
// witnesses state that the checkpoint, and so the entry, existed at the
// times of their cosignatures. The time counted is the earliest at which
// cosignatures no later than it satisfy the policy; cosignatures stating no
// time (timestamp 0) are not counted for it. Default: witness
// cosignatures are not timestamps.
func WitnessTimestamps() Option {
	return func(c *config) error {
		if c.witnessTimes {
			return errors.New("verify: WitnessTimestamps given twice")
		}
		c.witnessTimes = true
		return nil
	}
}

// WitnessCosignature is a verified witness cosignature of an entry's
// checkpoint.
type WitnessCosignature struct {
	// Name is the witness's key name.
	Name string
	// Time is the time the witness states it cosigned, or the zero time
	// for a cosignature stating none (timestamp 0).
	Time time.Time
}

// checkWitnesses judges the verified cosignatures of an entry's checkpoint
// against the log's policy. It returns the cosignatures and, when the
// policy is met by cosignatures that state a time, the time the quorum
// vouches for: the earliest at which cosignatures no later than it satisfy
// the policy. Cosignatures without a time (timestamp 0, see
// witness.CosignatureTime) count for the policy, not for the time.
func checkWitnesses(p *witness.Policy, s *checkpoint.Signed) ([]WitnessCosignature, time.Time, error) {
	all := map[*witness.Key]bool{}
	var out []WitnessCosignature
	for _, c := range s.Cosignatures {
		all[c.Witness] = true
		out = append(out, WitnessCosignature{Name: c.Witness.Name(), Time: c.Time})
	}
	if !p.Satisfied(func(k *witness.Key) bool { return all[k] }) {
		return nil, time.Time{}, fmt.Errorf("witness policy not satisfied: %d trusted cosignatures verified (%v)", len(out), names(out))
	}
	cosigs := slices.Clone(s.Cosignatures)
	slices.SortStableFunc(cosigs, func(a, b checkpoint.Cosignature) int { return a.Time.Compare(b.Time) })
	timed := map[*witness.Key]bool{}
	var quorumAt time.Time
	if !p.Satisfied(func(*witness.Key) bool { return false }) {
		for _, c := range cosigs {
			if c.Time.IsZero() {
				continue
			}
			timed[c.Witness] = true
			if p.Satisfied(func(k *witness.Key) bool { return timed[k] }) {
				quorumAt = c.Time
				break
			}
		}
	}
	return out, quorumAt, nil
}

func names(cs []WitnessCosignature) []string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return n
}
