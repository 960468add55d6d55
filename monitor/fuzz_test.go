package monitor

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"testing"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/policy"
)

// FuzzParseEntryBundle checks that ParseEntryBundle never panics, never
// returns more entries than asked, and that what it accepts re-encodes to
// its input.
func FuzzParseEntryBundle(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, max uint8) {
		entries, err := ParseEntryBundle(data, int(max))
		if err != nil {
			return
		}
		if len(entries) > int(max) {
			t.Fatalf("%d entries, max %d", len(entries), max)
		}
		var out []byte
		for _, e := range entries {
			out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
			out = append(out, e...)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("re-encoded %x, input %x", out, data)
		}
	})
}

// FuzzParseHashTile checks the hash-tile decoder: a tile is accepted only
// as exactly w hashes of 32 bytes.
func FuzzParseHashTile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, w uint16) {
		hs, err := parseHashTile(data, int(w))
		if err != nil {
			return
		}
		if len(hs) != int(w) || len(data) != 32*int(w) {
			t.Fatalf("%d hashes from %d bytes, w %d", len(hs), len(data), w)
		}
		for i, h := range hs {
			if !bytes.Equal(h, data[32*i:32*i+32]) {
				t.Fatal("hash does not match the tile")
			}
		}
	})
}

// FuzzMatch checks that matching log entries (the body decoder, the
// certificate parser and the policies) never panics on what a log serves.
func FuzzMatch(f *testing.F) {
	ev := samples.SigningEvent(f)
	list := &WatchList{
		Identities:              []policy.Policy{policy.Identity("http://127.0.0.1:8088", "alice@example.com")},
		PublicKeys:              []crypto.PublicKey{ev.PublicKey},
		CertificateFingerprints: [][32]byte{{1}},
		Digests:                 []Digest{{Alg: crypto.SHA256, Value: ev.Digest}},
	}
	match := list.matcher()
	f.Fuzz(func(t *testing.T, body []byte) {
		kind, reasons := match.match(body)
		if reasons != nil && kind == "" {
			t.Fatalf("reasons %q without a kind", reasons)
		}
	})
}
