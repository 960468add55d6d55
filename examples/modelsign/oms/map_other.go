//go:build !linux

package oms

// Elsewhere every job is read (see map_linux.go); no fileReader is a
// mappedFile.
var mapMin int64 = 1<<63 - 1
