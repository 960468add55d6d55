package oms

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// bufferSize is the read buffer of each hashing worker.
const bufferSize = 1 << 20

// job is one unit of hashing: a whole file, or bytes [off, off+n) of it.
type job struct {
	file  *file
	name  string // the resource name
	off   int64
	n     int64
	whole bool
}

// hashFiles hashes files as ser says, in parallel, and returns their
// resources in no particular order.
func hashFiles(ctx context.Context, files []file, ser Serialization, nworkers int) ([]Resource, error) {
	newHash, err := hasher(ser.HashType)
	if err != nil {
		return nil, err
	}
	var jobs []job
	for i := range files {
		f := &files[i]
		if ser.Method == MethodFiles {
			jobs = append(jobs, job{file: f, name: f.name, n: f.size, whole: true})
			continue
		}
		for off := int64(0); off < f.size; off += ser.ShardSize {
			n := min(ser.ShardSize, f.size-off)
			jobs = append(jobs, job{file: f, name: shardName(f.name, off, off+n), off: off, n: n})
			if len(jobs) > MaxResources {
				return nil, fmt.Errorf("%w: more than %d shards", ErrTooLarge, MaxResources)
			}
		}
	}
	// Largest first, so that the last jobs to finish are small ones.
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return jobs[order[a]].n > jobs[order[b]].n })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	res := make([]Resource, len(jobs))
	// Workers take the next job by index: no feeding goroutine to wake per
	// job, which for many small files costs more than the handoff saves.
	var taken atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for range min(workers(nworkers), max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bufferSize)
			h := newHash()
			for ctx.Err() == nil {
				k := int(taken.Add(1) - 1)
				if k >= len(order) {
					return
				}
				i := order[k]
				j := &jobs[i]
				h.Reset()
				if err := j.hash(ctx, h, buf); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				res[i] = Resource{Name: j.name, Digest: hex.EncodeToString(h.Sum(nil)), Algorithm: ser.HashType}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

var (
	errChanged   = errors.New("changed while it was hashed")
	errCannotMap = errors.New("cannot be mapped")
)

// fileReader is an open model file (see openFile).
type fileReader interface {
	io.Reader
	io.ReaderAt
	io.Closer
}

// mappedFile is a fileReader that can also be hashed from memory mappings
// (on Linux; see map_linux.go). A file system that cannot map the file (some
// FUSE file systems, for one) makes hashMapped fail with errCannotMap before
// it writes anything, and the file is read instead.
type mappedFile interface {
	hashMapped(ctx context.Context, h io.Writer, off, n int64) error
	size() (int64, error)
}

// hash reads the job's bytes once into h.
func (j *job) hash(ctx context.Context, h io.Writer, buf []byte) error {
	f, err := openFile(j.file.path)
	if err != nil {
		return err
	}
	defer f.Close()
	return j.hashFrom(ctx, f, h, buf)
}

// hashFrom hashes the job from f, mapped when it can be (see mapMin), else
// read into buf.
func (j *job) hashFrom(ctx context.Context, f fileReader, h io.Writer, buf []byte) error {
	if mf, ok := f.(mappedFile); ok && j.n >= mapMin {
		err := j.hashMapped(ctx, mf, h)
		if !errors.Is(err, errCannotMap) {
			return err
		}
		// Nothing was written to h: read the file instead.
	}
	var done int64
	var err error
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int
		if j.whole {
			// One byte more than the size the enumeration saw: a short read
			// of exactly the rest ends the file without another read for
			// EOF (one read per small file), a full one shows it grew.
			want := buf[:min(int64(len(buf)), max(j.n-done, 0)+1)]
			n, err = f.Read(want)
			h.Write(want[:n])
			done += int64(n)
			if err == nil && n < len(want) && done == j.n || done > j.n {
				break
			}
		} else {
			want := buf[:min(int64(len(buf)), j.n-done)]
			if len(want) == 0 {
				break
			}
			n, err = f.ReadAt(want, j.off+done)
			h.Write(want[:n])
			done += int64(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", j.file.name, err)
		}
	}
	if done != j.n {
		// The size the resource names (shards) or the enumeration saw
		// (files) is no longer the file's.
		return fmt.Errorf("%s: %w (%d bytes, expected %d)", j.file.name, errChanged, done, j.n)
	}
	return nil
}

// hashMapped hashes the job from mappings of f. Once it is hashed, a whole
// file must still have the size the enumeration saw, and a shard's file must
// still hold the shard: a mapping reads zeros, not a fault, past the end of
// a file within its last page.
func (j *job) hashMapped(ctx context.Context, f mappedFile, h io.Writer) error {
	if err := f.hashMapped(ctx, h, j.off, j.n); err != nil {
		return fmt.Errorf("%s: %w", j.file.name, err)
	}
	size, err := f.size()
	if err != nil {
		return fmt.Errorf("%s: %w", j.file.name, err)
	}
	if j.whole && size != j.n {
		return fmt.Errorf("%s: %w (%d bytes, expected %d)", j.file.name, errChanged, size, j.n)
	}
	if size < j.off+j.n {
		return fmt.Errorf("%s: %w (%d bytes, expected at least %d)", j.file.name, errChanged, size, j.off+j.n)
	}
	return nil
}
