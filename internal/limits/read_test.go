package limits

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if data, err := ReadFile(write("at", 10), 10); err != nil || len(data) != 10 {
		t.Errorf("file at the limit: %d bytes, %v; want 10, nil", len(data), err)
	}
	if data, err := ReadFile(write("empty", 0), 10); err != nil || len(data) != 0 {
		t.Errorf("empty file: %d bytes, %v", len(data), err)
	}
	if data, err := ReadFile(write("over", 11), 10); err == nil || data != nil || !strings.Contains(err.Error(), "larger than the limit of 10 bytes") {
		t.Errorf("file over the limit: %d bytes, %v; want the size error", len(data), err)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}
