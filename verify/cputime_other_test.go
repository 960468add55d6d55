//go:build !unix

package verify

import "testing"

// reportCPU runs f b.N times; CPU time is measured only on unix.
func reportCPU(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
