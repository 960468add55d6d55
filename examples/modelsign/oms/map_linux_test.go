package oms

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// faultyWriter reads a page of other mapped memory its file no longer holds.
type faultyWriter struct{ other []byte }

func (w faultyWriter) Write(b []byte) (int, error) { return int(w.other[1<<20]) + len(b), nil }

// TestWriteMappedOtherFault: only a fault inside the mapped bytes given is
// errChanged; a fault elsewhere (here in other mapped memory, a bug rather
// than this file truncated) still panics.
func TestWriteMappedOtherFault(t *testing.T) {
	p := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(p, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	other, err := syscall.Mmap(int(f.Fd()), 0, 2<<20, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(other)
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	defer func() {
		r := recover()
		if _, fault := r.(interface{ Addr() uintptr }); !fault {
			t.Errorf("panic %v, want the fault outside the mapped bytes", r)
		}
	}()
	err = writeMapped(faultyWriter{other}, make([]byte, 4096))
	t.Errorf("writeMapped returned %v, want the fault to go on", err)
}
