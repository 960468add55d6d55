package trustroot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
)

// testClock is an adjustable clock for FromTUF (withTUFClock).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func mustParseJSON(t testing.TB, path string) *TrustedRoot {
	t.Helper()
	r, err := ParseJSON(readTestdata(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustStatus(t testing.TB, r *TrustedRoot) TUFStatus {
	t.Helper()
	st, ok := r.TUFStatus()
	if !ok {
		t.Fatal("TUFStatus: not from TUF")
	}
	return st
}

func readState(t testing.TB, dir string) *tufState {
	t.Helper()
	var st tufState
	if err := json.Unmarshal(readTestdata(t, statePath(dir)), &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

func writeState(t testing.TB, dir string, st *tufState) {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(statePath(dir), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// wantErrAs fails unless err matches every sentinel in is and has a T in
// its chain.
func wantErrAs[T error](t testing.TB, err error, is ...error) T {
	t.Helper()
	var target T
	if err == nil {
		t.Fatalf("got no error, want %T", target)
	}
	for _, s := range is {
		if !errors.Is(err, s) {
			t.Fatalf("error %q: not %v", err, s)
		}
	}
	if !errors.As(err, &target) {
		t.Fatalf("error %q: no %T in its chain", err, target)
	}
	return target
}

func TestTUFUpdateAndCache(t *testing.T) {
	repo := newTUFTestRepo(t)
	clock := newTestClock()
	dir := t.TempDir()
	opts := repo.opts(t, dir, withTUFClock(clock.now))
	ctx := context.Background()

	root, err := FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	st := mustStatus(t, root)
	if st.Source != TUFSourceRepository || st.Stale || st.Err != nil || st.CacheErr != nil || st.RootVersion != 1 || st.TimestampVersion != 1 || st.Repository != repo.URL {
		t.Fatalf("status %+v", st)
	}
	if !st.Checked.Equal(clock.now()) {
		t.Errorf("Checked %v, want %v", st.Checked, clock.now())
	}
	if want := repo.timestamp.Signed.Expires; !st.Expires.Equal(want) {
		t.Errorf("Expires %v, want %v", st.Expires, want)
	}
	if !sameMaterial(root, mustParseJSON(t, testdataRoots+"production.trusted_root.json")) {
		t.Error("material differs from the trusted_root.json target")
	}
	wantSC, err := compactSigningConfig(readTestdata(t, testdataRoots+"production.signing_config.v0.2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(root.SigningConfigJSON(), wantSC) {
		t.Errorf("SigningConfig %s, want %s", root.SigningConfigJSON(), wantSC)
	}
	if _, ok := root.Snapshot(); ok {
		t.Error("Snapshot reports a TUF root as a snapshot")
	}
	if names := cacheFiles(t, dir); len(names) != 1 || names[0] != tufStateFile {
		t.Errorf("cache directory holds %v, want only %s", names, tufStateFile)
	}

	// Within the freshness window: the cache, no network.
	n := repo.requests.Load()
	clock.add(time.Hour)
	root2, err := FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if got := repo.requests.Load(); got != n {
		t.Errorf("%d requests within the freshness window", got-n)
	}
	st2 := mustStatus(t, root2)
	if st2.Source != TUFSourceCache || st2.Stale || st2.Err != nil || st2.CacheErr != nil || !st2.Checked.Equal(st.Checked) || st2.TimestampVersion != 1 {
		t.Fatalf("status %+v", st2)
	}
	if !sameMaterial(root2, root) || !bytes.Equal(root2.SigningConfigJSON(), wantSC) {
		t.Error("cached material differs")
	}

	// The repository publishes new material; after the window it is fetched.
	repo.newTargets(readTestdata(t, testdataRoots+"staging.trusted_root.json"))
	clock.add(24 * time.Hour)
	root3, err := FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	st3 := mustStatus(t, root3)
	if st3.Source != TUFSourceRepository || st3.TimestampVersion != 2 || !st3.Checked.Equal(clock.now()) {
		t.Fatalf("status %+v", st3)
	}
	if !sameMaterial(root3, mustParseJSON(t, testdataRoots+"staging.trusted_root.json")) {
		t.Error("material is not the new trusted_root.json")
	}

	// TUFFreshness(0): every call asks the repository.
	n = repo.requests.Load()
	root4, err := FromTUF(ctx, append(opts, TUFFreshness(0))...)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, root4); st.Source != TUFSourceRepository || repo.requests.Load() == n {
		t.Errorf("TUFFreshness(0): status %+v after %d requests", st, repo.requests.Load()-n)
	}
}

func TestTUFRepositoryWithoutSigningConfig(t *testing.T) {
	repo := newTUFTestRepo(t)
	delete(repo.targets.Signed.Targets, signingConfigTarget)
	repo.newTargets(readTestdata(t, testdataRoots+"production.trusted_root.json"))
	root, err := FromTUF(context.Background(), repo.opts(t, "")...)
	if err != nil {
		t.Fatal(err)
	}
	if sc := root.SigningConfigJSON(); sc != nil {
		t.Errorf("SigningConfig %s, want nil", sc)
	}

	delete(repo.targets.Signed.Targets, trustedRootTarget)
	repo.targets.Signed.Version++
	repo.snapshot.Signed.Version++
	repo.timestamp.Signed.Version++
	repo.publishTargets()
	_, err = FromTUF(context.Background(), repo.opts(t, "")...)
	if !errors.Is(err, ErrTUFVerification) || !errors.Is(err, errNoTrustedRoot) {
		t.Fatalf("error %v, want ErrTUFVerification wrapping errNoTrustedRoot", err)
	}
}

func TestTUFRootRotation(t *testing.T) {
	repo := newTUFTestRepo(t)
	ctx := context.Background()

	// A client that cached root version 2.
	repo.rotateRoot()
	dir2 := t.TempDir()
	r, err := FromTUF(ctx, repo.opts(t, dir2, TUFFreshness(0))...)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, r); st.RootVersion != 2 {
		t.Fatalf("root version %d, want 2", st.RootVersion)
	}

	// Version 3 replaces the root key again and the timestamp key: the
	// timestamp must now be signed by the new key.
	repo.rotateRoot(metadata.ROOT, metadata.TIMESTAMP)
	repo.newTimestamp()

	for name, dir := range map[string]string{"fresh client": t.TempDir(), "client at version 2": dir2} {
		t.Run(name, func(t *testing.T) {
			n := repo.requests.Load()
			r, err := FromTUF(ctx, repo.opts(t, dir, TUFFreshness(0))...)
			if err != nil {
				t.Fatal(err)
			}
			st := mustStatus(t, r)
			if st.RootVersion != 3 || st.TimestampVersion != 2 {
				t.Fatalf("status %+v", st)
			}
			if got := readState(t, dir).Roots; len(got) != 2 || !bytes.Equal(got[0], repo.rootJSON(2)) || !bytes.Equal(got[1], repo.rootJSON(3)) {
				t.Errorf("cached roots: %d, want versions 2 and 3", len(got))
			}
			if name == "client at version 2" && repo.requests.Load()-n != 3 {
				// 3.root.json, 4.root.json (404), timestamp; root 2,
				// snapshot and targets come from the cache.
				t.Errorf("%d requests, want 3", repo.requests.Load()-n)
			}
		})
	}

	// Version 4 signed only by its own new root key, not by version 3's.
	repo.rotateRoot()
	repo.publishRoot() // without the old key's signature
	_, err = FromTUF(ctx, repo.opts(t, "")...)
	wantErrAs[*metadata.ErrUnsignedMetadata](t, err, ErrTUFVerification)
}

func TestTUFExpiredMetadata(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	for _, tc := range []struct {
		role    string
		expire  func(*tufTestRepo)
		message string
	}{
		{"timestamp", func(r *tufTestRepo) {
			r.timestamp.Signed.Expires = past
			r.newTimestamp()
		}, "timestamp.json is expired"},
		{"snapshot", func(r *tufTestRepo) {
			r.snapshot.Signed.Expires = past
			r.snapshot.Signed.Version++
			r.timestamp.Signed.Version++
			r.publishSnapshot()
		}, "snapshot.json is expired"},
		{"targets", func(r *tufTestRepo) {
			r.targets.Signed.Expires = past
			r.newTargets(readTestdata(t, testdataRoots+"production.trusted_root.json"))
		}, "new targets is expired"},
		{"root", func(r *tufTestRepo) {
			r.root.Signed.Expires = past
			r.rotateRoot()
		}, "final root.json is expired"},
	} {
		t.Run(tc.role, func(t *testing.T) {
			repo := newTUFTestRepo(t)
			tc.expire(repo)
			_, err := FromTUF(context.Background(), repo.opts(t, "")...)
			wantErrAs[*metadata.ErrExpiredMetadata](t, err, ErrTUFVerification)
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
		})
	}
}

func TestTUFRollback(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rollback func(r *tufTestRepo, oldTimestamp []byte)
	}{
		{"timestamp version", func(r *tufTestRepo, old []byte) {
			r.put("timestamp.json", old)
		}},
		{"snapshot version", func(r *tufTestRepo, _ []byte) {
			r.snapshot.Signed.Version = 1
			r.timestamp.Signed.Version++
			r.publishSnapshot()
		}},
		{"targets version", func(r *tufTestRepo, _ []byte) {
			r.targets.Signed.Version = 1
			r.snapshot.Signed.Version++
			r.timestamp.Signed.Version++
			r.publishTargets()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := newTUFTestRepo(t)
			dir := t.TempDir()
			ctx := context.Background()
			old := repo.get("timestamp.json")
			repo.newTargets(readTestdata(t, testdataRoots+"staging.trusted_root.json"))
			if _, err := FromTUF(ctx, repo.opts(t, dir)...); err != nil {
				t.Fatal(err)
			}
			before := readTestdata(t, statePath(dir))

			tc.rollback(repo, old)
			_, err := FromTUF(ctx, repo.opts(t, dir, TUFFreshness(0))...)
			wantErrAs[*metadata.ErrBadVersionNumber](t, err, ErrTUFVerification)
			if !bytes.Equal(readTestdata(t, statePath(dir)), before) {
				t.Error("a rejected update changed the cache")
			}
			// The cache still serves the material it verified.
			r, err := FromTUF(ctx, repo.opts(t, dir, TUFOffline())...)
			if err != nil {
				t.Fatal(err)
			}
			if !sameMaterial(r, mustParseJSON(t, testdataRoots+"staging.trusted_root.json")) {
				t.Error("cached material changed")
			}
		})
	}
}

func TestTUFTargetHashMismatch(t *testing.T) {
	repo := newTUFTestRepo(t)
	tf := repo.targets.Signed.Targets[trustedRootTarget]
	name := "targets/" + tf.Hashes["sha256"].String() + "." + trustedRootTarget
	bad := bytes.Clone(repo.get(name))
	bad[len(bad)/2] ^= 1 // same length, other content
	repo.put(name, bad)
	_, err := FromTUF(context.Background(), repo.opts(t, "")...)
	wantErrAs[*metadata.ErrLengthOrHashMismatch](t, err, ErrTUFVerification)

	// Longer than the targets metadata says: not read past its length.
	repo.put(name, append(bytes.Clone(readTestdata(t, testdataRoots+"production.trusted_root.json")), ' '))
	_, err = FromTUF(context.Background(), repo.opts(t, "")...)
	wantErrAs[*metadata.ErrDownloadLengthMismatch](t, err, ErrTUFVerification)
}

func TestTUFSignatureThreshold(t *testing.T) {
	t.Run("timestamp below threshold", func(t *testing.T) {
		repo := newTUFTestRepo(t)
		// Root version 2 asks for 2 of 2 timestamp keys.
		k2 := newTUFTestKey(t)
		if err := repo.root.Signed.AddKey(k2.key, metadata.TIMESTAMP); err != nil {
			t.Fatal(err)
		}
		repo.root.Signed.Roles[metadata.TIMESTAMP].Threshold = 2
		repo.root.Signed.Version++
		repo.publishRoot()
		repo.newTimestamp() // signed by the first key only
		_, err := FromTUF(context.Background(), repo.opts(t, "")...)
		e := wantErrAs[*metadata.ErrUnsignedMetadata](t, err, ErrTUFVerification)
		if !strings.Contains(e.Msg, "timestamp") {
			t.Errorf("error %q does not name the timestamp role", e.Msg)
		}
		// With both keys it verifies.
		repo.keys[metadata.TIMESTAMP] = append(repo.keys[metadata.TIMESTAMP], k2)
		repo.newTimestamp()
		if _, err := FromTUF(context.Background(), repo.opts(t, "")...); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		repo := newTUFTestRepo(t)
		repo.keys[metadata.SNAPSHOT] = []*tufTestKey{newTUFTestKey(t)}
		repo.snapshot.Signed.Version++
		repo.timestamp.Signed.Version++
		repo.publishSnapshot()
		_, err := FromTUF(context.Background(), repo.opts(t, "")...)
		wantErrAs[*metadata.ErrUnsignedMetadata](t, err, ErrTUFVerification)
	})
	t.Run("altered signature", func(t *testing.T) {
		repo := newTUFTestRepo(t)
		repo.put("1.targets.json", flipSignature[metadata.TargetsType](t, repo.get("1.targets.json")))
		_, err := FromTUF(context.Background(), repo.opts(t, "")...)
		wantErrAs[*metadata.ErrUnsignedMetadata](t, err, ErrTUFVerification)
	})
	t.Run("root not signed by the previous root", func(t *testing.T) {
		repo := newTUFTestRepo(t)
		repo.rotateRoot()
		repo.publishRoot() // only the new key's signature
		_, err := FromTUF(context.Background(), repo.opts(t, "")...)
		wantErrAs[*metadata.ErrUnsignedMetadata](t, err, ErrTUFVerification)
	})
}

// flipSignature alters one byte of the first signature of metadata data.
func flipSignature[T metadata.Roles](t testing.TB, data []byte) []byte {
	t.Helper()
	m, err := (&metadata.Metadata[T]{}).FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	m.Signatures[0].Signature[0] ^= 1
	out, err := m.ToBytes(true)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTUFMirrorDown(t *testing.T) {
	repo := newTUFTestRepo(t)
	clock := newTestClock()
	dir := t.TempDir()
	ctx := context.Background()
	opts := repo.opts(t, dir, withTUFClock(clock.now))
	first, err := FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	checked := mustStatus(t, first).Checked

	repo.status.Store(http.StatusServiceUnavailable)
	clock.add(25 * time.Hour)
	r, err := FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	st := mustStatus(t, r)
	if st.Source != TUFSourceCache || !st.Stale || !st.Checked.Equal(checked) {
		t.Fatalf("status %+v, want stale material from the cache", st)
	}
	if he := wantErrAs[*metadata.ErrDownloadHTTP](t, st.Err, ErrTUFUnavailable); he.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status code %d", he.StatusCode)
	}
	if !sameMaterial(r, first) {
		t.Error("cached material differs")
	}

	// A server that is gone altogether.
	repo.srv.Close()
	r, err = FromTUF(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, r); st.Source != TUFSourceCache || !st.Stale {
		t.Fatalf("status %+v", st)
	} else {
		wantErrAs[*net.OpError](t, st.Err, ErrTUFUnavailable)
	}

	// Offline: within the window not stale, after it stale, after the
	// metadata expires unusable.
	offline := append(repo.opts(t, dir, TUFOffline()), withTUFClock(func() time.Time { return checked.Add(time.Hour) }))
	if r, err := FromTUF(ctx, offline...); err != nil {
		t.Fatal(err)
	} else if st := mustStatus(t, r); st.Source != TUFSourceCache || st.Stale || st.Err != nil {
		t.Errorf("offline within the window: status %+v", st)
	}
	offline = append(repo.opts(t, dir, TUFOffline()), withTUFClock(clock.now))
	if r, err := FromTUF(ctx, offline...); err != nil {
		t.Fatal(err)
	} else if st := mustStatus(t, r); st.Source != TUFSourceCache || !st.Stale || st.Err != nil {
		t.Errorf("offline after the window: status %+v", st)
	}
	clock.add(31 * 24 * time.Hour)
	_, err = FromTUF(ctx, offline...)
	wantErrAs[*metadata.ErrExpiredMetadata](t, err, ErrTUFUnavailable)
	_, err = FromTUF(ctx, opts...) // online, the mirror down, the cache expired
	wantErrAs[*net.OpError](t, err, ErrTUFUnavailable)
	wantErrAs[*metadata.ErrExpiredMetadata](t, err)

	// No cache at all.
	_, err = FromTUF(ctx, repo.opts(t, "", TUFOffline())...)
	if !errors.Is(err, ErrTUFUnavailable) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("offline without cache: %v, want ErrTUFUnavailable and fs.ErrNotExist", err)
	}
}

// failingTransport fails every request without touching the network.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }

// cancelingTransport cancels the request's context, then fails as the
// default transport would.
type cancelingTransport struct{ cancel context.CancelFunc }

func (c cancelingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.cancel()
	<-r.Context().Done()
	return nil, r.Context().Err()
}

// staticTransport answers every request with 200 and body.
type staticTransport struct{ body string }

func (s staticTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r, Header: http.Header{}}
	if s.body != "" {
		rec.Body = readCloser{strings.NewReader(s.body)}
		rec.ContentLength = int64(len(s.body))
	}
	return rec, nil
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func TestTUFEmbeddedSnapshotFallback(t *testing.T) {
	errNoNetwork := errors.New("no network in this test")
	noNet := TUFHTTPClient(&http.Client{Transport: failingTransport{errNoNetwork}})
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		opts     []TUFOption
		snapshot func() (*TrustedRoot, error)
		url      string
	}{
		{"production", nil, PublicGood, TUFProductionURL},
		{"staging", []TUFOption{TUFStaging()}, PublicGoodStaging, TUFStagingURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]TUFOption{noNet, TUFCacheDir(t.TempDir())}, tc.opts...)
			_, err := FromTUF(ctx, opts...)
			if !errors.Is(err, ErrTUFUnavailable) || !errors.Is(err, errNoNetwork) {
				t.Fatalf("without the option: %v, want ErrTUFUnavailable wrapping the transport error", err)
			}
			r, err := FromTUF(ctx, append(opts, UnsafeTUFAllowEmbeddedSnapshot())...)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := tc.snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if !sameMaterial(r, snap) {
				t.Error("material is not the embedded snapshot")
			}
			date, ok := r.Snapshot()
			if wantDate, _ := snap.Snapshot(); !ok || !date.Equal(wantDate) {
				t.Errorf("Snapshot() = %v, %v", date, ok)
			}
			st := mustStatus(t, r)
			if st.Source != TUFSourceEmbeddedSnapshot || st.Repository != tc.url || !errors.Is(st.Err, ErrTUFUnavailable) || !errors.Is(st.Err, errNoNetwork) {
				t.Errorf("status %+v", st)
			}
			if _, ok := snap.TUFStatus(); ok {
				t.Error("the shared embedded snapshot was modified")
			}
			// Offline without cache falls back too, with the option.
			r, err = FromTUF(ctx, append(opts, UnsafeTUFAllowEmbeddedSnapshot(), TUFOffline())...)
			if err != nil {
				t.Fatal(err)
			}
			if st := mustStatus(t, r); st.Source != TUFSourceEmbeddedSnapshot || !errors.Is(st.Err, fs.ErrNotExist) {
				t.Errorf("offline: status %+v", st)
			}
		})
	}

	// Data that fails verification never falls back.
	_, err := FromTUF(ctx, TUFHTTPClient(&http.Client{Transport: staticTransport{`{"signed": {}}`}}), TUFCacheDir(t.TempDir()), UnsafeTUFAllowEmbeddedSnapshot())
	if !errors.Is(err, ErrTUFVerification) {
		t.Fatalf("garbage from the repository: %v, want ErrTUFVerification", err)
	}
	wantErrAs[*metadata.ErrValue](t, err)
}

func TestTUFContextCanceled(t *testing.T) {
	repo := newTUFTestRepo(t)
	dir := t.TempDir()
	if _, err := FromTUF(context.Background(), repo.opts(t, dir)...); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, opt := range []TUFOption{TUFFreshness(0), TUFOffline(), TUFFreshness(time.Hour)} {
		_, err := FromTUF(ctx, repo.opts(t, dir, opt)...)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTUFUnavailable) {
			t.Fatalf("error %v, want context.Canceled and no fallback", err)
		}
	}
	// Canceled during the update.
	ctx, cancel = context.WithCancel(context.Background())
	client := &http.Client{Transport: cancelingTransport{cancel}}
	_, err := FromTUF(ctx, repo.opts(t, dir, TUFFreshness(0), TUFHTTPClient(client))...)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTUFUnavailable) {
		t.Fatalf("error %v, want context.Canceled and no fallback to the cache", err)
	}
}

func TestTUFCorruptCache(t *testing.T) {
	ctx := context.Background()
	production := func(t *testing.T) *TrustedRoot { return mustParseJSON(t, testdataRoots+"production.trusted_root.json") }

	type check func(t *testing.T, cacheErr error)
	for _, tc := range []struct {
		name    string
		rotate  bool // give the cache a root version after the initial one
		corrupt func(t *testing.T, dir string)
		check   check
	}{
		{"bad JSON", false, func(t *testing.T, dir string) {
			os.WriteFile(statePath(dir), []byte(`{"format": 1, "roots": [`), 0o600)
		}, func(t *testing.T, err error) { wantErrAs[*json.SyntaxError](t, err) }},
		{"bad timestamp signature", false, func(t *testing.T, dir string) {
			st := readState(t, dir)
			st.Metadata["timestamp.json"] = flipSignature[metadata.TimestampType](t, st.Metadata["timestamp.json"])
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*metadata.ErrUnsignedMetadata](t, err) }},
		{"bad targets metadata signature", false, func(t *testing.T, dir string) {
			st := readState(t, dir)
			st.Metadata["targets.json"] = flipSignature[metadata.TargetsType](t, st.Metadata["targets.json"])
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*metadata.ErrUnsignedMetadata](t, err) }},
		{"unparsable snapshot", false, func(t *testing.T, dir string) {
			st := readState(t, dir)
			st.Metadata["snapshot.json"] = []byte("{")
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*json.SyntaxError](t, err) }},
		{"target hash mismatch", false, func(t *testing.T, dir string) {
			st := readState(t, dir)
			n := 0
			for key, data := range st.Targets {
				if strings.HasSuffix(key, "."+trustedRootTarget) {
					data[100] ^= 1
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d cached %s", n, trustedRootTarget)
			}
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*metadata.ErrLengthOrHashMismatch](t, err) }},
		{"bad root signature", true, func(t *testing.T, dir string) {
			st := readState(t, dir)
			st.Roots[0] = flipSignature[metadata.RootType](t, st.Roots[0])
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*metadata.ErrUnsignedMetadata](t, err) }},
		{"forged root", true, func(t *testing.T, dir string) {
			// A root version 2 signed by a key version 1 does not trust.
			st := readState(t, dir)
			m, err := metadata.Root().FromBytes(st.Roots[0])
			if err != nil {
				t.Fatal(err)
			}
			st.Roots[0] = signMeta(t, m, newTUFTestKey(t))
			writeState(t, dir, st)
		}, func(t *testing.T, err error) { wantErrAs[*metadata.ErrUnsignedMetadata](t, err) }},
		{"other repository", false, func(t *testing.T, dir string) {
			st := readState(t, dir)
			st.Repository = "https://elsewhere.example"
			writeState(t, dir, st)
		}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "elsewhere.example") {
				t.Errorf("CacheErr %v does not name the other repository", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := newTUFTestRepo(t)
			if tc.rotate {
				repo.rotateRoot(metadata.ROOT, metadata.TIMESTAMP)
				repo.newTimestamp()
			}
			dir := t.TempDir()
			if _, err := FromTUF(ctx, repo.opts(t, dir)...); err != nil {
				t.Fatal(err)
			}
			tc.corrupt(t, dir)

			// Offline, the corrupt cache is not used.
			_, err := FromTUF(ctx, repo.opts(t, dir, TUFOffline())...)
			if !errors.Is(err, ErrTUFUnavailable) {
				t.Fatalf("offline with a corrupt cache: %v, want ErrTUFUnavailable", err)
			}
			tc.check(t, err)

			// Online, within the freshness window: detected and fetched again.
			n := repo.requests.Load()
			r, err := FromTUF(ctx, repo.opts(t, dir)...)
			if err != nil {
				t.Fatal(err)
			}
			st := mustStatus(t, r)
			if st.Source != TUFSourceRepository || repo.requests.Load() == n {
				t.Fatalf("status %+v: not fetched again", st)
			}
			tc.check(t, st.CacheErr)
			if !sameMaterial(r, production(t)) {
				t.Error("material differs")
			}
			if tc.rotate && st.RootVersion != 2 {
				t.Errorf("root version %d, want 2", st.RootVersion)
			}
			// The cache is whole again.
			r, err = FromTUF(ctx, repo.opts(t, dir, TUFOffline())...)
			if err != nil {
				t.Fatal(err)
			}
			if st := mustStatus(t, r); st.Source != TUFSourceCache || st.CacheErr != nil {
				t.Errorf("repaired cache: status %+v", st)
			}
		})
	}
}

func TestTUFUnwritableCache(t *testing.T) {
	repo := newTUFTestRepo(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := FromTUF(context.Background(), repo.opts(t, filepath.Join(file, "cache"))...)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, r); st.Source != TUFSourceRepository || st.CacheErr == nil {
		t.Errorf("status %+v, want material from the repository and a cache error", st)
	}
}

func TestTUFOptions(t *testing.T) {
	root1 := productionTUFRoot
	for _, tc := range []struct {
		name string
		opts []TUFOption
		want string
	}{
		{"staging and repository", []TUFOption{TUFStaging(), TUFRepository("https://tuf.example", root1)}, "TUFRepository conflicts with TUFStaging()"},
		{"snapshot and repository", []TUFOption{TUFRepository("https://tuf.example", root1), UnsafeTUFAllowEmbeddedSnapshot()}, "UnsafeTUFAllowEmbeddedSnapshot() needs a public-good repository"},
		{"negative freshness", []TUFOption{TUFFreshness(-time.Second)}, "TUFFreshness(-1s)"},
		{"bad URL", []TUFOption{TUFRepository("tuf.example", root1)}, `TUFRepository("tuf.example")`},
		{"bad scheme", []TUFOption{TUFRepository("ftp://tuf.example", root1)}, `TUFRepository("ftp://tuf.example")`},
		{"bad root", []TUFOption{TUFRepository("https://tuf.example", []byte(`{}`))}, "TUFRepository: initial root"},
		{"empty cache dir", []TUFOption{TUFCacheDir("")}, `TUFCacheDir("")`},
		{"nil option", []TUFOption{nil}, "nil TUFOption"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromTUF(context.Background(), tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if _, err := NewTUFRefresher(context.Background(), time.Hour, tc.opts...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewTUFRefresher: error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := NewTUFRefresher(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "interval") {
		t.Errorf("NewTUFRefresher(0): %v", err)
	}

	// Defaults.
	cacheHome := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	t.Setenv("HOME", cacheHome)
	t.Setenv("LocalAppData", cacheHome)
	c, err := newTUFConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "sigil", "tuf", "tuf-repo-cdn.sigstore.dev"); c.cacheDir != want {
		t.Errorf("cache dir %s, want %s", c.cacheDir, want)
	}
	if c.url != TUFProductionURL || !bytes.Equal(c.initialRoot, productionTUFRoot) || c.freshness != DefaultTUFFreshness || c.client.Timeout != DefaultTUFHTTPTimeout || c.offline || c.allowSnapshot {
		t.Errorf("defaults: %+v", c)
	}
	c, err = newTUFConfig([]TUFOption{TUFStaging(), TUFHTTPClient(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if c.url != TUFStagingURL || !bytes.Equal(c.initialRoot, stagingTUFRoot) || c.client == nil || !strings.HasSuffix(c.cacheDir, "tuf-repo-cdn.sigstage.dev") {
		t.Errorf("staging: %+v", c)
	}
	c, err = newTUFConfig([]TUFOption{TUFRepository("https://tuf.example/repo/", root1)})
	if err != nil {
		t.Fatal(err)
	}
	if c.url != "https://tuf.example/repo" || c.embedded != nil || filepath.Base(c.cacheDir) != "tuf.example_2Frepo" {
		t.Errorf("private: url %s, cache dir %s", c.url, c.cacheDir)
	}
	// DefaultTUFCacheDir names the directory FromTUF uses, for the URL as
	// given to TUFRepository (trailing slash and all).
	if dir, err := DefaultTUFCacheDir("https://tuf.example/repo/"); err != nil || dir != c.cacheDir {
		t.Errorf("DefaultTUFCacheDir = %q, %v; FromTUF uses %q", dir, err, c.cacheDir)
	}
	if DefaultTUFFreshness != 24*time.Hour || DefaultTUFHTTPTimeout != 30*time.Second {
		t.Errorf("defaults %v, %v differ from the documented 24 hours and 30 seconds", DefaultTUFFreshness, DefaultTUFHTTPTimeout)
	}
}

func TestTUFEmbeddedRoots(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		version int64
		expires string
	}{
		{"production", productionTUFRoot, 15, "2026-11-20T13:58:18Z"},
		{"staging", stagingTUFRoot, 14, "2026-10-16T19:39:43Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := trustedmetadata.New(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			r := tm.Root.Signed
			if r.Version != tc.version || r.Expires.Format(time.RFC3339) != tc.expires || !r.ConsistentSnapshot {
				t.Errorf("version %d, expires %v, consistent snapshot %v", r.Version, r.Expires, r.ConsistentSnapshot)
			}
		})
	}
	if !bytes.Equal(productionTUFRoot, readTestdata(t, "testdata/tuf/production/metadata/root_history/15.root.json")) {
		t.Error("the embedded production root is not version 15 of the copied repository")
	}
}

func TestCacheName(t *testing.T) {
	seen := map[string]string{}
	for in, want := range map[string]string{
		"https://tuf-repo-cdn.sigstore.dev": "tuf-repo-cdn.sigstore.dev",
		"https://tuf-repo-cdn.sigstage.dev": "tuf-repo-cdn.sigstage.dev",
		"http://127.0.0.1:8080":             "http_3A_2F_2F127.0.0.1_3A8080",
		"https://example.com/a/b":           "example.com_2Fa_2Fb",
		"https://example.com/a_2Fb":         "example.com_2Fa_5F2Fb",
		"https://EXAMPLE.com/x?y":           "EXAMPLE.com_2Fx_3Fy",
	} {
		got := cacheName(in)
		if got != want {
			t.Errorf("cacheName(%q) = %q, want %q", in, got, want)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q share %q", in, other, got)
		}
		seen[got] = in
	}
	long := cacheName("https://example.com/" + strings.Repeat("x", 300))
	if len(long) > 100 || long == cacheName("https://example.com/"+strings.Repeat("x", 301)) {
		t.Errorf("long names: %q", long)
	}
}

// TestTUFRefresher runs a refresher against a repository that changes, goes
// down and comes back.
func TestTUFRefresher(t *testing.T) {
	repo := newTUFTestRepo(t)
	production := mustParseJSON(t, testdataRoots+"production.trusted_root.json")
	staging := mustParseJSON(t, testdataRoots+"staging.trusted_root.json")
	ctx := context.Background()
	r, err := NewTUFRefresher(ctx, 5*time.Millisecond, repo.opts(t, "")...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	if !sameMaterial(r.Current(), production) || r.Err() != nil {
		t.Fatal("initial material")
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}

	// Refreshes ignore the 24-hour freshness window.
	repo.newTargets(readTestdata(t, testdataRoots+"staging.trusted_root.json"))
	waitFor("the new material", func() bool { return sameMaterial(r.Current(), staging) })
	if st := mustStatus(t, r.Current()); st.Source != TUFSourceRepository {
		t.Errorf("status %+v", st)
	}

	repo.status.Store(http.StatusBadGateway)
	waitFor("a refresh error", func() bool { return r.Err() != nil })
	wantErrAs[*metadata.ErrDownloadHTTP](t, r.Err(), ErrTUFUnavailable)
	if cur := r.Current(); !sameMaterial(cur, staging) || mustStatus(t, cur).Source != TUFSourceRepository {
		t.Error("a failed refresh replaced the material")
	}

	repo.status.Store(0)
	waitFor("recovery", func() bool { return r.Err() == nil })
	r.Stop()
	r.Stop()
	if r.Current() == nil {
		t.Error("Current after Stop")
	}

	// The refresher also ends with its context.
	ctx, cancel := context.WithCancel(context.Background())
	r2, err := NewTUFRefresher(ctx, time.Millisecond, repo.opts(t, "")...)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-r2.done:
	case <-time.After(10 * time.Second):
		t.Fatal("refresher still running after its context ended")
	}

	// Refreshes never fall back: material from the embedded snapshot stays
	// until the repository answers.
	errNoNetwork := errors.New("no network in this test")
	r3, err := NewTUFRefresher(context.Background(), time.Millisecond, TUFCacheDir(t.TempDir()),
		TUFHTTPClient(&http.Client{Transport: failingTransport{errNoNetwork}}), UnsafeTUFAllowEmbeddedSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Stop()
	snap := r3.Current()
	if _, ok := snap.Snapshot(); !ok {
		t.Fatal("initial material is not the embedded snapshot")
	}
	waitFor("a refresh error", func() bool { return r3.Err() != nil })
	if err := r3.Err(); !errors.Is(err, ErrTUFUnavailable) || !errors.Is(err, errNoNetwork) || r3.Current() != snap {
		t.Errorf("refresh: error %v, material replaced: %v", err, r3.Current() != snap)
	}

	// An initial failure is returned.
	repo.status.Store(http.StatusNotFound)
	_, err = NewTUFRefresher(context.Background(), time.Hour, repo.opts(t, "")...)
	wantErrAs[*metadata.ErrDownloadHTTP](t, err, ErrTUFUnavailable)
}

// TestTUFNetworkOnlyInTUFFiles keeps ARCHITECTURE.md's rule: FromTUF is the only
// trustroot code that touches the network, and it lives in tuf*.go.
func TestTUFNetworkOnlyInTUFFiles(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	network := func(path string) bool {
		return path == "net" || path == "net/http" || strings.HasPrefix(path, "net/http/") || path == "crypto/tls" ||
			strings.HasPrefix(path, "github.com/theupdateframework/go-tuf")
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		n++
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if network(path) && !strings.HasPrefix(f, "tuf") {
				t.Errorf("%s imports %s: network code belongs in tuf*.go", f, path)
			}
		}
	}
	if n == 0 {
		t.Fatal("no source files")
	}
}

func TestTUFSourceString(t *testing.T) {
	for s, want := range map[TUFSource]string{
		TUFSourceRepository: "repository", TUFSourceCache: "cache", TUFSourceEmbeddedSnapshot: "embedded snapshot", 0: "TUFSource(0)",
	} {
		if got := s.String(); got != want {
			t.Errorf("%d: %q, want %q", int(s), got, want)
		}
	}
	if _, ok := (&TrustedRoot{}).TUFStatus(); ok {
		t.Error("TUFStatus ok for a root not from TUF")
	}
}
