package trustroot

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// A test TUF repository, built with go-tuf's metadata API and served over
// loopback with the consistent-snapshot layout Sigstore's repositories use:
// N.root.json, timestamp.json, N.snapshot.json, N.targets.json and
// targets/<sha256>.<name>.

const testdataRoots = "../testdata/conformance/trusted_roots/"

func readTestdata(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// withTUFClock sets the clock FromTUF uses for cache freshness and go-tuf's
// reference time for metadata expiry (tests only).
func withTUFClock(now func() time.Time) TUFOption {
	return func(c *tufConfig) error {
		c.now = now
		return nil
	}
}

// tufFiles serves a repository's files by URL path, counting requests.
type tufFiles struct {
	mu       sync.Mutex
	files    map[string][]byte
	requests atomic.Int64
	// status, when not zero, is the HTTP status of every response (a mirror
	// that is down).
	status atomic.Int32
}

func (f *tufFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if s := f.status.Load(); s != 0 {
		w.WriteHeader(int(s))
		return
	}
	f.mu.Lock()
	data, ok := f.files[strings.TrimPrefix(r.URL.Path, "/")]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func (f *tufFiles) put(name string, data []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[name] = data
}

func (f *tufFiles) get(name string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.files[name]
}

type tufTestKey struct {
	signer signature.Signer
	key    *metadata.Key
	id     string
}

func newTUFTestKey(t testing.TB) *tufTestKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.LoadED25519Signer(priv)
	if err != nil {
		t.Fatal(err)
	}
	k, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := k.ID()
	if err != nil {
		t.Fatal(err)
	}
	return &tufTestKey{signer: s, key: k, id: id}
}

// signMeta replaces m's signatures with ones by keys and returns its bytes.
func signMeta[T metadata.Roles](t testing.TB, m *metadata.Metadata[T], keys ...*tufTestKey) []byte {
	t.Helper()
	m.ClearSignatures()
	for _, k := range keys {
		if _, err := m.Sign(k.signer); err != nil {
			t.Fatal(err)
		}
	}
	data, err := m.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type tufTestRepo struct {
	t testing.TB
	*tufFiles
	srv *httptest.Server
	URL string

	// keys signs each role; the root's keys and thresholds are in root.
	keys      map[string][]*tufTestKey
	root      *metadata.Metadata[metadata.RootType]
	targets   *metadata.Metadata[metadata.TargetsType]
	snapshot  *metadata.Metadata[metadata.SnapshotType]
	timestamp *metadata.Metadata[metadata.TimestampType]
}

// newTUFTestRepo serves a repository with root version 1 (one ed25519 key
// per role, threshold 1, consistent snapshots) whose targets are the
// production trusted_root.json and signing_config.v0.2.json, all metadata
// expiring in 30 days.
func newTUFTestRepo(t testing.TB) *tufTestRepo {
	t.Helper()
	expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	r := &tufTestRepo{
		t:         t,
		tufFiles:  &tufFiles{files: map[string][]byte{}},
		keys:      map[string][]*tufTestKey{},
		root:      metadata.Root(expires),
		targets:   metadata.Targets(expires),
		snapshot:  metadata.Snapshot(expires),
		timestamp: metadata.Timestamp(expires),
	}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		k := newTUFTestKey(t)
		if err := r.root.Signed.AddKey(k.key, role); err != nil {
			t.Fatal(err)
		}
		r.keys[role] = []*tufTestKey{k}
	}
	r.publishRoot()
	r.addTarget(trustedRootTarget, readTestdata(t, testdataRoots+"production.trusted_root.json"))
	r.addTarget(signingConfigTarget, readTestdata(t, testdataRoots+"production.signing_config.v0.2.json"))
	r.publishTargets()
	r.srv = httptest.NewServer(r.tufFiles)
	t.Cleanup(r.srv.Close)
	r.URL = r.srv.URL
	return r
}

// rootJSON returns root version v as served.
func (r *tufTestRepo) rootJSON(v int64) []byte {
	data := r.get(fmt.Sprintf("%d.root.json", v))
	if data == nil {
		r.t.Fatalf("no root version %d", v)
	}
	return data
}

func (r *tufTestRepo) publishRoot(extra ...*tufTestKey) {
	r.put(fmt.Sprintf("%d.root.json", r.root.Signed.Version), signMeta(r.t, r.root, append(extra, r.keys[metadata.ROOT]...)...))
}

// addTarget lists a target in the targets metadata (not yet published) and
// serves its content.
func (r *tufTestRepo) addTarget(name string, data []byte) {
	tf, err := metadata.TargetFile().FromBytes(name, data, "sha256")
	if err != nil {
		r.t.Fatal(err)
	}
	r.targets.Signed.Targets[name] = tf
	sum := sha256.Sum256(data)
	r.put("targets/"+hex.EncodeToString(sum[:])+"."+name, data)
}

// publishTargets signs and serves the targets metadata, then a snapshot and
// a timestamp pointing to it.
func (r *tufTestRepo) publishTargets() {
	r.put(fmt.Sprintf("%d.targets.json", r.targets.Signed.Version), signMeta(r.t, r.targets, r.keys[metadata.TARGETS]...))
	r.snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(r.targets.Signed.Version)
	r.publishSnapshot()
}

func (r *tufTestRepo) publishSnapshot() {
	r.put(fmt.Sprintf("%d.snapshot.json", r.snapshot.Signed.Version), signMeta(r.t, r.snapshot, r.keys[metadata.SNAPSHOT]...))
	r.timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(r.snapshot.Signed.Version)
	r.publishTimestamp()
}

func (r *tufTestRepo) publishTimestamp() {
	r.put("timestamp.json", signMeta(r.t, r.timestamp, r.keys[metadata.TIMESTAMP]...))
}

// newTargets publishes a new version of the targets metadata with content
// for trusted_root.json.
func (r *tufTestRepo) newTargets(trustedRoot []byte) {
	r.addTarget(trustedRootTarget, trustedRoot)
	r.targets.Signed.Version++
	r.snapshot.Signed.Version++
	r.timestamp.Signed.Version++
	r.publishTargets()
}

// newTimestamp publishes the next timestamp version.
func (r *tufTestRepo) newTimestamp() {
	r.timestamp.Signed.Version++
	r.publishTimestamp()
}

// rotateRoot publishes the next root version, in which a new key replaces
// the key of each given role (the root's key if none); the new root is
// signed by the old and the new root keys.
func (r *tufTestRepo) rotateRoot(roles ...string) {
	if len(roles) == 0 {
		roles = []string{metadata.ROOT}
	}
	oldRootKeys := r.keys[metadata.ROOT]
	for _, role := range roles {
		for _, k := range r.keys[role] {
			if err := r.root.Signed.RevokeKey(k.id, role); err != nil {
				r.t.Fatal(err)
			}
		}
		k := newTUFTestKey(r.t)
		if err := r.root.Signed.AddKey(k.key, role); err != nil {
			r.t.Fatal(err)
		}
		r.keys[role] = []*tufTestKey{k}
	}
	r.root.Signed.Version++
	var extra []*tufTestKey
	for _, k := range oldRootKeys {
		if k != r.keys[metadata.ROOT][0] {
			extra = append(extra, k)
		}
	}
	r.publishRoot(extra...)
}

// opts are the options for a client of r with its own cache directory.
func (r *tufTestRepo) opts(t testing.TB, cacheDir string, more ...TUFOption) []TUFOption {
	if cacheDir == "" {
		cacheDir = t.TempDir()
	}
	return append([]TUFOption{TUFRepository(r.URL, r.rootJSON(1)), TUFCacheDir(cacheDir)}, more...)
}

// sameMaterial reports whether a and b hold the same trusted material,
// whatever their TUF status, snapshot dates and signing configurations.
func sameMaterial(a, b *TrustedRoot) bool {
	ac, bc := *a, *b
	ac.tuf, bc.tuf = nil, nil
	ac.snapshot, bc.snapshot = time.Time{}, time.Time{}
	ac.signingConfig, bc.signingConfig = nil, nil
	return reflect.DeepEqual(ac, bc)
}

// cacheFiles lists the cache directory's file names.
func cacheFiles(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func statePath(dir string) string { return filepath.Join(dir, tufStateFile) }
