//go:build !race

package verify

import "github.com/sigil-dev/sigil/internal/limits"

// boundsBundleSize is the JSON size the worst cases aim at: just under
// limits.MaxBundleSize, leaving room for the rest of the bundle.
const boundsBundleSize = limits.MaxBundleSize - 2<<20
