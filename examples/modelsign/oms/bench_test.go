package oms

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// benchBytes is the model size of the benchmarks: 256 MiB, or
// $MODELSIGN_BENCH_BYTES (the figures in the report use 4 GiB:
// MODELSIGN_BENCH_BYTES=4294967296).
func benchBytes(b *testing.B) int64 {
	if s := os.Getenv("MODELSIGN_BENCH_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("MODELSIGN_BENCH_BYTES=%q", s)
		}
		return n
	}
	return 256 << 20
}

// makeModel writes a model of size bytes in n files of equal size, and
// reads it once so that it is in the page cache. The caller removes it.
func makeModel(b *testing.B, n int, size int64) (string, []string) {
	b.Helper()
	dir, err := os.MkdirTemp("", fmt.Sprintf("modelsign-bench-%d-", n))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	per := size / int64(n)
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%03d", i%100), fmt.Sprintf("f%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		for left := per; left > 0; {
			k := min(left, int64(len(buf)))
			if _, err := f.Write(buf[:k]); err != nil {
				b.Fatal(err)
			}
			left -= k
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	readAll(b, paths)
	return dir, paths
}

// readAll reads every file once, on GOMAXPROCS goroutines with 1 MiB
// buffers, as the hashing workers do (openFile), and discards the bytes: the
// read-speed floor.
func readAll(b *testing.B, paths []string) {
	next := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for p := range next {
				f, err := openFile(p)
				if err != nil {
					b.Error(err)
					continue
				}
				for {
					if _, err := f.Read(buf); err == io.EOF {
						break
					} else if err != nil {
						b.Error(err)
						break
					}
				}
				f.Close()
			}
		}()
	}
	for _, p := range paths {
		next <- p
	}
	close(next)
	wg.Wait()
}

// BenchmarkModel measures serializing (signing's hashing) and verifying a
// model of benchBytes bytes from the page cache, in 10 and in 10,000 files,
// and a single file in shards, beside the floors measured in the same run:
// reading the files without hashing, and SHA-256 on every core and on one;
// and serializing with every file read rather than mapped (serialize-read).
// The target: serialize ≥ 90% of min(sha256-all-cores, read), and 10,000
// files within 10% of 10.
func BenchmarkModel(b *testing.B) {
	size := benchBytes(b)
	ctx := context.Background()
	// The floors hash size bytes of memory, so that their ns/op compare
	// with the model's.
	block := make([]byte, 1<<20)
	hashBytes := func(n int64) {
		h := sha256.New()
		for ; n > 0; n -= int64(len(block)) {
			h.Write(block[:min(n, int64(len(block)))])
		}
		h.Sum(nil)
	}
	b.Run("floor=sha256-one-core", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			hashBytes(size)
		}
	})
	b.Run("floor=sha256-all-cores", func(b *testing.B) {
		procs := runtime.GOMAXPROCS(0)
		b.SetBytes(size)
		for b.Loop() {
			var wg sync.WaitGroup
			for range procs {
				wg.Add(1)
				go func() { defer wg.Done(); hashBytes(size / int64(procs)) }()
			}
			wg.Wait()
		}
	})
	// One model at a time on disk and in the page cache.
	for _, n := range []int{10, 10000} {
		dir, paths := makeModel(b, n, size)
		b.Run(fmt.Sprintf("files=%d/floor=read", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				readAll(b, paths)
			}
		})
		var m *Manifest
		b.Run(fmt.Sprintf("files=%d/serialize", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				var err error
				if m, err = Serialize(ctx, dir, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The same, every file read into the buffer instead of mapped
		// (see mapMin): what the mappings save.
		b.Run(fmt.Sprintf("files=%d/serialize-read", n), func(b *testing.B) {
			defer func(n int64) { mapMin = n }(mapMin)
			mapMin = math.MaxInt64
			b.SetBytes(size)
			for b.Loop() {
				if _, err := Serialize(ctx, dir, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("files=%d/verify", n), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if err := VerifyModel(ctx, dir, m, VerifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		os.RemoveAll(dir)
	}
	dir, _ := makeModel(b, 1, size)
	defer os.RemoveAll(dir)
	b.Run("files=1/shards", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := Serialize(ctx, dir, Options{ShardSize: max(size/16, 1)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
