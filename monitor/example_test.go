package monitor

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/trustroot"
)

// A monitor checks that a log only grows, then reports the entries that
// record a watched artifact digest. Here the log is an in-memory tlog-tiles
// log on loopback.
func ExampleMonitor_Watch() {
	lg := newTilesLog(nil)
	defer lg.srv.Close()
	watched := []byte("release v1.2.3")
	lg.add(300, func(i int) []byte {
		if i == 299 {
			return []byte(`{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":"` +
				b64(sha256.Sum256(watched)) + `"},"signature":{"content":"AAAA","verifier":{"keyDetails":"PKIX_ED25519","publicKey":{"rawBytes":"MCowBQYDK2VwAyEAPn+AREHoBaZ7wgS1zBqpxmLSGnyhxXj4lFxSdWVB8o8="}}}}}}`)
		}
		return textEntry(i)
	})

	dir, _ := os.MkdirTemp("", "monitor")
	defer os.RemoveAll(dir)
	m, err := New(dir)
	if err != nil {
		panic(err)
	}
	l := &Log{Log: lg.trusted(), API: TLogTiles} // from the trusted root
	ctx := context.Background()

	u, err := m.Check(ctx, l)
	if err != nil {
		panic(err)
	}
	fmt.Println("first checkpoint, size", u.New.Size)

	d := sha256.Sum256(watched)
	list := &WatchList{Digests: []Digest{{Alg: crypto.SHA256, Value: d[:]}}}
	n, err := m.Watch(ctx, l, list, 0, func(mt Match) error {
		fmt.Println("match at", mt.Index, mt.Kind, mt.Reasons[0][:14])
		return nil
	})
	fmt.Println("read", n, err)

	// The log rewrites an entry it already published: caught, with both
	// checkpoints as evidence.
	lg.mu.Lock()
	lg.entries[7] = []byte("rewritten")
	lg.entries = append(lg.entries, []byte("new"))
	lg.ver++
	lg.mu.Unlock()
	_, err = m.Check(ctx, l)
	var ie *InconsistencyError
	if errors.As(err, &ie) {
		fmt.Println("inconsistent:", ie.Reason, ie.Old.Size, "->", ie.New.Size)
	}
	// Output:
	// first checkpoint, size 300
	// match at 299 hashedrekord/0.0.2 digest sha256:
	// read 300 <nil>
	// inconsistent: bad consistency proof 300 -> 301
}

func ExampleTilePath() {
	fmt.Println(TilePath(0, 1234067, 256))
	fmt.Println(TilePath(1, 5, 17))
	fmt.Println(EntryBundlePath(1234067, 3))
	// Output:
	// tile/0/x001/x234/067
	// tile/1/005.p/17
	// tile/entries/x001/x234/067.p/3
}

func ExampleParseEntryBundle() {
	entries, err := ParseEntryBundle([]byte("\x00\x05hello\x00\x05world"), 256)
	fmt.Printf("%q %v\n", entries, err)
	// Output: ["hello" "world"] <nil>
}

// The logs of a trusted root and its signing configuration, each read
// through the API the configuration names.
func ExampleLogs() {
	root, err := trustroot.FromFile(filepath.Join(samples.Dir, "trust_config.json"))
	if err != nil {
		panic(err)
	}
	cfg, err := root.SigningConfig()
	if err != nil {
		panic(err)
	}
	for _, l := range Logs(root, cfg) {
		fmt.Println(l.Log.BaseURL, l.API == TLogTiles)
	}
	// Output:
	// http://127.0.0.1:3000 false
	// http://127.0.0.1:3003 true
}

// Check several logs at once, such as the current and retired shards a
// trusted root lists: each log's result is at its own index.
func ExampleMonitor_CheckAll() {
	var logs []*Log
	for _, size := range []int{10, 20} {
		lg := newTilesLog(nil)
		defer lg.srv.Close()
		lg.add(size, textEntry)
		logs = append(logs, &Log{Log: lg.trusted(), API: TLogTiles})
	}
	dir, _ := os.MkdirTemp("", "monitor")
	defer os.RemoveAll(dir)
	m, err := New(dir)
	if err != nil {
		panic(err)
	}
	updates, errs := m.CheckAll(context.Background(), logs, 2)
	for i := range logs {
		fmt.Println("log", i, "size", updates[i].New.Size, errs[i])
	}
	// Output:
	// log 0 size 10 <nil>
	// log 1 size 20 <nil>
}
