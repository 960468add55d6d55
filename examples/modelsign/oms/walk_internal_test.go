package oms

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestSymlinkFanOut: links to directories that fan out exponentially are
// cut off by the bound on visited entries, not followed for ever.
func TestSymlinkFanOut(t *testing.T) {
	defer func(n int) { maxEntries = n }(maxEntries)
	maxEntries = 10_000
	root := t.TempDir()
	// d0 holds two links to d1, d1 two to d2, ...: 2^20 paths to d20.
	for i := range 21 {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("d%d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		for _, l := range []string{"a", "b"} {
			if err := os.Symlink(fmt.Sprintf("../d%d", i+1), filepath.Join(root, fmt.Sprintf("d%d", i), l)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "d20", "leaf"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Serialize(context.Background(), root, Options{AllowSymlinks: true}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge", err)
	}
}
