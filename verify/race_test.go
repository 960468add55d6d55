//go:build race

package verify

// boundsBundleSize under the race detector, which slows the decoders
// tenfold: large enough for every worst case to reach the limit it tests.
const boundsBundleSize = 8 << 20
