//go:build unix

package oms_test

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

// TestNonRegularFile: a named pipe in a model is refused (reading it could
// block for ever).
func TestNonRegularFile(t *testing.T) {
	root := writeTree(t, map[string]string{"ok": "x"})
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := oms.Serialize(context.Background(), root, oms.Options{}); !errors.Is(err, oms.ErrFileType) {
		t.Fatalf("fifo: %v, want ErrFileType", err)
	}
}
