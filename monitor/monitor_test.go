package monitor

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/internal/checkpoint"
)

func newMonitor(t *testing.T) *Monitor {
	t.Helper()
	m, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTilePath(t *testing.T) {
	for _, tt := range []struct {
		level uint
		n     uint64
		w     int
		want  string
	}{
		{0, 0, 256, "tile/0/000"},
		{0, 1234067, 256, "tile/0/x001/x234/067"},
		{1, 5, 17, "tile/1/005.p/17"},
		{2, 1000, 256, "tile/2/x001/000"},
	} {
		if got := TilePath(tt.level, tt.n, tt.w); got != tt.want {
			t.Errorf("TilePath(%d, %d, %d) = %q, want %q", tt.level, tt.n, tt.w, got, tt.want)
		}
	}
	if got := EntryBundlePath(1234067, 3); got != "tile/entries/x001/x234/067.p/3" {
		t.Errorf("EntryBundlePath = %q", got)
	}
}

// TestConsistencyFromTiles checks the proofs computed from tiles against
// pairs of sizes around tile boundaries, with transparency-dev/merkle's
// verifier. The tiles are those of the tree of 70,000 entries, so a proof
// to a smaller size needs that size's partial tiles: only sizes whose
// partial tiles that directory has (multiples of 256 below 70,000, where
// full tiles suffice, and 70,000) are the second size.
func TestConsistencyFromTiles(t *testing.T) {
	lg := newTilesLog(t)
	lg.add(70000, textEntry)
	dir := t.TempDir()
	lg.writeDir(t, dir) // the full tiles and the partial ones of size 70000
	m := newMonitor(t)
	l := &Log{Log: lg.trusted(), API: TLogTiles, ReadURL: "file://" + dir}
	sizes := []uint64{1, 3, 255, 256, 257, 512, 1000, 65535, 65536, 65537, 69888, 70000}
	roots := map[uint64][]byte{}
	rng := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
	for i, e := range lg.entries {
		rng.Append(rfc6962.DefaultHasher.HashLeaf(e), nil)
		if slices.Contains(sizes, uint64(i+1)) {
			roots[uint64(i+1)], _ = rng.GetRootHash(nil)
		}
	}
	for _, s1 := range sizes {
		for _, s2 := range sizes {
			if s2 <= s1 || s2%256 != 0 && s2 != 70000 && s2 >= 256 {
				continue
			}
			old := &Checkpoint{Origin: lg.origin, Size: s1, RootHash: roots[s1]}
			cur := &Checkpoint{Origin: lg.origin, Size: s2, RootHash: roots[s2]}
			if err := m.consistent(context.Background(), l, old, cur); err != nil {
				t.Fatalf("%d -> %d: %v", s1, s2, err)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	lg := newTilesLog(t)
	m := newMonitor(t)
	l := &Log{Log: lg.trusted(), API: TLogTiles}

	lg.add(300, textEntry)
	u, err := m.Check(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if u.Old != nil || u.New.Size != 300 {
		t.Fatalf("first check: %+v", u)
	}
	lg.add(700, textEntry)
	u, err = m.Check(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if u.Old.Size != 300 || u.New.Size != 1000 {
		t.Fatalf("second check: old %+v new %+v", u.Old, u.New)
	}
	// Nothing new: still consistent.
	if u, err = m.Check(ctx, l); err != nil || u.New.Size != 1000 {
		t.Fatalf("%+v %v", u, err)
	}
}

// TestInconsistency shows each kind of inconsistency, with both checkpoints
// as evidence and the state left as it was.
func TestInconsistency(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		mutate func(lg *tilesLog)
		reason string
	}{
		{"rollback", func(lg *tilesLog) { lg.entries = lg.entries[:500] }, "rollback"},
		{"fork at the same size", func(lg *tilesLog) { lg.entries[10] = []byte("rewritten") }, "fork"},
		{"rewritten history, grown", func(lg *tilesLog) {
			lg.entries[10] = []byte("rewritten")
			lg.entries = append(lg.entries, []byte("more"))
		}, "bad consistency proof"},
		{"rewritten tile", func(lg *tilesLog) {
			lg.entries = append(lg.entries, []byte("more"))
			lg.rewrite = func(p string, data []byte) []byte {
				if strings.HasPrefix(p, "tile/0/") {
					data[0] ^= 1
				}
				return data
			}
		}, "bad consistency proof"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lg := newTilesLog(t)
			m := newMonitor(t)
			l := &Log{Log: lg.trusted(), API: TLogTiles}
			lg.add(1000, textEntry)
			first, err := m.Check(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			path := stateFile(m.dir, l.Log.BaseURL)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lg.mu.Lock()
			tt.mutate(lg)
			lg.ver++
			lg.mu.Unlock()
			_, err = m.Check(ctx, l)
			var ie *InconsistencyError
			if !errors.As(err, &ie) || ie.Reason != tt.reason {
				t.Fatalf("err = %v, want an InconsistencyError (%s)", err, tt.reason)
			}
			if string(ie.Old.Envelope) != string(first.New.Envelope) || ie.New == nil || ie.New.Size == 0 {
				t.Fatalf("evidence: %+v", ie)
			}
			// Both pieces of evidence are signed by the log.
			for _, c := range []*Checkpoint{ie.Old, ie.New} {
				if _, err := checkpoint.Open(c.Envelope, checkpoint.Log{BaseURL: l.Log.BaseURL, KeyID: [4]byte(l.Log.LogID), Key: l.Log.PublicKey}); err != nil {
					t.Fatalf("evidence does not verify: %v", err)
				}
			}
			after, err := os.ReadFile(path)
			if err != nil || string(after) != string(before) {
				t.Fatal("state advanced after an inconsistency")
			}
		})
	}
}

// TestCheckAnotherLog shows that a checkpoint signed by another key (a
// second instance under the same name) is not accepted as the log's.
func TestCheckAnotherLog(t *testing.T) {
	lg, other := newTilesLog(t), newTilesLog(t)
	lg.add(10, textEntry)
	other.add(10, textEntry)
	m := newMonitor(t)
	tl := lg.trusted()
	tl.BaseURL = other.srv.URL // the trusted root points at the other server
	_, err := m.Check(context.Background(), &Log{Log: tl, API: TLogTiles})
	var verr *checkpoint.VerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a checkpoint.VerificationError", err)
	}
}

// TestCheckConcurrent runs monitors of one state directory at once, as
// separate processes would: every check succeeds and the state ends at the
// newest checkpoint.
func TestCheckConcurrent(t *testing.T) {
	lg := newTilesLog(t)
	dir := t.TempDir()
	l := &Log{Log: lg.trusted(), API: TLogTiles}
	lg.add(100, textEntry)
	var wg sync.WaitGroup
	for range 8 {
		m, err := New(dir)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for range 5 {
				lg.add(7, textEntry)
				if _, err := m.Check(context.Background(), l); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st, err := readState(stateFile(dir, l.Log.BaseURL))
	if err != nil || !strings.HasPrefix(strings.SplitN(st.Checkpoint, "\n", 3)[1], "380") {
		t.Fatalf("final state %+v %v", st, err)
	}
}

// TestCheckAll checks several logs at once: each log's update and error are
// reported at its own index, so a rollback of one is told apart from the
// others' progress.
func TestCheckAll(t *testing.T) {
	ctx := context.Background()
	m := newMonitor(t)
	var logs []*Log
	var tl []*tilesLog
	for range 3 {
		lg := newTilesLog(t)
		lg.add(100, textEntry)
		tl = append(tl, lg)
		logs = append(logs, &Log{Log: lg.trusted(), API: TLogTiles})
	}
	if _, errs := m.CheckAll(ctx, logs, 2); errors.Join(errs...) != nil {
		t.Fatal(errs)
	}
	tl[0].add(50, textEntry)
	tl[1].mu.Lock()
	tl[1].entries = tl[1].entries[:40] // a rollback
	tl[1].ver++
	tl[1].mu.Unlock()
	updates, errs := m.CheckAll(ctx, logs, 2)
	var ie *InconsistencyError
	if errs[0] != nil || updates[0].Old.Size != 100 || updates[0].New.Size != 150 {
		t.Errorf("log 0: %+v, %v", updates[0], errs[0])
	}
	if updates[1] != nil || !errors.As(errs[1], &ie) || ie.Reason != "rollback" || ie.BaseURL != logs[1].Log.BaseURL {
		t.Errorf("log 1: %+v, %v; want a rollback of %s", updates[1], errs[1], logs[1].Log.BaseURL)
	}
	if errs[2] != nil || updates[2].New.Size != 100 {
		t.Errorf("log 2: %+v, %v", updates[2], errs[2])
	}
}
