package monitor

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/sigil-dev/sigil/trustroot"
)

// tilesLog is an in-memory tlog-tiles log for unit tests: a signed-note
// Ed25519 key, leaves, and an HTTP server for checkpoint, hash tiles and
// entry bundles computed from them. It serves every partial tile a tree of
// its entries or fewer has (a log that keeps old partial tiles).
type tilesLog struct {
	t       testing.TB
	origin  string
	priv    ed25519.PrivateKey
	pub     ed25519.PublicKey
	mu      sync.Mutex
	entries [][]byte
	// rewrite, when set, changes a tile's bytes before they are served.
	rewrite func(path string, data []byte) []byte
	srv     *httptest.Server
	// ver counts changes of entries; lv caches levels(entries) at cachedVer.
	ver, cachedVer int
	lv             [][][]byte
}

// newTilesLog starts a log; with a nil t (in examples) the caller closes
// l.srv.
func newTilesLog(t testing.TB) *tilesLog {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	l := &tilesLog{t: t, priv: priv, pub: pub}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	if t != nil {
		t.Cleanup(l.srv.Close)
	}
	l.origin = l.srv.Listener.Addr().(interface{ String() string }).String()
	l.origin = l.origin[:strings.LastIndexByte(l.origin, ':')] // 127.0.0.1: the Hostname() form
	return l
}

// trusted returns the log's trusted-root entry.
func (l *tilesLog) trusted() *trustroot.TrustedLog {
	h := sha256.Sum256(slices.Concat([]byte(l.origin), []byte{'\n', 1}, l.pub))
	return &trustroot.TrustedLog{BaseURL: l.srv.URL, PublicKey: l.pub, KeyDetails: "PKIX_ED25519", LogID: h[:]}
}

func (l *tilesLog) add(n int, entry func(i int) []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		l.entries = append(l.entries, entry(len(l.entries)))
	}
	l.ver++
}

// levels returns the node hashes of every level of the tree of the first
// size entries: levels[k][i] is the complete node (k, i).
func levels(entries [][]byte) [][][]byte {
	var lv [][][]byte
	cur := make([][]byte, len(entries))
	for i, e := range entries {
		cur[i] = rfc6962.DefaultHasher.HashLeaf(e)
	}
	for len(cur) > 0 {
		lv = append(lv, cur)
		var next [][]byte
		for i := 0; i+1 < len(cur); i += 2 {
			next = append(next, rfc6962.DefaultHasher.HashChildren(cur[i], cur[i+1]))
		}
		cur = next
	}
	return lv
}

func root(entries [][]byte) []byte {
	if len(entries) == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	if len(entries) == 1 {
		return rfc6962.DefaultHasher.HashLeaf(entries[0])
	}
	k := 1
	for k*2 < len(entries) {
		k *= 2
	}
	return rfc6962.DefaultHasher.HashChildren(root(entries[:k]), root(entries[k:]))
}

type logSigner struct{ l *tilesLog }

func (s logSigner) Name() string { return s.l.origin }
func (s logSigner) KeyHash() uint32 {
	h := sha256.Sum256(slices.Concat([]byte(s.l.origin), []byte{'\n', 1}, s.l.pub))
	return binary.BigEndian.Uint32(h[:])
}
func (s logSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.l.priv, msg), nil }

func (l *tilesLog) checkpoint() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	text := l.origin + "\n" + strconv.Itoa(len(l.entries)) + "\n" + base64.StdEncoding.EncodeToString(root(l.entries)) + "\n"
	env, err := note.Sign(&note.Note{Text: text}, logSigner{l})
	if err != nil {
		panic(err)
	}
	return env
}

func (l *tilesLog) serve(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/")
	if p == "checkpoint" {
		w.Write(l.checkpoint())
		return
	}
	l.mu.Lock()
	entries := l.entries
	rewrite := l.rewrite
	if l.lv == nil || l.cachedVer != l.ver {
		l.lv, l.cachedVer = levels(entries), l.ver
	}
	lv := l.lv
	l.mu.Unlock()
	var data []byte
	switch {
	case strings.HasPrefix(p, "tile/entries/"):
		n, width, ok := parseIndex(strings.TrimPrefix(p, "tile/entries/"))
		if !ok || n*256+uint64(width) > uint64(len(entries)) {
			http.NotFound(w, r)
			return
		}
		for _, e := range entries[n*256 : n*256+uint64(width)] {
			data = binary.BigEndian.AppendUint16(data, uint16(len(e)))
			data = append(data, e...)
		}
	case strings.HasPrefix(p, "tile/"):
		lvl, rest, _ := strings.Cut(strings.TrimPrefix(p, "tile/"), "/")
		tl, err := strconv.Atoi(lvl)
		n, width, ok := parseIndex(rest)
		if err != nil || !ok || tl*8 >= len(lv) {
			http.NotFound(w, r)
			return
		}
		stored := lv[tl*8]
		if n*256+uint64(width) > uint64(len(stored)) {
			http.NotFound(w, r)
			return
		}
		for _, h := range stored[n*256 : n*256+uint64(width)] {
			data = append(data, h...)
		}
	default:
		http.NotFound(w, r)
		return
	}
	if rewrite != nil {
		data = rewrite(p, data)
	}
	w.Write(data)
}

// writeDir writes the log's checkpoint, hash tiles and entry bundles (full
// and the final partial ones) under dir, as a tlog-tiles directory.
func (l *tilesLog) writeDir(tb testing.TB, dir string) {
	tb.Helper()
	l.mu.Lock()
	entries := l.entries
	lv := levels(entries)
	l.mu.Unlock()
	write := func(p string, data []byte) {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("checkpoint", l.checkpoint())
	for tl := 0; tl*8 < len(lv); tl++ {
		stored := lv[tl*8]
		for n := 0; n*256 < len(stored); n++ {
			w := min(256, len(stored)-n*256)
			var data []byte
			for _, h := range stored[n*256 : n*256+w] {
				data = append(data, h...)
			}
			write(TilePath(uint(tl), uint64(n), w), data)
		}
	}
	for n := 0; n*256 < len(entries); n++ {
		w := min(256, len(entries)-n*256)
		var data []byte
		for _, e := range entries[n*256 : n*256+w] {
			data = binary.BigEndian.AppendUint16(data, uint16(len(e)))
			data = append(data, e...)
		}
		write(EntryBundlePath(uint64(n), w), data)
	}
}

// parseIndex parses "x001/234" or "x001/234.p/17" into (1234, width).
func parseIndex(s string) (uint64, int, bool) {
	width := 256
	if i := strings.Index(s, ".p/"); i >= 0 {
		w, err := strconv.Atoi(s[i+3:])
		if err != nil || w < 1 || w > 255 {
			return 0, 0, false
		}
		width, s = w, s[:i]
	}
	var n uint64
	for part := range strings.SplitSeq(s, "/") {
		part = strings.TrimPrefix(part, "x")
		d, err := strconv.ParseUint(part, 10, 64)
		if err != nil || len(part) != 3 {
			return 0, 0, false
		}
		n = n*1000 + d
	}
	return n, width, true
}

func textEntry(i int) []byte { return []byte("entry " + strconv.Itoa(i)) }

func b64(h [32]byte) string { return base64.StdEncoding.EncodeToString(h[:]) }
