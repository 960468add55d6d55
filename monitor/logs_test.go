package monitor

import (
	"testing"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/trustroot"
)

func TestLogs(t *testing.T) {
	root := samples.Root(t)
	cfg, err := trustroot.ParseSigningConfig(samples.Read(t, "signing_config.v0.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]API{}
	for _, l := range Logs(root, cfg) {
		got[l.Log.BaseURL] = l.API
	}
	if len(got) != 2 || got["http://127.0.0.1:3000"] != RekorV1 || got["http://127.0.0.1:3003"] != TLogTiles {
		t.Fatalf("%v", got)
	}
	for _, l := range Logs(root, nil) {
		if l.API != RekorV1 {
			t.Fatalf("%s without a signing config: %v", l.Log.BaseURL, l.API)
		}
	}
}
