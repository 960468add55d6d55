package oms

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHashJob holds both ways a job is hashed, read into a buffer and (on
// Linux, from mapMin bytes) mapped, to the SHA-256 of the bytes it names:
// whole files around mapMin, and shards at unaligned offsets that cross
// mapping windows.
func TestHashJob(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 2*(16<<20)+12345)
	rand.NewChaCha8([32]byte{1}).Read(data)
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	type tc struct {
		size   int64 // file size (whole) or 0 (a shard of big)
		off, n int64
	}
	var cases []tc
	for _, size := range []int64{0, 1, 255 << 10, 256<<10 - 1, 256 << 10, 256<<10 + 1, 1<<20 + 7, int64(len(data))} {
		cases = append(cases, tc{size: size, n: size})
	}
	for _, s := range [][2]int64{{0, 1}, {1, 300 << 10}, {4095, 16<<20 + 1}, {16<<20 - 3, 7 << 20}, {int64(len(data)) - 5, 5}, {12345, 32 << 20}} {
		cases = append(cases, tc{off: s[0], n: s[1]})
	}
	buf := make([]byte, bufferSize)
	for _, c := range cases {
		name := fmt.Sprintf("whole %d", c.size)
		j := job{name: "f", off: c.off, n: c.n, whole: c.size > 0 || c.n == 0}
		want := data[c.off : c.off+c.n]
		if j.whole {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data[:c.size], 0o644); err != nil {
				t.Fatal(err)
			}
			j.file = &file{name: "f", path: p, size: c.size}
		} else {
			name = fmt.Sprintf("shard %d+%d", c.off, c.n)
			j.file = &file{name: "f", path: big, size: int64(len(data))}
		}
		h := sha256.New()
		if err := j.hash(context.Background(), h, buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got, want := h.Sum(nil), sha256.Sum256(want); !bytes.Equal(got, want[:]) {
			t.Errorf("%s: digest %x, want %x", name, got, want)
		}
	}
}

// TestHashJobChanged: a file whose size is not the one the enumeration saw,
// or that no longer holds a shard, is errChanged, on both ways of hashing.
// Past the end of a file within its last page a mapping reads zeros, so only
// the size check after hashing can tell; a whole page gone faults, and the
// fault is the error, not a crash.
func TestHashJobChanged(t *testing.T) {
	dir := t.TempDir()
	buf := make([]byte, bufferSize)
	for _, c := range []struct {
		name         string
		actual, seen int64
		shard        bool
		fault        bool // mapped and a whole page gone: the fault is the error
	}{
		{"read, grew", 1000, 990, false, false},
		{"read, shrank", 990, 1000, false, false},
		{"mapped, grew", 1 << 20, 1<<20 - 10, false, false},
		{"mapped, shrank within the last page", 1<<20 + 100, 1<<20 + 200, false, false},
		{"mapped, shrank by pages", 300 << 10, 8 << 20, false, true},
		{"mapped shard past the end", 1<<20 + 100, 1<<20 + 200, true, false},
		{"mapped shard pages past the end", 300 << 10, 8 << 20, true, true},
	} {
		p := filepath.Join(dir, c.name)
		if err := os.WriteFile(p, make([]byte, c.actual), 0o644); err != nil {
			t.Fatal(err)
		}
		j := job{file: &file{name: "f", path: p, size: c.seen}, name: "f", n: c.seen, whole: !c.shard}
		err := j.hash(context.Background(), sha256.New(), buf)
		if !errors.Is(err, errChanged) {
			t.Errorf("%s: %v, want errChanged", c.name, err)
		} else if fault := strings.Contains(err.Error(), "(truncated)"); runtime.GOOS == "linux" && fault != c.fault {
			t.Errorf("%s: %v: fault %v, want %v", c.name, err, fault, c.fault)
		}
	}
}

// unmappable is a file on a file system that cannot map it.
type unmappable struct{ *os.File }

func (unmappable) hashMapped(context.Context, io.Writer, int64, int64) error {
	return fmt.Errorf("%w: %w", errCannotMap, errors.New("no such device"))
}

func (u unmappable) size() (int64, error) {
	st, err := u.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// TestHashJobUnmappable: a file the file system cannot map is read instead.
func TestHashJobUnmappable(t *testing.T) {
	data := make([]byte, 1<<20+3)
	rand.NewChaCha8([32]byte{2}).Read(data)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer func(n int64) { mapMin = n }(mapMin)
	mapMin = 1 // every job would be mapped
	for _, j := range []job{
		{file: &file{name: "f", path: p, size: int64(len(data))}, name: "f", n: int64(len(data)), whole: true},
		{file: &file{name: "f", path: p, size: int64(len(data))}, name: "f", off: 7, n: 1 << 19},
	} {
		h := sha256.New()
		if err := j.hashFrom(context.Background(), unmappable{f}, h, make([]byte, bufferSize)); err != nil {
			t.Fatalf("%+v: %v", j, err)
		}
		if got, want := h.Sum(nil), sha256.Sum256(data[j.off:j.off+j.n]); !bytes.Equal(got, want[:]) {
			t.Errorf("%d+%d: digest %x, want %x", j.off, j.n, got, want)
		}
	}
}
