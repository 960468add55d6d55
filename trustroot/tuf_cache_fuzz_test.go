package trustroot

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// FuzzLoadCache: the TUF cache loader never panics and never fails,
// whatever state.json holds; what it keeps is what it promises: root
// versions that verify in order from the initial root, and metadata that
// go-tuf can be handed as local files. The fuzzer starts from a real cache
// (two root rotations) that FromTUF wrote for a test repository made in
// this process, and from the committed seeds in
// testdata/fuzz/FuzzLoadCache (caches of other repositories, whose roots
// this one's initial root does not sign, and broken ones).
func FuzzLoadCache(f *testing.F) {
	repo := newTUFTestRepo(f)
	repo.rotateRoot()
	repo.rotateRoot(metadata.ROOT, metadata.TIMESTAMP)
	repo.newTimestamp()
	seedDir := f.TempDir()
	if _, err := FromTUF(context.Background(), repo.opts(f, seedDir, TUFFreshness(0))...); err != nil {
		f.Fatal(err)
	}
	// The cache names its repository; the seeds name this fixed one, so that
	// committed seeds get past that check.
	const url = "https://tuf.sigil.test"
	data, err := os.ReadFile(filepath.Join(seedDir, tufStateFile))
	if err != nil {
		f.Fatal(err)
	}
	var st tufState
	if err := json.Unmarshal(data, &st); err != nil {
		f.Fatal(err)
	}
	st.Repository = url
	seed, err := json.Marshal(&st)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	initial := repo.rootJSON(1)
	dir := f.TempDir() // one per fuzzing process; each input overwrites the cache
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, tufStateFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c := &tufConfig{url: url, initialRoot: initial, cacheDir: dir}
		lc := c.loadCache()
		if lc == nil {
			t.Fatal("nil cache")
		}
		version := int64(1)
		for i, r := range lc.roots {
			m, err := metadata.Root().FromBytes(r)
			if err != nil || m.Signed.Version <= version {
				t.Fatalf("kept root %d: version %v after %d, %v", i, m, version, err)
			}
			version = m.Signed.Version
		}
		if string(data) == string(seed) && len(lc.roots) != 2 {
			t.Fatalf("the real cache kept %d root versions, want 2 (%v)", len(lc.roots), lc.err)
		}
		if lc.rootVersion != version {
			t.Fatalf("root version %d, kept roots end at %d", lc.rootVersion, version)
		}
		if len(lc.roots) > 0 && string(lc.root) != string(lc.roots[len(lc.roots)-1]) {
			t.Fatal("root is not the last kept root")
		}
		if lc.state == nil {
			return
		}
		if lc.state.Format != tufStateFormat || lc.state.Repository != url {
			t.Fatalf("kept a state of format %d for %q", lc.state.Format, lc.state.Repository)
		}
		for name, md := range lc.state.Metadata {
			if err := checkCachedMetadata(name, md); err != nil {
				t.Fatalf("kept metadata %q: %v", name, err)
			}
		}
	})
}
