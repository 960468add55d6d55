package monitor

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/witness"
)

// API names the read API a log serves.
type API int

const (
	// RekorV1 is Rekor v1's REST API: GET /api/v1/log for the newest
	// checkpoint, /api/v1/log/proof for consistency proofs and
	// /api/v1/log/entries for entries.
	RekorV1 API = 1
	// TLogTiles is the C2SP tlog-tiles read API of Rekor v2 (rekor-tiles):
	// <read URL>/checkpoint, hash tiles and entry bundles.
	TLogTiles API = 2
)

// A Log is one transparency log to monitor.
type Log struct {
	// Log is the log's entry in the trusted root: its base URL, key and
	// key ID verify its checkpoints (see internal/checkpoint's origin
	// rules: for Rekor v2 the origin is bound to the base URL's host).
	Log *trustroot.TrustedLog
	// API is the read API the log serves.
	API API
	// ReadURL is where the log's read API is served, when it is not the
	// base URL (a tlog-tiles log is often served by a CDN or, in the local
	// stack, by a file server). For a tlog-tiles log it may be a file://
	// URL of a local copy of the log's directory (such as rekor-tiles'
	// POSIX storage). Default: Log.BaseURL.
	ReadURL string
	// Witnesses, when not nil, is a witness policy every new checkpoint
	// must satisfy with cosignatures from its witnesses.
	Witnesses *witness.Policy
}

func (l *Log) readURL() string {
	u := l.ReadURL
	if u == "" {
		u = l.Log.BaseURL
	}
	return strings.TrimSuffix(u, "/")
}

// A Checkpoint is a verified checkpoint of a log.
type Checkpoint struct {
	// Origin, Size and RootHash are the checkpoint's.
	Origin   string
	Size     uint64
	RootHash []byte
	// Envelope is the whole signed note, as the log served it.
	Envelope []byte
	// Witnesses are the names of the trusted witnesses whose cosignatures
	// verified (only with a witness policy).
	Witnesses []string
}

// An Update is the outcome of one consistency check of a log.
type Update struct {
	// BaseURL is the log's base URL.
	BaseURL string
	// Old is the checkpoint of the state before the check; nil on the
	// first check of a log.
	Old *Checkpoint
	// New is the newest checkpoint, verified to be consistent with Old and
	// now the state.
	New *Checkpoint
}

// An InconsistencyError reports that a log is not append-only: its newest
// checkpoint is smaller than the one of the state (a rollback), of the same
// size with another root (a fork), or the log could not prove that the old
// tree is a prefix of the new one. Old and New are both signed by the log
// (New satisfies the witness policy too): they are the evidence. The state
// is not advanced.
type InconsistencyError struct {
	BaseURL  string
	Old, New *Checkpoint
	// Reason is "rollback", "fork", "origin changed" or "bad consistency proof".
	Reason string
	// Err is the failed proof verification, for a bad proof.
	Err error
}

func (e *InconsistencyError) Error() string {
	msg := fmt.Sprintf("monitor: log %s is inconsistent (%s): checkpoint %q size %d root %x, then %q size %d root %x",
		e.BaseURL, e.Reason, e.Old.Origin, e.Old.Size, e.Old.RootHash, e.New.Origin, e.New.Size, e.New.RootHash)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Err.
func (e *InconsistencyError) Unwrap() error { return e.Err }

// A Monitor checks logs, keeping their state in a directory. A Monitor is
// safe for concurrent use, and several processes may share one state
// directory: each log's state is updated under an exclusive file lock.
type Monitor struct {
	dir    string
	client httpx.Client
}

// An Option configures a Monitor.
type Option func(*httpx.Settings) error

// WithHTTPClient sets the HTTP client. Default: a client of its own.
func WithHTTPClient(c *http.Client) Option {
	return func(s *httpx.Settings) error { return s.SetHTTPClient("WithHTTPClient", c) }
}

// New returns a Monitor keeping its state in dir, which must exist.
func New(dir string, opts ...Option) (*Monitor, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("monitor: state directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("monitor: state directory %s is not a directory", dir)
	}
	m := &Monitor{dir: dir, client: httpx.Client{Service: "transparency log", MaxResponse: 16 << 20}}
	set := httpx.Settings{Client: &m.client}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("monitor: nil option")
		}
		if err := o(&set); err != nil {
			return nil, fmt.Errorf("monitor: %w", err)
		}
	}
	return m, nil
}

func (l *Log) check() error {
	if l == nil || l.Log == nil {
		return errors.New("monitor: log without trusted-root entry")
	}
	if l.API != RekorV1 && l.API != TLogTiles {
		return fmt.Errorf("monitor: log %s: unknown API %d", l.Log.BaseURL, l.API)
	}
	return nil
}

// Check fetches the newest checkpoint of l, verifies it and its consistency
// with the state, and advances the state. On the first check of a log the
// newest checkpoint is verified and becomes the state (trust on first use:
// compare it with other monitors or witnesses out of band). A Rekor v1 log
// that moves to a new shard changes its origin; that is reported as an
// inconsistency ("origin changed") until the state file is removed. An
// inconsistency is an *InconsistencyError and leaves the state as it was;
// any other failure (network, a checkpoint that does not verify) is an
// ordinary error and leaves the state too.
func (m *Monitor) Check(ctx context.Context, l *Log) (*Update, error) {
	if err := l.check(); err != nil {
		return nil, err
	}
	path := stateFile(m.dir, l.Log.BaseURL)
	unlock, err := lock(path)
	if err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	defer unlock()
	st, err := readState(path)
	if err != nil {
		return nil, err
	}
	var old *Checkpoint
	if st != nil {
		// The state was verified when it was written; check it again,
		// since the file is only as trustworthy as the directory.
		if old, err = m.open(l, []byte(st.Checkpoint), false); err != nil {
			return nil, fmt.Errorf("monitor: state file %s: %w", path, err)
		}
	}
	env, err := m.latest(ctx, l)
	if err != nil {
		return nil, err
	}
	cur, err := m.open(l, env, true)
	if err != nil {
		return nil, err
	}
	if old != nil {
		if err := m.consistent(ctx, l, old, cur); err != nil {
			return nil, err
		}
	}
	next := &state{BaseURL: l.Log.BaseURL, Checkpoint: string(cur.Envelope)}
	if st != nil {
		next.Entries, next.Range = st.Entries, st.Range
	}
	if err := writeState(path, next); err != nil {
		return nil, fmt.Errorf("monitor: %w", err)
	}
	return &Update{BaseURL: l.Log.BaseURL, Old: old, New: cur}, nil
}

// CheckAll checks logs concurrently, at most limit at a time (limit < 1:
// one at a time), as Check does each: the i-th update and error are those of
// logs[i] (a failed log has a nil update and its error).
func (m *Monitor) CheckAll(ctx context.Context, logs []*Log, limit int) ([]*Update, []error) {
	limit = max(limit, 1)
	out := make([]*Update, len(logs))
	errs := make([]error, len(logs))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, l := range logs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i], errs[i] = m.Check(ctx, l)
		})
	}
	wg.Wait()
	return out, errs
}

// open verifies a checkpoint envelope as one of l; with policy it must also
// satisfy l's witness policy.
func (m *Monitor) open(l *Log, env []byte, policy bool) (*Checkpoint, error) {
	var ws []*witness.Key
	if policy && l.Witnesses != nil {
		ws = l.Witnesses.Witnesses()
	}
	s, err := checkpoint.Open(env, tlogcheck.CheckpointLog(l.Log), ws...)
	if err != nil {
		return nil, fmt.Errorf("monitor: checkpoint of %s: %w", l.Log.BaseURL, err)
	}
	c := &Checkpoint{Origin: s.Origin, Size: s.Size, RootHash: s.RootHash, Envelope: env}
	by := map[*witness.Key]bool{}
	for _, co := range s.Cosignatures {
		by[co.Witness] = true
		c.Witnesses = append(c.Witnesses, co.Witness.Name())
	}
	if policy && l.Witnesses != nil && !l.Witnesses.Satisfied(func(k *witness.Key) bool { return by[k] }) {
		return nil, fmt.Errorf("monitor: checkpoint of %s (size %d) does not satisfy the witness policy: cosigned by %v", l.Log.BaseURL, s.Size, c.Witnesses)
	}
	return c, nil
}

// consistent checks that cur extends old.
func (m *Monitor) consistent(ctx context.Context, l *Log, old, cur *Checkpoint) error {
	bad := func(reason string, err error) error {
		return &InconsistencyError{BaseURL: l.Log.BaseURL, Old: old, New: cur, Reason: reason, Err: err}
	}
	switch {
	case old.Origin != cur.Origin:
		return bad("origin changed", nil)
	case cur.Size < old.Size:
		return bad("rollback", nil)
	case cur.Size == old.Size:
		if !bytes.Equal(cur.RootHash, old.RootHash) {
			return bad("fork", nil)
		}
		return nil
	case old.Size == 0:
		return nil // the empty tree is a prefix of every tree
	}
	var hashes [][]byte
	var err error
	if l.API == RekorV1 {
		hashes, err = m.v1Proof(ctx, l, old, cur)
	} else {
		hashes, err = consistencyFromTiles(ctx, func(ctx context.Context, p string) ([]byte, error) {
			return m.get(ctx, l.readURL()+"/"+p)
		}, old.Size, cur.Size)
	}
	if err != nil {
		return fmt.Errorf("monitor: consistency proof of %s from %d to %d: %w", l.Log.BaseURL, old.Size, cur.Size, err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, old.Size, cur.Size, hashes, old.RootHash, cur.RootHash); err != nil {
		return bad("bad consistency proof", err)
	}
	return nil
}

func (m *Monitor) get(ctx context.Context, url string) ([]byte, error) {
	if path, ok := strings.CutPrefix(url, "file://"); ok {
		return readLocal(path)
	}
	resp, err := m.client.Do(ctx, &httpx.Request{Method: http.MethodGet, URL: url, OK: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func notFound(err error) bool {
	var he *httpx.Error
	return errors.As(err, &he) && he.StatusCode == http.StatusNotFound || errors.Is(err, fs.ErrNotExist)
}

// readLocal reads a file of a log served from a local directory (a
// file:// read URL), bounded like a response.
func readLocal(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLocalFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxLocalFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxLocalFile)
	}
	return data, nil
}

// maxLocalFile bounds a file read from a local log directory, as
// MaxResponse bounds a response.
const maxLocalFile = 16 << 20

// latest fetches the newest checkpoint envelope of l.
func (m *Monitor) latest(ctx context.Context, l *Log) ([]byte, error) {
	if l.API == TLogTiles {
		return m.get(ctx, l.readURL()+"/checkpoint")
	}
	body, err := m.get(ctx, l.readURL()+"/api/v1/log")
	if err != nil {
		return nil, err
	}
	var info struct {
		SignedTreeHead string `json:"signedTreeHead"`
	}
	if err := json.Unmarshal(body, &info); err != nil || info.SignedTreeHead == "" {
		return nil, fmt.Errorf("monitor: %s/api/v1/log: no signedTreeHead", l.readURL())
	}
	return []byte(info.SignedTreeHead), nil
}

// v1Proof fetches a Rekor v1 consistency proof. The tree ID is the one the
// signed origin names, so the proof is asked of the right shard.
func (m *Monitor) v1Proof(ctx context.Context, l *Log, old, cur *Checkpoint) ([][]byte, error) {
	_, tree, _ := strings.Cut(cur.Origin, " - ")
	u := l.readURL() + "/api/v1/log/proof?firstSize=" + strconv.FormatUint(old.Size, 10) +
		"&lastSize=" + strconv.FormatUint(cur.Size, 10)
	if tree != "" {
		u += "&treeID=" + tree
	}
	body, err := m.get(ctx, u)
	if err != nil {
		return nil, err
	}
	var p struct {
		RootHash string   `json:"rootHash"`
		Hashes   []string `json:"hashes"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	if len(p.Hashes) > 128 {
		return nil, fmt.Errorf("proof of %d hashes", len(p.Hashes))
	}
	hashes := make([][]byte, len(p.Hashes))
	for i, h := range p.Hashes {
		if hashes[i], err = hex.DecodeString(h); err != nil || len(hashes[i]) != 32 {
			return nil, fmt.Errorf("proof hash %d is not 32 bytes of hex", i)
		}
	}
	return hashes, nil
}
