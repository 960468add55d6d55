package witness

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

// FuzzParsePolicy checks that ParsePolicy never panics, and that a parsed
// policy is coherent: no cosignature satisfies it exactly when its quorum is
// "none", every cosignature satisfies it, and Satisfied asks about each
// witness at most once.
func FuzzParsePolicy(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if p != nil {
				t.Fatal("policy with error")
			}
			return
		}
		if p.Satisfied(func(*Key) bool { return false }) == p.RequiresCosignatures() {
			t.Fatalf("RequiresCosignatures = %v, but no cosignature satisfies: %v", p.RequiresCosignatures(), !p.RequiresCosignatures())
		}
		asked := map[*Key]bool{}
		if !p.Satisfied(func(k *Key) bool {
			if asked[k] {
				t.Fatalf("asked twice about %s", k.Name())
			}
			asked[k] = true
			return true
		}) {
			t.Fatal("every witness does not satisfy the policy")
		}
		if len(p.Witnesses()) > MaxComponents {
			t.Fatalf("%d witnesses", len(p.Witnesses()))
		}
	})
}

// FuzzCheckpointHead checks the checkpoint-head parser ML-DSA-44
// verification reads the signed tree from: what it accepts is exactly the
// first three lines of its input, re-encoded.
func FuzzCheckpointHead(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte) {
		origin, size, root, ok := checkpointHead(text)
		if !ok {
			return
		}
		head := origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
		if !strings.HasPrefix(string(text), head) {
			t.Fatalf("parsed %q from %q", head, text)
		}
	})
}
