package verify

import (
	"errors"
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/witness"
)

// verifyTlog checks every transparency-log entry of b. It returns the
// artifact digests the entries commit to (for message signatures) and the
// integrated times promised by verified SETs.
//
// An entry with a verified inclusion promise is dated by its integrated
// time. One without (Rekor v2) is dated by every other verified time of the
// bundle, the RFC 3161 times and the integrated times of its other entries,
// or, when the bundle has none, by the time the certificate is then checked
// at (the verifier's clock): the log's key must be valid at each of them.
func (r *run) verifyTlog(b *bundle.Bundle, s *signer, tsaTimes []time.Time, res *Result) ([]rekor.Digest, []time.Time, bool) {
	v := r.v
	type verified struct {
		index int
		log   *preparedLog
		entry LogEntry
		d     rekor.Digest
	}
	var ok []verified
	var times []time.Time
	for i, e := range b.TlogEntries() {
		l, le, d, err := v.verifyEntry(b, s, e)
		if err != nil {
			if r.fail(fail(StepTransparencyLog, fmt.Errorf("entry %d (log index %d): %w", i, e.LogIndex, err))) {
				return nil, nil, true
			}
			continue // audit: an entry that failed proves nothing
		}
		if !le.IntegratedTime.IsZero() {
			times = append(times, le.IntegratedTime)
		}
		ok = append(ok, verified{i, l, le, d})
	}
	dating := append(append([]time.Time(nil), tsaTimes...), times...)
	if len(dating) == 0 {
		dating = append(dating, v.cfg.now())
	}
	var digests []rekor.Digest
	logs := map[string]bool{}
	for _, e := range ok {
		if e.entry.IntegratedTime.IsZero() {
			if err := checkLogKeyAt(e.log.log, dating); err != nil {
				if r.fail(fail(StepTransparencyLog, fmt.Errorf("entry %d (log index %d): %w", e.index, e.entry.LogIndex, err))) {
					return nil, nil, true
				}
				continue
			}
		} else {
			res.Timestamps = append(res.Timestamps, Timestamp{
				Time: e.entry.IntegratedTime, Kind: "integrated-time", Authority: e.entry.BaseURL, Operator: e.entry.Operator,
			})
			r.timestampWitnesses[e.log.witness] = true
		}
		// A witnessed checkpoint is an observer timestamp only when the
		// caller says so (WitnessTimestamps); it counts apart from the
		// log's own integrated times.
		if v.cfg.witnessTimes && !e.entry.witnessedAt.IsZero() {
			times = append(times, e.entry.witnessedAt)
			res.Timestamps = append(res.Timestamps, Timestamp{
				Time: e.entry.witnessedAt, Kind: "witness-cosignature", Authority: e.entry.BaseURL, Operator: e.entry.Operator,
			})
			r.timestampWitnesses[witnessedCheckpoint(e.log.witness)] = true
		}
		if e.d.Alg != 0 {
			digests = append(digests, e.d)
		}
		res.TlogEntries = append(res.TlogEntries, e.entry)
		logs[e.log.witness] = true
	}
	if len(logs) < v.cfg.tlogs.n {
		err := fail(StepTransparencyLog, fmt.Errorf("%w: %d verified entries from distinct logs (of distinct operators, where the trusted root names them), need %d", ErrThreshold, len(logs), v.cfg.tlogs.n))
		if r.fail(err) {
			return nil, nil, true
		}
	}
	return digests, times, false
}

// checkLogKeyAt checks that the trusted root vouches for the log's key at
// every one of times.
func checkLogKeyAt(l *trustroot.TrustedLog, times []time.Time) error {
	for _, t := range times {
		if !l.ValidFor.Contains(t) {
			return fmt.Errorf("entry without an inclusion promise, dated %s by the bundle's verified times (or the verifier's clock), is outside the log key's validity window", t.Format(time.RFC3339))
		}
	}
	return nil
}

// verifyEntry checks one entry against its trusted log and the bundle,
// except the log key's validity for an entry without an inclusion promise,
// which needs the bundle's other verified times (verifyTlog checks it).
func (v *Verifier) verifyEntry(b *bundle.Bundle, s *signer, e *bundle.TlogEntry) (*preparedLog, LogEntry, rekor.Digest, error) {
	var le LogEntry
	l := v.tlog(e.LogID)
	if l == nil {
		return nil, le, rekor.Digest{}, fmt.Errorf("log %s is not in the trusted root", trustroot.LogIDString(e.LogID))
	}
	le = LogEntry{LogID: e.LogID, BaseURL: l.log.BaseURL, Operator: l.log.Operator, Kind: e.Kind + "/" + e.KindVersion}
	body, err := rekor.ParseBody(e.Kind, e.KindVersion, e.Body)
	if err != nil {
		return nil, le, rekor.Digest{}, err
	}
	if e.SET == nil && e.Proof == nil {
		return nil, le, rekor.Digest{}, errors.New("neither inclusion promise nor inclusion proof")
	}
	if e.SET != nil {
		if err := tlogcheck.VerifySET(l.alg, l.log.PublicKey, e); err != nil {
			return nil, le, rekor.Digest{}, err
		}
		t := time.Unix(e.IntegratedTime, 0).UTC()
		if t.After(v.cfg.now()) {
			return nil, le, rekor.Digest{}, fmt.Errorf("integrated time %s is in the future", t.Format(time.RFC3339))
		}
		if !l.log.ValidFor.Contains(t) {
			return nil, le, rekor.Digest{}, fmt.Errorf("integrated time %s is outside the log key's validity window", t.Format(time.RFC3339))
		}
		le.IntegratedTime = t
	}
	if e.Proof != nil {
		var witnesses []*witness.Key
		if l.policy != nil {
			witnesses = l.policy.Witnesses()
		}
		cp, err := tlogcheck.VerifyInclusion(l.cp, e, witnesses...)
		if err != nil {
			return nil, le, rekor.Digest{}, err
		}
		le.InclusionProof = true
		if l.policy != nil {
			if le.Witnesses, le.witnessedAt, err = checkWitnesses(l.policy, cp); err != nil {
				return nil, le, rekor.Digest{}, err
			}
			if v.cfg.witnessTimes && le.witnessedAt.After(v.cfg.now()) {
				return nil, le, rekor.Digest{}, fmt.Errorf("witness cosignature time %s is in the future", le.witnessedAt.Format(time.RFC3339))
			}
		}
	}
	if l.policy != nil && e.Proof == nil {
		return nil, le, rekor.Digest{}, errors.New("the log has a witness policy, but the entry has no checkpoint")
	}
	if err := tlogcheck.VerifyLogIndex(e); err != nil {
		return nil, le, rekor.Digest{}, err
	}
	// The index something verified: the inclusion promise signs the entry's,
	// a Rekor v2 entry's equals its proof's (VerifyLogIndex); a Rekor v1
	// entry with only a proof has only the proof's (within its shard).
	le.LogIndex = e.LogIndex
	if e.SET == nil {
		le.LogIndex = e.Proof.LogIndex
	}
	d, err := matchBody(b, s, body)
	if err != nil {
		return nil, le, rekor.Digest{}, fmt.Errorf("entry does not match the bundle: %w", err)
	}
	return l, le, d, nil
}

// matchBody checks that a log entry records this bundle's signature, by this
// bundle's signer, over this bundle's content. For message signatures it
// returns the artifact digest the entry commits to.
func matchBody(b *bundle.Bundle, s *signer, body *rekor.Body) (rekor.Digest, error) {
	want := rekor.Signed{Signature: b.Signature(), Certificate: s.cert, PublicKey: s.pub, Algorithm: s.alg}
	if m := b.MessageSignature(); m != nil {
		want.DigestAlg, want.Digest = m.DigestAlgorithm, m.Digest
	} else {
		env := b.Envelope()
		want.Envelope, want.PayloadType, want.Payload = true, env.PayloadType, env.Payload
	}
	return body.Match(&want)
}
