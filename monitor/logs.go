package monitor

import (
	"strings"

	"github.com/sigil-dev/sigil/trustroot"
)

// Logs returns every transparency log of root, current and retired (a
// retired shard must not change either), as Logs to monitor. A log whose
// base URL cfg lists as a Rekor v2 service (major API version 2) is read
// through tlog-tiles at its base URL; every other log as Rekor v1. cfg may
// be nil, in which case every log is taken as Rekor v1. Set ReadURL and
// Witnesses on the results as needed.
func Logs(root *trustroot.TrustedRoot, cfg *trustroot.SigningConfig) []*Log {
	v2 := map[string]bool{}
	if cfg != nil {
		for _, s := range cfg.RekorLogServices() {
			if s.MajorAPIVersion == 2 {
				v2[strings.TrimSuffix(s.URL, "/")] = true
			}
		}
	}
	var out []*Log
	for _, l := range root.TransparencyLogs() {
		api := RekorV1
		if v2[strings.TrimSuffix(l.BaseURL, "/")] {
			api = TLogTiles
		}
		out = append(out, &Log{Log: l, API: api})
	}
	return out
}
