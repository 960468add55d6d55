// Package streamhash hashes a stream: one read of a reader to its end, any
// number of digests of it at once, in constant memory (a pooled buffer),
// the context checked between reads. Package sign hashes artifacts with it
// before signing them and package verify before matching them.
package streamhash

import (
	"context"
	"crypto"
	"fmt"
	"hash"
	"io"
	"sync"
)

// bufferSize is the size of each read.
const bufferSize = 256 << 10

var buffers = sync.Pool{New: func() any { b := make([]byte, bufferSize); return &b }}

// Sum reads r to its end once and returns its digest under each of algs,
// which must be available (linked into the binary). ctx is checked before
// each read; its error is returned as is. A read error is returned as is.
func Sum(ctx context.Context, r io.Reader, algs ...crypto.Hash) (map[crypto.Hash][]byte, error) {
	if len(algs) == 0 {
		return nil, fmt.Errorf("streamhash: no hash function")
	}
	hs := make([]hash.Hash, len(algs))
	for i, a := range algs {
		if !a.Available() {
			return nil, fmt.Errorf("streamhash: hash %v unavailable", a)
		}
		hs[i] = a.New()
	}
	bufp := buffers.Get().(*[]byte)
	defer buffers.Put(bufp)
	buf := *bufp
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := r.Read(buf)
		for _, h := range hs {
			h.Write(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make(map[crypto.Hash][]byte, len(algs))
	for i, a := range algs {
		out[a] = hs[i].Sum(nil)
	}
	return out, nil
}
