package rekor

import (
	"strconv"
	"strings"
	"testing"
)

func unquote(t testing.TB, line, prefix string) string {
	t.Helper()
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, prefix) || !strings.HasSuffix(line, ")") {
		t.Fatalf("bad corpus line %q", line)
	}
	s, err := strconv.Unquote(line[len(prefix) : len(line)-1])
	if err != nil {
		t.Fatalf("bad corpus line %q: %v", line, err)
	}
	return s
}
