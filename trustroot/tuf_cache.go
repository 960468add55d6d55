package trustroot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"

	"github.com/sigil-dev/sigil/internal/limits"
)

// The cache of one repository is a single file, state.json, in the cache
// directory: every root version after the initial root, the other metadata
// (timestamp, snapshot, targets, delegated targets) as the repository served
// it, the targets FromTUF reads (named <sha256>.<name>, as the repository
// names them), and when they were last updated from the repository. One file keeps the cache consistent when several processes
// update it at once: each writes a complete state to a temporary file in the
// same directory, syncs it and renames it over state.json, so readers see
// one writer's state or another's, never a mix; the last writer wins.
//
// The cache is never trusted as such. On every call root versions are
// verified in order from the initial root, and the rest is handed to go-tuf,
// which verifies it against the latest root (and, online, uses it for
// rollback protection); targets are checked against the verified targets
// metadata's hashes.
const (
	tufStateFile   = "state.json"
	tufStateFormat = 1
	// maxTUFStateSize bounds the cache file: go-tuf's limits for root
	// (512 KB per version), snapshot (2 MB) and targets metadata (5 MB), and
	// the targets read (4 MiB each, limits.MaxTrustedRootSize), with room for
	// a few root versions and delegations.
	maxTUFStateSize = 64 << 20
)

// tufState is the content of state.json. Byte slices are stored as served:
// metadata hashes cover their exact bytes.
type tufState struct {
	Format     int               `json:"format"`
	Repository string            `json:"repository"`
	Checked    time.Time         `json:"checked"`
	Roots      [][]byte          `json:"roots"`
	Metadata   map[string][]byte `json:"metadata"`
	Targets    map[string][]byte `json:"targets"`
}

// tufCache is what loadCache found.
type tufCache struct {
	// state is the cached state, nil if there is none or it was unusable.
	state *tufState
	// roots are the cached root versions verified from the initial root, in
	// order; root is the last of them (or the initial root), rootVersion its
	// version.
	roots       [][]byte
	root        []byte
	rootVersion int64
	// err says what was discarded and why.
	err error
}

// loadCache reads the cache and verifies its root versions from the initial
// root. It never fails: unusable data is left out and reported in err.
func (c *tufConfig) loadCache() *tufCache {
	lc := &tufCache{root: c.initialRoot}
	tm, err := trustedmetadata.New(c.initialRoot)
	if err != nil {
		// Not for a root checked by TUFRepository or an embedded one; go-tuf
		// reports it again when updating.
		lc.err = err
		return lc
	}
	lc.rootVersion = tm.Root.Signed.Version
	path := filepath.Join(c.cacheDir, tufStateFile)
	data, err := limits.ReadFile(path, maxTUFStateSize)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			lc.err = fmt.Errorf("cache %s: %w", path, err)
		}
		return lc
	}
	var st tufState
	if err := json.Unmarshal(data, &st); err != nil {
		lc.err = fmt.Errorf("cache %s: %w", path, err)
		return lc
	}
	switch {
	case st.Format != tufStateFormat:
		lc.err = fmt.Errorf("cache %s: format %d, want %d", path, st.Format, tufStateFormat)
		return lc
	case st.Repository != c.url:
		lc.err = fmt.Errorf("cache %s: for repository %q, not %q", path, st.Repository, c.url)
		return lc
	}
	var errs []error
	for _, data := range st.Roots {
		r, err := metadata.Root().FromBytes(data)
		if err == nil && r.Signed.Version <= tm.Root.Signed.Version {
			continue // not after the initial root
		}
		if err == nil {
			_, err = tm.UpdateRoot(data)
		}
		if err != nil {
			// This version and all after it are discarded.
			errs = append(errs, fmt.Errorf("cache %s: root version after %d: %w", path, tm.Root.Signed.Version, err))
			break
		}
		lc.roots = append(lc.roots, data)
		lc.root = data
	}
	lc.rootVersion = tm.Root.Signed.Version
	for name, data := range st.Metadata {
		if err := checkCachedMetadata(name, data); err != nil {
			errs = append(errs, fmt.Errorf("cache %s: %s: %w", path, name, err))
			delete(st.Metadata, name)
		}
	}
	lc.state, lc.err = &st, errors.Join(errs...)
	return lc
}

// checkCachedMetadata checks that data can be handed to go-tuf as the
// locally stored metadata file name: a plain file name, and metadata of the
// role the name says. go-tuf treats parse errors of local files as fatal,
// where it discards and refetches local files that fail verification.
func checkCachedMetadata(name string, data []byte) error {
	role, ok := strings.CutSuffix(name, ".json")
	if !ok || role == "" || role == metadata.ROOT || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) || name == ".." {
		return errors.New("not a metadata file name")
	}
	var err error
	switch role {
	case metadata.TIMESTAMP:
		_, err = metadata.Timestamp().FromBytes(data)
	case metadata.SNAPSHOT:
		_, err = metadata.Snapshot().FromBytes(data)
	default:
		_, err = metadata.Targets().FromBytes(data)
	}
	return err
}

// saveCache replaces the cache with the verified state res, checked at now.
func (c *tufConfig) saveCache(lc *tufCache, res *tufResult, now time.Time) error {
	st := tufState{
		Format:     tufStateFormat,
		Repository: c.url,
		Checked:    now.UTC(),
		Roots:      slices.Concat(lc.roots, res.newRoots),
		Metadata:   res.metadata,
		Targets:    map[string][]byte{},
	}
	for name, data := range res.targets {
		st.Targets[res.cacheKeys[name]] = data
	}
	data, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("cache %s: %w", c.cacheDir, err)
	}
	if err := os.MkdirAll(c.cacheDir, 0o700); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := writeFileAtomic(c.cacheDir, tufStateFile, data); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}

// writeFileAtomic replaces dir/name with data: readers see the old content or
// the new, never part of it, even with several writers at once.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	// Make the rename durable where the platform allows; a failure leaves
	// an older but complete cache.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// cacheName makes a repository URL into a directory name, one-to-one:
// "https://" is dropped, ASCII letters, digits, '.' and '-' are kept and any
// other byte b becomes "_XX" (hex). Long names are shortened with a hash.
func cacheName(repositoryURL string) string {
	s := strings.TrimPrefix(repositoryURL, "https://")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9', ch == '.', ch == '-':
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "_%02X", ch)
		}
	}
	name := b.String()
	if name == "." || name == ".." {
		name = "_" + name
	}
	if len(name) > 100 {
		sum := sha256.Sum256([]byte(repositoryURL))
		name = name[:80] + "_" + hex.EncodeToString(sum[:8])
	}
	return name
}
