//go:build !linux

package oms

import "math"

// Elsewhere every job is read (see map_linux.go); no fileReader is a
// mappedFile.
var mapMin int64 = math.MaxInt64
