//go:build linux

package oms

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"
	"unsafe"
)

// Jobs of at least mapMin bytes are hashed from read-only mappings of the
// file, mapWindow bytes at a time, instead of read into a buffer: from the
// page cache this spares the copy into the buffer, about a tenth of one
// core's time at SHA-256 speed. Smaller jobs are read, where a mapping's
// system calls cost about as much as the copy. (A variable only so that
// BenchmarkModel can measure reading beside it.)
var mapMin int64 = 256 << 10

// mapWindow bounds one mapping, and so the memory a worker maps at once.
const mapWindow = 16 << 20

// hashMapped writes bytes [off, off+n) of f to h from mappings of at most
// mapWindow bytes, one at a time, and checks ctx between them. A page the
// file no longer holds (it was truncated while it was hashed) is errChanged,
// not a crash: the fault becomes a panic in this goroutine, recovered in
// writeMapped.
func (f rawFile) hashMapped(ctx context.Context, h io.Writer, off, n int64) error {
	page := int64(os.Getpagesize())
	for done := int64(0); done < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := off + done
		base := start &^ (page - 1)
		k := min(n-done, mapWindow)
		m, err := syscall.Mmap(int(f), base, int(start-base+k), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
		if err != nil && done == 0 {
			return fmt.Errorf("%w: %w", errCannotMap, err)
		}
		if err != nil {
			return fmt.Errorf("mmap: %w", err)
		}
		err = writeMapped(h, m[start-base:])
		if uerr := syscall.Munmap(m); err == nil && uerr != nil {
			err = fmt.Errorf("munmap: %w", uerr)
		}
		if err != nil {
			return err
		}
		done += k
	}
	return nil
}

// writeMapped writes p, mapped memory, to h, and reports a fault reading it
// as errChanged. Any other panic, a fault at an address outside p included,
// is not ours and goes on.
func writeMapped(h io.Writer, p []byte) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			fault, ok := r.(interface{ Addr() uintptr })
			first := uintptr(unsafe.Pointer(unsafe.SliceData(p)))
			if !ok || fault.Addr() < first || fault.Addr()-first >= uintptr(len(p)) {
				panic(r)
			}
			err = fmt.Errorf("%w (truncated)", errChanged)
		}
	}()
	h.Write(p)
	return nil
}

// size is the file's current size.
func (f rawFile) size() (int64, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Fstat(int(f), &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("fstat: %w", err)
		}
		return st.Size, nil
	}
}
