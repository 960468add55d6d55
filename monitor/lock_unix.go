//go:build unix

package monitor

import (
	"os"
	"syscall"
)

// lock takes an exclusive advisory lock on path+".lock", blocking until it
// is free, so that processes sharing a state directory update one log's
// state one at a time. The returned function releases it.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
