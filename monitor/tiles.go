package monitor

import (
	"context"
	"fmt"
	"strconv"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// TileHeight is the height of a tlog-tiles tile: a full tile holds 2^8 = 256
// hashes (or entries).
const TileHeight = 8

const tileWidth = 1 << TileHeight

// TilePath returns the path, relative to a tlog-tiles log's read URL, of
// tile N at level L with width w (1 to 256; a full tile has width 256 and no
// ".p/<w>" suffix), as c2sp.org/tlog-tiles spells it: N in groups of three
// decimal digits, every group but the last prefixed with "x". Level -1
// is not valid here; see EntryBundlePath.
func TilePath(level uint, n uint64, w int) string {
	return "tile/" + strconv.FormatUint(uint64(level), 10) + "/" + tileIndex(n, w)
}

// EntryBundlePath returns the path of entry bundle N of width w, the
// entries of tile N at level 0.
func EntryBundlePath(n uint64, w int) string {
	return "tile/entries/" + tileIndex(n, w)
}

func tileIndex(n uint64, w int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n >= 1000 {
		n /= 1000
		s = fmt.Sprintf("x%03d/", n%1000) + s
	}
	if w < tileWidth {
		s += ".p/" + strconv.Itoa(w)
	}
	return s
}

// parseHashTile checks that a hash tile of the expected width is w
// consecutive 32-byte hashes.
func parseHashTile(data []byte, w int) ([][]byte, error) {
	if len(data) != w*32 {
		return nil, fmt.Errorf("hash tile of %d bytes, want %d hashes of 32 bytes", len(data), w)
	}
	h := make([][]byte, w)
	for i := range h {
		h[i] = data[i*32 : (i+1)*32 : (i+1)*32]
	}
	return h, nil
}

// tileReader reads hash tiles of a tree of a given size, caching them for
// one proof.
type tileReader struct {
	size  uint64
	fetch func(ctx context.Context, path string) ([]byte, error)
	cache map[string][][]byte
}

// stored returns the hash stored at level 8*tl, index i, of the tree: entry
// i%256 of tile (tl, i/256), which is full or partial depending on the size.
func (r *tileReader) stored(ctx context.Context, tl uint, i uint64) ([]byte, error) {
	n := r.size >> (TileHeight * tl) // hashes stored at this level
	if i >= n {
		return nil, fmt.Errorf("node %d at level %d is beyond the tree of size %d", i, TileHeight*tl, r.size)
	}
	t := i / tileWidth
	w := tileWidth
	if (t+1)*tileWidth > n {
		w = int(n % tileWidth)
	}
	path := TilePath(tl, t, w)
	hashes, ok := r.cache[path]
	if !ok {
		data, err := r.fetch(ctx, path)
		if err != nil && w < tileWidth && notFound(err) {
			// The log grew and replaced the partial tile by a full
			// one (c2sp.org/tlog-tiles allows either); its first w
			// hashes are the same.
			if data, err = r.fetch(ctx, TilePath(tl, t, tileWidth)); err == nil && len(data) == tileWidth*32 {
				data = data[:w*32]
			}
		}
		if err != nil {
			return nil, err
		}
		if hashes, err = parseHashTile(data, w); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r.cache[path] = hashes
	}
	return hashes[i%tileWidth], nil
}

// node returns the hash of the perfect subtree id, computed from the
// hashes stored at the highest tile level at or below it.
func (r *tileReader) node(ctx context.Context, id compact.NodeID) ([]byte, error) {
	tl := id.Level / TileHeight
	up := id.Level % TileHeight
	first := id.Index << up
	level := make([][]byte, 0, 1<<up)
	for j := range uint64(1) << up {
		h, err := r.stored(ctx, tl, first+j)
		if err != nil {
			return nil, err
		}
		level = append(level, h)
	}
	for len(level) > 1 {
		next := level[:0:0]
		for k := 0; k < len(level); k += 2 {
			next = append(next, rfc6962.DefaultHasher.HashChildren(level[k], level[k+1]))
		}
		level = next
	}
	return level[0], nil
}

// consistencyFromTiles computes the RFC 6962 consistency proof from size1 to
// size2 out of the hash tiles of the tree of size2. Nothing here is trusted:
// the caller verifies the proof against both signed root hashes.
func consistencyFromTiles(ctx context.Context, fetch func(context.Context, string) ([]byte, error), size1, size2 uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, err
	}
	r := &tileReader{size: size2, fetch: fetch, cache: map[string][][]byte{}}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		if hashes[i], err = r.node(ctx, id); err != nil {
			return nil, err
		}
	}
	return nodes.Rehash(hashes, rfc6962.DefaultHasher.HashChildren)
}
