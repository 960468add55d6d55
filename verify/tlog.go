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
// An entry without a verified integrated time (Rekor v2) is dated by the
// verified RFC 3161 timestamps: the log's key must be valid at each of them.
func (r *run) verifyTlog(b *bundle.Bundle, s *signer, tsaTimes []time.Time, res *Result) ([]rekor.Digest, []time.Time, bool) {
	v := r.v
	var digests []rekor.Digest
	var times []time.Time
	logs := map[string]bool{}
	for i, e := range b.TlogEntries() {
		le, d, err := v.verifyEntry(b, s, e, tsaTimes)
		if err != nil {
			if r.fail(fail(StepTransparencyLog, fmt.Errorf("entry %d (log index %d): %w", i, e.LogIndex, err))) {
				return nil, nil, true
			}
			continue // audit: an entry that failed proves nothing
		}
		if d.Alg != 0 {
			digests = append(digests, d)
		}
		if !le.IntegratedTime.IsZero() {
			times = append(times, le.IntegratedTime)
			res.Timestamps = append(res.Timestamps, Timestamp{Time: le.IntegratedTime, Kind: "integrated-time", Authority: le.BaseURL})
		}
		if v.cfg.witnessTimes && !le.witnessedAt.IsZero() {
			times = append(times, le.witnessedAt)
			res.Timestamps = append(res.Timestamps, Timestamp{Time: le.witnessedAt, Kind: "witness-cosignature", Authority: le.BaseURL})
		}
		res.TlogEntries = append(res.TlogEntries, le)
		logs[string(e.LogID)] = true
	}
	if len(logs) < v.cfg.tlogs.n {
		err := fail(StepTransparencyLog, fmt.Errorf("%w: %d verified entries from distinct logs, need %d", ErrThreshold, len(logs), v.cfg.tlogs.n))
		if r.fail(err) {
			return nil, nil, true
		}
	}
	return digests, times, false
}

func (v *Verifier) verifyEntry(b *bundle.Bundle, s *signer, e *bundle.TlogEntry, tsaTimes []time.Time) (LogEntry, rekor.Digest, error) {
	var le LogEntry
	l := v.tlog(e.LogID)
	if l == nil {
		return le, rekor.Digest{}, fmt.Errorf("log %s is not in the trusted root", trustroot.LogIDString(e.LogID))
	}
	le = LogEntry{LogID: e.LogID, BaseURL: l.log.BaseURL, LogIndex: e.LogIndex, Kind: e.Kind + "/" + e.KindVersion}
	body, err := rekor.ParseBody(e.Kind, e.KindVersion, e.Body)
	if err != nil {
		return le, rekor.Digest{}, err
	}
	if e.SET != nil {
		if err := tlogcheck.VerifySET(l.alg, l.log.PublicKey, e); err != nil {
			return le, rekor.Digest{}, err
		}
		t := time.Unix(e.IntegratedTime, 0).UTC()
		if t.After(v.cfg.now()) {
			return le, rekor.Digest{}, fmt.Errorf("integrated time %s is in the future", t.Format(time.RFC3339))
		}
		if !l.log.ValidFor.Contains(t) {
			return le, rekor.Digest{}, fmt.Errorf("integrated time %s is outside the log key's validity window", t.Format(time.RFC3339))
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
			return le, rekor.Digest{}, err
		}
		le.InclusionProof = true
		if l.policy != nil {
			if le.Witnesses, le.witnessedAt, err = checkWitnesses(l.policy, cp); err != nil {
				return le, rekor.Digest{}, err
			}
			if v.cfg.witnessTimes && le.witnessedAt.After(v.cfg.now()) {
				return le, rekor.Digest{}, fmt.Errorf("witness cosignature time %s is in the future", le.witnessedAt.Format(time.RFC3339))
			}
		}
	}
	if l.policy != nil && e.Proof == nil {
		return le, rekor.Digest{}, errors.New("the log has a witness policy, but the entry has no checkpoint")
	}
	if e.SET == nil && e.Proof == nil {
		return le, rekor.Digest{}, errors.New("neither inclusion promise nor inclusion proof")
	}
	if le.IntegratedTime.IsZero() {
		for _, t := range tsaTimes {
			if !l.log.ValidFor.Contains(t) {
				return le, rekor.Digest{}, fmt.Errorf("signing time %s is outside the log key's validity window", t.Format(time.RFC3339))
			}
		}
	}
	d, err := matchBody(b, s, body)
	if err != nil {
		return le, rekor.Digest{}, fmt.Errorf("entry does not match the bundle: %w", err)
	}
	return le, d, nil
}

// matchBody checks that a log entry records this bundle's signature, by this
// bundle's signer, over this bundle's content. For message signatures it
// returns the artifact digest the entry commits to.
func matchBody(b *bundle.Bundle, s *signer, body *rekor.Body) (rekor.Digest, error) {
	want := rekor.Signed{Signature: b.Signature(), Certificate: s.cert, PublicKey: s.pub}
	if m := b.MessageSignature(); m != nil {
		want.DigestAlg, want.Digest = m.DigestAlgorithm, m.Digest
	} else {
		env := b.Envelope()
		want.Envelope, want.PayloadType, want.Payload = true, env.PayloadType, env.Payload
	}
	return body.Match(&want)
}
