package monitor

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/policy"
)

// recordedBodies returns the bodies of the recorded Rekor v2 entries: a
// hashedrekord with the Fulcio certificate and one with the bare key.
func recordedBodies(t testing.TB) (cert, key []byte) {
	t.Helper()
	get := func(name string) []byte {
		var r struct {
			CanonicalizedBody string `json:"canonicalizedBody"`
		}
		if err := json.Unmarshal(samples.Read(t, name), &r); err != nil {
			t.Fatal(err)
		}
		b, err := base64.StdEncoding.DecodeString(r.CanonicalizedBody)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return get("rekor2-response.json"), get("rekor2-pubkey-response.json")
}

func TestParseEntryBundle(t *testing.T) {
	got, err := ParseEntryBundle([]byte{0, 1, 'a', 0, 0, 0, 2, 'b', 'c'}, 256)
	if err != nil || len(got) != 3 || string(got[0]) != "a" || len(got[1]) != 0 || string(got[2]) != "bc" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range [][]byte{{0}, {0, 2, 'a'}, {0, 1}} {
		if _, err := ParseEntryBundle(bad, 256); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	if _, err := ParseEntryBundle([]byte{0, 0, 0, 0}, 1); err == nil {
		t.Error("more than max entries accepted")
	}
}

func TestWatch(t *testing.T) {
	ctx := context.Background()
	certBody, keyBody := recordedBodies(t)
	ev := samples.SigningEvent(t)
	lg := newTilesLog(t)
	m := newMonitor(t)
	l := &Log{Log: lg.trusted(), API: TLogTiles}
	// 600 entries: the recorded ones at 5, 300 and 599 (second bundle,
	// and the last, partial, bundle), text everywhere else.
	at := map[int][]byte{5: certBody, 300: keyBody, 599: certBody}
	lg.add(600, func(i int) []byte {
		if b, ok := at[i]; ok {
			return b
		}
		return textEntry(i)
	})
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(ev.Certificate.Raw)
	list := &WatchList{
		Identities:              []policy.Policy{policy.Identity("http://127.0.0.1:8088", "alice@example.com")},
		PublicKeys:              []crypto.PublicKey{ev.PublicKey},
		CertificateFingerprints: [][32]byte{fp},
		Digests:                 []Digest{{Alg: crypto.SHA256, Value: ev.Digest}},
	}
	var got []Match
	n, err := m.Watch(ctx, l, list, 3, func(mt Match) error { got = append(got, mt); return nil })
	if err != nil || n != 600 {
		t.Fatalf("Watch = %d, %v", n, err)
	}
	var idx []uint64
	for _, mt := range got {
		idx = append(idx, mt.Index)
	}
	if !slices.Equal(idx, []uint64{5, 300, 599}) {
		t.Fatalf("matches at %v", idx)
	}
	want := map[uint64][]string{
		5:   {"digest", "certificate", "identity", "public key"},
		300: {"digest", "public key"},
	}
	for _, mt := range got[:2] {
		if mt.Kind != "hashedrekord/0.0.2" || mt.BaseURL != lg.srv.URL {
			t.Errorf("match %+v", mt)
		}
		for _, r := range want[mt.Index] {
			if !slices.ContainsFunc(mt.Reasons, func(s string) bool { return strings.HasPrefix(s, r) }) {
				t.Errorf("entry %d: reasons %q lack %q", mt.Index, mt.Reasons, r)
			}
		}
		if len(mt.Reasons) != len(want[mt.Index]) {
			t.Errorf("entry %d: reasons %q", mt.Index, mt.Reasons)
		}
	}

	// Resumes where it stopped: nothing new, then only the new entries.
	if n, err := m.Watch(ctx, l, list, 3, func(Match) error { t.Fatal("match"); return nil }); err != nil || n != 0 {
		t.Fatalf("second Watch = %d, %v", n, err)
	}
	lg.add(10, func(int) []byte { return keyBody })
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	got = nil
	n, err = m.Watch(ctx, l, list, 3, func(mt Match) error { got = append(got, mt); return nil })
	if err != nil || n != 10 || len(got) != 10 || got[0].Index != 600 {
		t.Fatalf("third Watch = %d, %v, %d matches", n, err, len(got))
	}
	// A watch list that names nobody matches nothing.
	other := &WatchList{Identities: []policy.Policy{policy.Identity("http://127.0.0.1:8088", "bob@example.com")}}
	lg.add(1, func(int) []byte { return certBody })
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Watch(ctx, l, other, 1, func(Match) error { t.Fatal("match"); return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestWatchInterrupted shows that a Watch stopped by its report function
// resumes after the last batch it reported, and that entries a log serves
// that are not its tree's are an error, not matches.
func TestWatchInterrupted(t *testing.T) {
	ctx := context.Background()
	certBody, _ := recordedBodies(t)
	lg := newTilesLog(t)
	m := newMonitor(t)
	l := &Log{Log: lg.trusted(), API: TLogTiles}
	lg.add(1000, func(int) []byte { return certBody })
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	list := &WatchList{Identities: []policy.Policy{policy.Identity("http://127.0.0.1:8088", "alice@example.com")}}
	stop := errors.New("stop")
	var seen []uint64
	_, err := m.Watch(ctx, l, list, 2, func(mt Match) error {
		seen = append(seen, mt.Index)
		if mt.Index == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	seen = nil
	n, err := m.Watch(ctx, l, list, 2, func(mt Match) error { seen = append(seen, mt.Index); return nil })
	// The first bundle (0..255) was recorded as done; the second is read again.
	if err != nil || n != 1000-256 || seen[0] != 256 || len(seen) != 1000-256 {
		t.Fatalf("resumed Watch = %d, %v, first %v", n, err, seen[:1])
	}

	// A log whose entry bundles do not match its tree.
	lg2 := newTilesLog(t)
	l2 := &Log{Log: lg2.trusted(), API: TLogTiles}
	lg2.add(300, func(int) []byte { return certBody })
	if _, err := m.Check(ctx, l2); err != nil {
		t.Fatal(err)
	}
	lg2.mu.Lock()
	lg2.rewrite = func(p string, data []byte) []byte {
		if strings.HasPrefix(p, "tile/entries/") {
			data[len(data)-1] ^= 1
		}
		return data
	}
	lg2.mu.Unlock()
	_, err = m.Watch(ctx, l2, list, 2, func(Match) error { t.Fatal("match from entries not in the tree"); return nil })
	if err == nil || !strings.Contains(err.Error(), "not in the checkpoint's tree") {
		t.Fatalf("err = %v", err)
	}
}

// TestLeftSiblings checks the compact range taken from inclusion proofs
// (Rekor v1's way to skip entries) against one built leaf by leaf.
func TestLeftSiblings(t *testing.T) {
	var entries [][]byte
	for i := range 300 {
		entries = append(entries, textEntry(i))
	}
	lv := levels(entries)
	rf := &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	for _, n := range []uint64{1, 2, 3, 7, 8, 100, 256, 257, 300} {
		rng := rf.NewEmptyRange(0)
		for i := range n {
			nodes, err := proof.Inclusion(i, n)
			if err != nil {
				t.Fatal(err)
			}
			hs := make([][]byte, len(nodes.IDs))
			for k, id := range nodes.IDs {
				hs[k] = nodeHash(lv, id.Level, id.Index)
			}
			path, err := nodes.Rehash(hs, rfc6962.DefaultHasher.HashChildren)
			if err != nil {
				t.Fatal(err)
			}
			left, err := leftSiblings(i, n, path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(left, rng.Hashes(), bytes.Equal) {
				t.Fatalf("leaf %d of %d: %d left siblings, compact range of %d", i, n, len(left), len(rng.Hashes()))
			}
			rng.Append(rfc6962.DefaultHasher.HashLeaf(entries[i]), nil)
		}
		if _, err := leftSiblings(n, n, nil); err == nil {
			t.Error("leaf outside the tree accepted")
		}
	}
}

// nodeHash is the hash of the perfect subtree (level, index).
func nodeHash(lv [][][]byte, level uint, index uint64) []byte { return lv[level][index] }

func TestSkipEntries(t *testing.T) {
	ctx := context.Background()
	certBody, _ := recordedBodies(t)
	lg := newTilesLog(t)
	m := newMonitor(t)
	l := &Log{Log: lg.trusted(), API: TLogTiles}
	lg.add(1000, func(int) []byte { return certBody })
	if _, err := m.SkipEntries(ctx, l); err == nil {
		t.Fatal("SkipEntries before Check")
	}
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	if n, err := m.SkipEntries(ctx, l); err != nil || n != 1000 {
		t.Fatalf("SkipEntries = %d, %v", n, err)
	}
	if n, err := m.SkipEntries(ctx, l); err != nil || n != 0 {
		t.Fatalf("second SkipEntries = %d, %v", n, err)
	}
	lg.add(5, func(int) []byte { return certBody })
	if _, err := m.Check(ctx, l); err != nil {
		t.Fatal(err)
	}
	list := &WatchList{Identities: []policy.Policy{policy.Identity("http://127.0.0.1:8088", "alice@example.com")}}
	var got []uint64
	n, err := m.Watch(ctx, l, list, 0, func(mt Match) error { got = append(got, mt.Index); return nil })
	if err != nil || n != 5 || !slices.Equal(got, []uint64{1000, 1001, 1002, 1003, 1004}) {
		t.Fatalf("Watch after skipping = %d, %v, %v", n, err, got)
	}
}
