package monitor

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/policy"
)

// A WatchList says which log entries to report. An entry matches when any
// item matches it; every item that matches is reported.
//
// Entries are matched as the log records them: a certificate in an entry is
// not verified against any CA (a match says that the log holds an entry
// naming the identity or key, which is what a monitor wants to hear about
// whoever issued it).
type WatchList struct {
	// Identities are policies evaluated on each certificate an entry
	// records (package policy's Identity, Extension for Fulcio extensions,
	// SubjectDN, All, Any, ...), with the certificate's key as PublicKey.
	Identities []policy.Policy
	// PublicKeys match entries whose signer is the key, bare or in a
	// certificate.
	PublicKeys []crypto.PublicKey
	// CertificateFingerprints match entries recording a certificate whose
	// DER encoding has this SHA-256.
	CertificateFingerprints [][32]byte
	// Digests match entries whose signed artifact digest (hashedrekord) or
	// payload digest (dsse, intoto) is one of these.
	Digests []Digest
}

// A Digest is a hash value with its algorithm.
type Digest struct {
	Alg   crypto.Hash
	Value []byte
}

// A Match is an entry that matched a watch list.
type Match struct {
	// BaseURL is the log's base URL; Index the entry's index in the log's
	// tree (for Rekor v1: in the active shard's tree, which is the global
	// log index minus the sizes of inactive shards).
	BaseURL string
	Index   uint64
	// Time is when the log integrated the entry: Rekor v1's integrated
	// time (unverified: Rekor v1 signs it in the SET, which the monitor
	// does not check), or for a tlog-tiles log, which records no time, the
	// zero time.
	Time time.Time
	// Kind is the entry's kind/apiVersion, such as "hashedrekord/0.0.2".
	Kind string
	// Body is the entry as the log stores it (its Merkle leaf), verified to
	// be in the tree of the checkpoint the state holds.
	Body []byte
	// Reasons say which watch items matched: "identity <policy>",
	// "public key", "certificate sha256:<hex>", "digest <alg>:<hex>".
	Reasons []string
}

// maxEntrySize bounds one entry of a log.
const maxEntrySize = 1 << 20

// Watch reads the entries added to l since the last Watch (all entries on
// the first), up to the size of the checkpoint of l's state (so Check first
// to advance it), matches them against list and calls report for every
// match, in index order. Entries are read in batches of 256 (a tlog-tiles
// entry bundle), up to workers batches at once (workers < 1: 4); each batch
// is bound to the checkpoint before its matches are reported: its leaves
// extend a compact Merkle range kept in the state, whose root is proven
// consistent with the checkpoint's. After each batch the state records the
// progress, so a Watch that is interrupted (by ctx, a failed read or an
// error from report) resumes after the last batch reported. It returns the
// number of entries read.
func (m *Monitor) Watch(ctx context.Context, l *Log, list *WatchList, workers int, report func(Match) error) (uint64, error) {
	if err := l.check(); err != nil {
		return 0, err
	}
	if list == nil || report == nil {
		return 0, errors.New("monitor: Watch needs a watch list and a report function")
	}
	if workers < 1 {
		workers = 4
	}
	match := list.matcher()
	path := stateFile(m.dir, l.Log.BaseURL)
	unlock, err := lock(path)
	if err != nil {
		return 0, fmt.Errorf("monitor: %w", err)
	}
	defer unlock()
	st, err := readState(path)
	if err != nil {
		return 0, err
	}
	if st == nil {
		return 0, fmt.Errorf("monitor: no state for %s: Check it first", l.Log.BaseURL)
	}
	cp, err := m.open(l, []byte(st.Checkpoint), false)
	if err != nil {
		return 0, fmt.Errorf("monitor: state file %s: %w", path, err)
	}
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	rng, err := rf.NewRange(0, st.Entries, st.rangeHashes())
	if err != nil {
		return 0, fmt.Errorf("monitor: state file %s: %w", path, err)
	}
	var offset uint64 // Rekor v1: entries of inactive shards before this tree
	if l.API == RekorV1 {
		if offset, err = m.v1Offset(ctx, l); err != nil {
			return 0, err
		}
	}

	start := st.Entries
	type batch struct {
		first   uint64
		entries [][]byte
		leaves  [][]byte // leaf hashes of entries
		matches []Match
		err     error
	}
	jobs := make(chan uint64)
	out := make(map[uint64]chan batch)
	var mu sync.Mutex
	wctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	for range workers {
		wg.Go(func() {
			for first := range jobs {
				n := min(cp.Size-first, tileWidth-first%tileWidth)
				var b batch
				var times []time.Time
				b.first = first
				if l.API == TLogTiles {
					b.entries, b.err = m.tilesEntries(wctx, l, first, int(n), cp.Size)
				} else {
					b.entries, times, b.err = m.v1Entries(wctx, l, first, int(n), offset)
				}
				if b.err == nil {
					// Hash and match here, in parallel; the matches
					// are reported only once the batch is bound to
					// the checkpoint.
					b.leaves = make([][]byte, len(b.entries))
					for i, e := range b.entries {
						b.leaves[i] = rfc6962.DefaultHasher.HashLeaf(e)
						if kind, reasons := match.match(e); reasons != nil {
							mt := Match{BaseURL: l.Log.BaseURL, Index: first + uint64(i), Kind: kind, Body: e, Reasons: reasons}
							if times != nil {
								mt.Time = times[i]
							}
							b.matches = append(b.matches, mt)
						}
					}
				}
				mu.Lock()
				c := out[first]
				mu.Unlock()
				c <- b
			}
		})
	}
	var firsts []uint64
	for first := start; first < cp.Size; first += min(cp.Size-first, tileWidth-first%tileWidth) {
		firsts = append(firsts, first)
	}
	for _, f := range firsts {
		out[f] = make(chan batch, 1)
	}
	go func() {
		defer close(jobs)
		for _, f := range firsts {
			select {
			case jobs <- f:
			case <-wctx.Done():
				return
			}
		}
	}()
	// Progress is saved after the batches reported so far, at most once a
	// second (each save is an fsync) and when Watch returns.
	read := uint64(0)
	saved, lastSave := st.Entries, time.Now()
	save := func() error {
		if st.Entries == saved {
			return nil
		}
		if err := writeState(path, st); err != nil {
			return fmt.Errorf("monitor: %w", err)
		}
		saved, lastSave = st.Entries, time.Now()
		return nil
	}
	for _, f := range firsts {
		var b batch
		select {
		case b = <-out[f]:
		case <-ctx.Done():
			return read, errors.Join(ctx.Err(), save())
		}
		if b.err != nil {
			return read, errors.Join(b.err, save())
		}
		for _, h := range b.leaves {
			if err := rng.Append(h, nil); err != nil {
				return read, err
			}
		}
		if err := m.bind(ctx, l, rng, cp); err != nil {
			return read, errors.Join(err, save())
		}
		for _, mt := range b.matches {
			if err := report(mt); err != nil {
				// The batch is not done: resume at its start.
				return read, errors.Join(err, save())
			}
		}
		read += uint64(len(b.entries))
		st.Entries = rng.End()
		st.setRange(rng.Hashes())
		if time.Since(lastSave) >= time.Second {
			if err := save(); err != nil {
				return read, err
			}
		}
	}
	return read, save()
}

// bind checks that the leaves read so far, summarised by rng, are the first
// rng.End() leaves of the tree of cp.
func (m *Monitor) bind(ctx context.Context, l *Log, rng *compact.Range, cp *Checkpoint) error {
	r, err := rng.GetRootHash(nil)
	if err != nil {
		return err
	}
	if rng.End() == cp.Size {
		if !bytes.Equal(r, cp.RootHash) {
			return fmt.Errorf("monitor: entries of %s do not hash to the checkpoint's root (size %d)", l.Log.BaseURL, cp.Size)
		}
		return nil
	}
	var hashes [][]byte
	if l.API == RekorV1 {
		hashes, err = m.v1Proof(ctx, l, &Checkpoint{Size: rng.End()}, cp)
	} else {
		hashes, err = consistencyFromTiles(ctx, func(ctx context.Context, p string) ([]byte, error) {
			return m.get(ctx, l.readURL()+"/"+p)
		}, rng.End(), cp.Size)
	}
	if err != nil {
		return fmt.Errorf("monitor: consistency proof of %s from %d to %d: %w", l.Log.BaseURL, rng.End(), cp.Size, err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, rng.End(), cp.Size, hashes, r, cp.RootHash); err != nil {
		return fmt.Errorf("monitor: entries %d.. of %s are not in the checkpoint's tree: %w", rng.End()-1, l.Log.BaseURL, err)
	}
	return nil
}

func (s *state) rangeHashes() [][]byte {
	var hs [][]byte
	for _, h := range s.Range {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil // NewRange rejects the wrong count
		}
		hs = append(hs, b)
	}
	return hs
}

func (s *state) setRange(hs [][]byte) {
	s.Range = s.Range[:0]
	for _, h := range hs {
		s.Range = append(s.Range, hex.EncodeToString(h))
	}
}

// tilesEntries reads n entries from first (within one entry bundle) of a
// tlog-tiles log of the given size.
func (m *Monitor) tilesEntries(ctx context.Context, l *Log, first uint64, n int, size uint64) ([][]byte, error) {
	t := first / tileWidth
	w := tileWidth
	if (t+1)*tileWidth > size {
		w = int(size % tileWidth)
	}
	p := EntryBundlePath(t, w)
	data, err := m.get(ctx, l.readURL()+"/"+p)
	if err != nil && w < tileWidth && notFound(err) {
		data, err = m.get(ctx, l.readURL()+"/"+EntryBundlePath(t, tileWidth))
	}
	if err != nil {
		return nil, err
	}
	entries, err := ParseEntryBundle(data, tileWidth)
	if err != nil {
		return nil, fmt.Errorf("monitor: %s: %w", p, err)
	}
	skip := int(first % tileWidth)
	if len(entries) < skip+n {
		return nil, fmt.Errorf("monitor: %s has %d entries, want %d", p, len(entries), skip+n)
	}
	return entries[skip : skip+n], nil
}

// ParseEntryBundle parses a tlog-tiles entry bundle: a sequence of entries,
// each a big-endian uint16 length and that many bytes, at most max entries.
// The entries alias data.
func ParseEntryBundle(data []byte, max int) ([][]byte, error) {
	var out [][]byte
	for len(data) > 0 {
		if len(out) == max {
			return nil, fmt.Errorf("entry bundle of more than %d entries", max)
		}
		if len(data) < 2 {
			return nil, errors.New("truncated entry bundle")
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, errors.New("truncated entry bundle")
		}
		out = append(out, data[2:2+n:2+n])
		data = data[2+n:]
	}
	return out, nil
}

// v1Offset returns the number of entries in the inactive shards of a Rekor
// v1 log, which come before the active tree's in global log indexes.
func (m *Monitor) v1Offset(ctx context.Context, l *Log) (uint64, error) {
	body, err := m.get(ctx, l.readURL()+"/api/v1/log")
	if err != nil {
		return 0, err
	}
	var info struct {
		InactiveShards []struct {
			TreeSize uint64 `json:"treeSize"`
		} `json:"inactiveShards"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return 0, fmt.Errorf("monitor: %s/api/v1/log: %w", l.readURL(), err)
	}
	var off uint64
	for _, s := range info.InactiveShards {
		off += s.TreeSize
	}
	return off, nil
}

// v1Entries reads n entries from tree index first of a Rekor v1 log, one
// request each.
func (m *Monitor) v1Entries(ctx context.Context, l *Log, first uint64, n int, offset uint64) ([][]byte, []time.Time, error) {
	entries := make([][]byte, n)
	times := make([]time.Time, n)
	for i := range n {
		u := l.readURL() + "/api/v1/log/entries?logIndex=" + strconv.FormatUint(offset+first+uint64(i), 10)
		body, err := m.get(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		var resp map[string]struct {
			Body           string `json:"body"`
			IntegratedTime int64  `json:"integratedTime"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || len(resp) != 1 {
			return nil, nil, fmt.Errorf("monitor: %s: not one entry", u)
		}
		for _, e := range resp {
			if entries[i], err = base64.StdEncoding.DecodeString(e.Body); err != nil || len(entries[i]) > maxEntrySize {
				return nil, nil, fmt.Errorf("monitor: %s: bad body", u)
			}
			times[i] = time.Unix(e.IntegratedTime, 0).UTC()
		}
	}
	return entries, times, nil
}

func (w *WatchList) empty() bool {
	return len(w.Identities) == 0 && len(w.PublicKeys) == 0 && len(w.CertificateFingerprints) == 0 && len(w.Digests) == 0
}

// bodyKind returns an entry body's kind and apiVersion. Rekor's bodies are
// canonical JSON, which starts {"apiVersion":"<v>","kind":"<k>", so that
// prefix is read directly; any other body is decoded in full (ParseBody
// checks the kind and version against the body either way).
func bodyKind(e []byte) (kind, version string, ok bool) {
	if rest, ok := bytes.CutPrefix(e, []byte(`{"apiVersion":"`)); ok {
		if i := bytes.IndexByte(rest, '"'); i >= 0 && i < 16 {
			v := rest[:i]
			if rest, ok := bytes.CutPrefix(rest[i+1:], []byte(`,"kind":"`)); ok {
				if j := bytes.IndexByte(rest, '"'); j >= 0 && j < 32 && bytes.IndexByte(rest[:j], '\\') < 0 && bytes.IndexByte(v, '\\') < 0 {
					return string(rest[:j]), string(v), true
				}
			}
		}
	}
	var h struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
	}
	if json.Unmarshal(e, &h) != nil || h.Kind == "" {
		return "", "", false
	}
	return h.Kind, h.APIVersion, true
}

// A matcher is a watch list prepared for matching many entries: the
// reason each item gives is worked out once.
type matcher struct {
	list               *WatchList
	identityReasons    []string
	digestReasons      []string
	fingerprintReasons []string
}

func (w *WatchList) matcher() *matcher {
	m := &matcher{list: w}
	for _, p := range w.Identities {
		m.identityReasons = append(m.identityReasons, "identity "+p.String())
	}
	for _, d := range w.Digests {
		m.digestReasons = append(m.digestReasons, "digest "+sigalg.DigestName(d.Alg)+":"+hex.EncodeToString(d.Value))
	}
	for _, fp := range w.CertificateFingerprints {
		m.fingerprintReasons = append(m.fingerprintReasons, "certificate sha256:"+hex.EncodeToString(fp[:]))
	}
	return m
}

// match returns the entry's kind/apiVersion and the reasons it matches, or
// nil reasons. Entries of kinds sigil does not decode, or that do not
// parse, match nothing. A certificate is parsed only when an identity or a
// public key is watched.
func (m *matcher) match(e []byte) (string, []string) {
	w := m.list
	k, v, ok := bodyKind(e)
	if !ok {
		return "", nil
	}
	kind := k + "/" + v
	if w.empty() {
		return kind, nil
	}
	b, err := rekor.ParseBody(k, v, e)
	if err != nil {
		return kind, nil
	}
	var reasons []string
	for i, d := range w.Digests {
		for _, got := range []rekor.Digest{b.Data, b.PayloadHash} {
			if got.Alg == d.Alg && bytes.Equal(got.Value, d.Value) {
				reasons = append(reasons, m.digestReasons[i])
			}
		}
	}
	for _, s := range b.Signatures {
		var pub crypto.PublicKey
		if s.Verifier.IsCert {
			if len(w.CertificateFingerprints) > 0 {
				fp := sha256.Sum256(s.Verifier.DER)
				for i, want := range w.CertificateFingerprints {
					if fp == want {
						reasons = append(reasons, m.fingerprintReasons[i])
					}
				}
			}
			if len(w.Identities) == 0 && len(w.PublicKeys) == 0 {
				continue
			}
			cert, err := x509.ParseCertificate(s.Verifier.DER)
			if err != nil {
				continue
			}
			pub = cert.PublicKey
			if len(w.Identities) > 0 {
				in := &policy.Input{Certificate: cert, PublicKey: cert.PublicKey}
				for i, p := range w.Identities {
					if p.Evaluate(in) == nil {
						reasons = append(reasons, m.identityReasons[i])
					}
				}
			}
		} else if len(w.PublicKeys) > 0 {
			if pub, err = x509.ParsePKIXPublicKey(s.Verifier.DER); err != nil {
				continue
			}
		}
		for _, k := range w.PublicKeys {
			if pub != nil && sigalg.EqualKeys(k, pub) {
				reasons = append(reasons, "public key")
			}
		}
	}
	return kind, reasons
}

// SkipEntries makes the next Watch of l start after the entries of the
// checkpoint l's state holds (Check first), so that only entries appended
// later are read: for a large log, watching from now instead of from its
// first entry. The entries skipped are summarised by the compact Merkle
// range of the tree, which is bound to the checkpoint's root before the
// state records it: for tlog-tiles the range's nodes are read from hash
// tiles; for Rekor v1 they are the left siblings in the inclusion proof of
// the last skipped entry, whose leaf is read too. Entries skipped are never
// reported. It returns the number of entries skipped (0 when Watch already
// read them).
func (m *Monitor) SkipEntries(ctx context.Context, l *Log) (uint64, error) {
	if err := l.check(); err != nil {
		return 0, err
	}
	path := stateFile(m.dir, l.Log.BaseURL)
	unlock, err := lock(path)
	if err != nil {
		return 0, fmt.Errorf("monitor: %w", err)
	}
	defer unlock()
	st, err := readState(path)
	if err != nil {
		return 0, err
	}
	if st == nil {
		return 0, fmt.Errorf("monitor: no state for %s: Check it first", l.Log.BaseURL)
	}
	cp, err := m.open(l, []byte(st.Checkpoint), false)
	if err != nil {
		return 0, fmt.Errorf("monitor: state file %s: %w", path, err)
	}
	if st.Entries >= cp.Size {
		return 0, nil
	}
	var hashes [][]byte
	if l.API == TLogTiles {
		r := &tileReader{size: cp.Size, cache: map[string][][]byte{}, fetch: func(ctx context.Context, p string) ([]byte, error) {
			return m.get(ctx, l.readURL()+"/"+p)
		}}
		for _, id := range compact.RangeNodes(0, cp.Size, nil) {
			h, err := r.node(ctx, id)
			if err != nil {
				return 0, fmt.Errorf("monitor: %s: %w", l.Log.BaseURL, err)
			}
			hashes = append(hashes, h)
		}
	} else if hashes, err = m.v1Range(ctx, l, cp.Size); err != nil {
		return 0, err
	}
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	rng, err := rf.NewRange(0, cp.Size, hashes)
	if err != nil {
		return 0, fmt.Errorf("monitor: %s: %w", l.Log.BaseURL, err)
	}
	if err := m.bind(ctx, l, rng, cp); err != nil {
		return 0, err
	}
	skipped := cp.Size - st.Entries
	st.Entries = cp.Size
	st.setRange(rng.Hashes())
	if err := writeState(path, st); err != nil {
		return 0, fmt.Errorf("monitor: %w", err)
	}
	return skipped, nil
}

// v1Range returns the compact range of the first size leaves of a Rekor v1
// log: the range of the left siblings on the path of leaf size-1 (from its
// inclusion proof, in whatever tree the log proves it), extended by that
// leaf. Nothing is trusted: the caller binds the range to a checkpoint.
func (m *Monitor) v1Range(ctx context.Context, l *Log, size uint64) ([][]byte, error) {
	offset, err := m.v1Offset(ctx, l)
	if err != nil {
		return nil, err
	}
	last := size - 1
	u := l.readURL() + "/api/v1/log/entries?logIndex=" + strconv.FormatUint(offset+last, 10)
	body, err := m.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var resp map[string]struct {
		Body         string `json:"body"`
		Verification struct {
			InclusionProof struct {
				TreeSize uint64   `json:"treeSize"`
				Hashes   []string `json:"hashes"`
			} `json:"inclusionProof"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || len(resp) != 1 {
		return nil, fmt.Errorf("monitor: %s: not one entry", u)
	}
	for _, e := range resp {
		leaf, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, fmt.Errorf("monitor: %s: bad body", u)
		}
		p := e.Verification.InclusionProof
		if p.TreeSize < size || len(p.Hashes) > 64 {
			return nil, fmt.Errorf("monitor: %s: inclusion proof in a tree of %d", u, p.TreeSize)
		}
		path := make([][]byte, len(p.Hashes))
		for k, hs := range p.Hashes {
			if path[k], err = hex.DecodeString(hs); err != nil || len(path[k]) != 32 {
				return nil, fmt.Errorf("monitor: %s: bad proof hash", u)
			}
		}
		left, err := leftSiblings(last, p.TreeSize, path)
		if err != nil {
			return nil, fmt.Errorf("monitor: %s: %w", u, err)
		}
		rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
		rng, err := rf.NewRange(0, last, left)
		if err != nil {
			return nil, fmt.Errorf("monitor: %s: %w", u, err)
		}
		if err := rng.Append(rfc6962.DefaultHasher.HashLeaf(leaf), nil); err != nil {
			return nil, err
		}
		return rng.Hashes(), nil
	}
	return nil, nil
}

// leftSiblings returns the compact range of [0, i), largest node first,
// from an RFC 6962 inclusion proof of leaf i in a tree of size n: the
// proof's hashes go from the leaf up, the first inner of them are siblings
// at levels 0..inner-1 (on the left where i has a 1 bit), and the rest, on
// the tree's right border, are all left siblings.
func leftSiblings(i, n uint64, proof [][]byte) ([][]byte, error) {
	if i >= n {
		return nil, fmt.Errorf("leaf %d is not in a tree of %d", i, n)
	}
	inner := bits.Len64(i ^ (n - 1))
	if len(proof) != inner+bits.OnesCount64(i>>inner) {
		return nil, fmt.Errorf("inclusion proof of %d hashes for leaf %d of %d", len(proof), i, n)
	}
	var left [][]byte
	for k, h := range proof {
		if k >= inner || i>>k&1 == 1 {
			left = append(left, h)
		}
	}
	slices.Reverse(left)
	return left, nil
}
