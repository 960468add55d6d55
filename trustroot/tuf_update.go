package trustroot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/sigil-dev/sigil/internal/limits"
)

// tufResult is the verified outcome of one run of the TUF client workflow.
type tufResult struct {
	rootVersion, timestampVersion int64
	expires                       time.Time
	// newRoots are the root versions fetched in this run, in order.
	newRoots [][]byte
	// metadata are the other metadata files as go-tuf left them, by file
	// name; targets the targets read, by name, and cacheKeys their names in
	// the cache.
	metadata  map[string][]byte
	targets   map[string][]byte
	cacheKeys map[string]string
	// discarded says which cached targets were fetched again, and why.
	discarded error
}

// errNoTrustedRoot: the repository's targets metadata does not list
// trusted_root.json.
var errNoTrustedRoot = errors.New("repository lists no target " + trustedRootTarget)

// update runs go-tuf's client workflow from the cache's latest verified root.
// go-tuf works in a private temporary directory seeded with the cached
// metadata, so that it verifies it again and (online) uses it for rollback
// protection, while the shared cache is only ever replaced whole, by
// saveCache. Online, new metadata and targets come from the repository;
// offline (go-tuf's UnsafeLocalMode, which still verifies signatures, versions
// and expiry) only the cache is read, and any gap in it is an error.
func (c *tufConfig) update(ctx context.Context, lc *tufCache, online bool) (*tufResult, error) {
	work, err := os.MkdirTemp("", "sigil-tuf-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	mdDir, tgDir := filepath.Join(work, "metadata"), filepath.Join(work, "targets")
	for _, d := range []string{mdDir, tgDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	var cachedTargets map[string][]byte
	if lc.state != nil {
		cachedTargets = lc.state.Targets
		for name, data := range lc.state.Metadata { // names checked by loadCache
			if err := os.WriteFile(filepath.Join(mdDir, name), data, 0o600); err != nil {
				return nil, err
			}
		}
	}

	cfg, err := config.New(c.url, lc.root)
	if err != nil {
		return nil, err
	}
	f := &tufFetcher{ctx: ctx, client: c.client, online: online, metadataURL: c.url, roots: map[int64][]byte{}}
	cfg.Fetcher = f
	cfg.LocalMetadataDir, cfg.LocalTargetsDir = mdDir, tgDir
	cfg.PrefixTargetsWithHash = true
	cfg.UnsafeLocalMode = !online
	up, err := updater.New(cfg)
	if err != nil {
		return nil, err
	}
	if c.now != nil {
		up.UnsafeSetRefTime(c.now())
	}
	if err := up.Refresh(); err != nil {
		return nil, err
	}

	res := &tufResult{metadata: map[string][]byte{}, targets: map[string][]byte{}, cacheKeys: map[string]string{}}
	for _, name := range []string{trustedRootTarget, signingConfigTarget} {
		info, err := findTarget(up, name)
		if err != nil {
			return nil, err
		}
		if info == nil {
			if name == trustedRootTarget {
				return nil, errNoTrustedRoot
			}
			continue // the signing configuration is optional
		}
		if info.Length > limits.MaxTrustedRootSize {
			return nil, &metadata.ErrLengthOrHashMismatch{Msg: fmt.Sprintf("target %s: length %d exceeds the limit of %d", name, info.Length, limits.MaxTrustedRootSize)}
		}
		key := targetCacheKey(name, info)
		res.cacheKeys[name] = key
		if data, ok := cachedTargets[key]; ok {
			err := info.VerifyLengthHashes(data)
			if err == nil {
				res.targets[name] = data
				continue
			}
			err = fmt.Errorf("cached target %s: %w", name, err)
			if !online {
				return nil, err
			}
			res.discarded = errors.Join(res.discarded, err)
		} else if !online {
			return nil, fmt.Errorf("target %s: %w", name, fs.ErrNotExist)
		}
		_, data, err := up.DownloadTarget(info, filepath.Join(tgDir, name), "")
		if err != nil {
			return nil, err
		}
		res.targets[name] = data
	}

	tm := up.GetTrustedMetadataSet()
	res.rootVersion = tm.Root.Signed.Version
	res.timestampVersion = tm.Timestamp.Signed.Version
	res.expires = tm.Root.Signed.Expires
	for _, t := range []time.Time{tm.Timestamp.Signed.Expires, tm.Snapshot.Signed.Expires, tm.Targets[metadata.TARGETS].Signed.Expires} {
		if t.Before(res.expires) {
			res.expires = t
		}
	}
	for v := lc.rootVersion + 1; v <= res.rootVersion; v++ {
		data, ok := f.roots[v]
		if !ok {
			return nil, fmt.Errorf("root version %d verified but not recorded", v)
		}
		res.newRoots = append(res.newRoots, data)
	}
	entries, err := os.ReadDir(mdDir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || name == metadata.ROOT+".json" || !strings.HasSuffix(name, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(mdDir, name))
		if err != nil {
			return nil, err
		}
		res.metadata[name] = data
	}
	return res, nil
}

// targetCacheKey names a target's content in the cache as the repository
// names it with consistent snapshots, <sha256>.<name>, so that a cached
// target whose key matches but whose content does not is corrupt, not merely
// out of date.
func targetCacheKey(name string, info *metadata.TargetFiles) string {
	if h, ok := info.Hashes["sha256"]; ok {
		return h.String() + "." + name
	}
	algs := slices.Sorted(maps.Keys(info.Hashes))
	if len(algs) == 0 {
		return name
	}
	return algs[0] + "-" + info.Hashes[algs[0]].String() + "." + name
}

// findTarget returns the verified description of target name, or nil if
// the repository does not list it.
func findTarget(up *updater.Updater, name string) (*metadata.TargetFiles, error) {
	if tf, ok := up.GetTopLevelTargets()[name]; ok {
		return tf, nil
	}
	tf, err := up.GetTargetInfo(name) // searches delegations
	if err != nil {
		// go-tuf reports a target absent from every role with this untyped
		// error.
		if err.Error() == fmt.Sprintf("target %s not found", name) {
			return nil, nil
		}
		return nil, err
	}
	return tf, nil
}

// tufFetcher fetches for go-tuf with the caller's HTTP client and context,
// and records the root versions it fetches. It serves one FromTUF call: it
// holds that call's context because go-tuf's Fetcher interface takes none.
type tufFetcher struct {
	ctx         context.Context
	client      *http.Client
	online      bool
	metadataURL string
	roots       map[int64][]byte
}

// tufFetchError is a failure to reach the repository.
type tufFetchError struct {
	URL string
	Err error
}

func (e *tufFetchError) Error() string { return "fetching " + e.URL + ": " + e.Err.Error() }
func (e *tufFetchError) Unwrap() error { return e.Err }

var errOfflineFetch = errors.New("offline, not fetching")

// DownloadFile implements go-tuf's fetcher.Fetcher.
func (f *tufFetcher) DownloadFile(urlPath string, maxLength int64, _ time.Duration) ([]byte, error) {
	if !f.online {
		return nil, &tufFetchError{URL: urlPath, Err: errOfflineFetch}
	}
	req, err := http.NewRequestWithContext(f.ctx, http.MethodGet, urlPath, nil)
	if err != nil {
		return nil, &tufFetchError{URL: urlPath, Err: err}
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, &tufFetchError{URL: urlPath, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// go-tuf reads a 404 for the next root version as "no newer root".
		return nil, &metadata.ErrDownloadHTTP{StatusCode: resp.StatusCode, URL: urlPath}
	}
	if resp.ContentLength > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: length %d exceeds %d", urlPath, resp.ContentLength, maxLength)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLength+1))
	if err != nil {
		return nil, &tufFetchError{URL: urlPath, Err: err}
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s: longer than %d bytes", urlPath, maxLength)}
	}
	if rest, ok := strings.CutPrefix(urlPath, f.metadataURL+"/"); ok && path.Base(rest) == rest {
		if v, ok := strings.CutSuffix(rest, "."+metadata.ROOT+".json"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				f.roots[n] = data
			}
		}
	}
	return data, nil
}

type tufErrorClass int

const (
	tufVerification tufErrorClass = iota // the repository's data failed verification
	tufUnavailable                       // the repository could not be reached
	tufLocal                             // a local file system error
)

func classifyTUFError(err error) tufErrorClass {
	var fe *tufFetchError
	var he *metadata.ErrDownloadHTTP
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	switch {
	case errors.As(err, &fe), errors.As(err, &he):
		return tufUnavailable
	case errors.As(err, &pe), errors.As(err, &le), errors.As(err, &se):
		return tufLocal
	}
	return tufVerification
}
