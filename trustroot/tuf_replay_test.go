package trustroot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// The copy of the public-good production repository (testdata/tuf/production,
// see its SOURCE.md), replayed over loopback at a time before its timestamp
// expired.
const productionCopy = "testdata/tuf/production"

var productionReplayTime = time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC)

// productionFiles lays the copy out as a TUF client requests it.
func productionFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	roots, err := filepath.Glob(filepath.Join(productionCopy, "metadata/root_history/*.root.json"))
	if err != nil || len(roots) != 11 {
		t.Fatalf("root history: %d files, %v", len(roots), err)
	}
	for _, p := range roots {
		files[filepath.Base(p)] = readTestdata(t, p)
	}
	md := func(name string) []byte { return readTestdata(t, filepath.Join(productionCopy, "metadata", name)) }
	files["timestamp.json"] = md("timestamp.json")
	snap, err := metadata.Snapshot().FromBytes(md("snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	files[fmt.Sprintf("%d.snapshot.json", snap.Signed.Version)] = md("snapshot.json")
	targets, err := metadata.Targets().FromBytes(md("targets.json"))
	if err != nil {
		t.Fatal(err)
	}
	files[fmt.Sprintf("%d.targets.json", targets.Signed.Version)] = md("targets.json")
	for _, name := range []string{trustedRootTarget, signingConfigTarget} {
		data := readTestdata(t, filepath.Join(productionCopy, "targets", name))
		sum := sha256.Sum256(data)
		files["targets/"+hex.EncodeToString(sum[:])+"."+name] = data
	}
	return files
}

// redirectTransport sends every request to target, recording the hosts asked for.
type redirectTransport struct {
	target *url.URL
	mu     sync.Mutex
	hosts  map[string]int
}

func (rt *redirectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.hosts[req.URL.Host]++
	rt.mu.Unlock()
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rt.target.Scheme, rt.target.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

func TestTUFReplayProduction(t *testing.T) {
	files := &tufFiles{files: productionFiles(t)}
	srv := httptest.NewServer(files)
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	embedded, err := PublicGood()
	if err != nil {
		t.Fatal(err)
	}
	wantSC, err := compactSigningConfig(readTestdata(t, filepath.Join(productionCopy, "targets", signingConfigTarget)))
	if err != nil {
		t.Fatal(err)
	}
	clock := withTUFClock(func() time.Time { return productionReplayTime })

	check := func(t *testing.T, r *TrustedRoot, source TUFSource) {
		t.Helper()
		if !sameMaterial(r, embedded) {
			t.Error("material differs from the embedded production snapshot")
		}
		if !bytes.Equal(r.SigningConfigJSON(), wantSC) {
			t.Errorf("SigningConfig %s", r.SigningConfigJSON())
		}
		if _, ok := r.Snapshot(); ok {
			t.Error("reported as a snapshot")
		}
		st := mustStatus(t, r)
		if st.Source != source || st.RootVersion != 15 || st.TimestampVersion != 762 || st.Expires.Format(time.RFC3339) != "2026-08-28T19:25:56Z" {
			t.Errorf("status %+v", st)
		}
	}

	t.Run("default repository, embedded root", func(t *testing.T) {
		rt := &redirectTransport{target: target, hosts: map[string]int{}}
		dir := t.TempDir()
		opts := []TUFOption{TUFHTTPClient(&http.Client{Transport: rt}), TUFCacheDir(dir), clock}
		r, err := FromTUF(context.Background(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		check(t, r, TUFSourceRepository)
		// 16.root.json (404), timestamp, snapshot, targets, trusted_root.json, signing config
		if len(rt.hosts) != 1 || rt.hosts["tuf-repo-cdn.sigstore.dev"] != 6 {
			t.Errorf("requests by host: %v", rt.hosts)
		}
		// And again from the cache, offline.
		r, err = FromTUF(context.Background(), append(opts, TUFOffline())...)
		if err != nil {
			t.Fatal(err)
		}
		check(t, r, TUFSourceCache)
	})

	t.Run("from root version 5", func(t *testing.T) {
		root5 := files.get("5.root.json")
		dir := t.TempDir()
		r, err := FromTUF(context.Background(), TUFRepository(srv.URL, root5), TUFCacheDir(dir), clock)
		if err != nil {
			t.Fatal(err)
		}
		check(t, r, TUFSourceRepository)
		if got := len(readState(t, dir).Roots); got != 10 {
			t.Errorf("%d root versions cached, want 10 (6 to 15)", got)
		}
	})

	t.Run("after the timestamp expired", func(t *testing.T) {
		_, err := FromTUF(context.Background(), TUFRepository(srv.URL, productionTUFRoot), TUFCacheDir(t.TempDir()),
			withTUFClock(func() time.Time { return time.Date(2026, 8, 29, 0, 0, 0, 0, time.UTC) }))
		wantErrAs[*metadata.ErrExpiredMetadata](t, err, ErrTUFVerification)
	})
}

// The embedded production root and the snapshot are a pair: the replay above
// shows the root's repository publishes the snapshot's content.
func TestTUFEmbeddedSnapshotIsTarget(t *testing.T) {
	if !bytes.Equal(productionJSON, readTestdata(t, filepath.Join(productionCopy, "targets", trustedRootTarget))) {
		t.Error("embedded production.trusted_root.json differs from the copied target")
	}
	if _, err := os.Stat(filepath.Join(productionCopy, "LICENSE")); err != nil {
		t.Error(err)
	}
}
