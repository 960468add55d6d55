package monitor

import (
	"context"
	"crypto"
	"crypto/sha256"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/policy"
)

// BenchmarkWatch scans 25,600 recorded Rekor v2 hashedrekord entries (with
// a Fulcio certificate each) from a local copy of a tlog-tiles log, every
// batch bound to the checkpoint: matching every entry against an identity,
// a key, a certificate fingerprint and a digest (watch-all: each body
// decoded and each certificate parsed), against digests only, and against
// nothing (no body decoded). The floor is SHA-256 of the same leaves (the
// Merkle leaf hashes alone).
func BenchmarkWatch(b *testing.B) {
	const n = 100 * 256
	certBody, _ := recordedBodies(b)
	ev := samples.SigningEvent(b)
	lg := newTilesLog(b)
	lg.add(n, func(int) []byte { return certBody })
	dir := b.TempDir()
	lg.writeDir(b, dir)
	l := &Log{Log: lg.trusted(), API: TLogTiles, ReadURL: "file://" + dir}
	fp := sha256.Sum256(ev.Certificate.Raw)
	list := &WatchList{
		Identities:              []policy.Policy{policy.Identity("http://127.0.0.1:8088", "alice@example.com")},
		PublicKeys:              []crypto.PublicKey{ev.PublicKey},
		CertificateFingerprints: [][32]byte{fp},
		Digests:                 []Digest{{Alg: crypto.SHA256, Value: ev.Digest}},
	}
	ctx := context.Background()

	b.Run("floor-sha256-leaves", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for range n {
				rfc6962.DefaultHasher.HashLeaf(certBody)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	})
	for _, bc := range []struct {
		name string
		list *WatchList
	}{
		{"watch-all", list}, // every certificate parsed and judged
		{"watch-digests", &WatchList{Digests: list.Digests}},
		{"watch-nothing", &WatchList{}}, // leaves bound, bodies not decoded
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m, err := New(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				if _, err := m.Check(ctx, l); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				matches := 0
				got, err := m.Watch(ctx, l, bc.list, 0, func(Match) error { matches++; return nil })
				want := n
				if bc.list.empty() {
					want = 0
				}
				if err != nil || got != n || matches != want {
					b.Fatalf("Watch = %d, %v, %d matches", got, err, matches)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
