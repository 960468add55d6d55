package trustroot

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/theupdateframework/go-tuf/v2/metadata/trustedmetadata"
	"google.golang.org/protobuf/encoding/protojson"
)

// The public-good TUF repositories.
const (
	TUFProductionURL = "https://tuf-repo-cdn.sigstore.dev"
	TUFStagingURL    = "https://tuf-repo-cdn.sigstage.dev"
)

// Initial TUF roots of the public-good repositories, from sigstore/root-signing
// and root-signing-staging (see embedded/SOURCE.md). Every later root version
// is fetched and verified from them.
var (
	//go:embed embedded/production.root.json
	productionTUFRoot []byte
	//go:embed embedded/staging.root.json
	stagingTUFRoot []byte
)

// Targets FromTUF reads from the repository.
const (
	trustedRootTarget   = "trusted_root.json"
	signingConfigTarget = "signing_config.v0.2.json"
)

// Defaults of FromTUF's options.
const (
	// DefaultTUFFreshness is how long after a successful update FromTUF uses
	// its cache without contacting the repository (TUFFreshness).
	DefaultTUFFreshness = 24 * time.Hour
	// DefaultTUFHTTPTimeout bounds each request of the HTTP client FromTUF
	// uses unless given one (TUFHTTPClient).
	DefaultTUFHTTPTimeout = 30 * time.Second
)

// ErrTUFUnavailable is wrapped by FromTUF's errors when trust material could
// not be obtained: the repository could not be reached (network error, HTTP
// status other than 200, timeout) and no usable cache was at hand, or the
// cache was missing, expired or corrupt in offline mode (TUFOffline). Nothing
// was found untrustworthy; retrying later may succeed. The cause is wrapped
// too: for example [fs.ErrNotExist] when there is no cache, or go-tuf's
// *metadata.ErrExpiredMetadata when the cached metadata has expired.
var ErrTUFUnavailable = errors.New("trustroot: TUF repository unavailable")

// ErrTUFVerification is wrapped by FromTUF's errors when the repository
// served metadata or a target that failed TUF verification: signatures below
// a role's threshold, a version older than one already trusted (rollback),
// expired metadata, a target whose length or hashes do not match, or
// unparsable metadata. The repository or the network path to it is not to be
// trusted; this is worth an alert, not a retry. go-tuf's error is wrapped too,
// so errors.As finds the specific cause: *metadata.ErrUnsignedMetadata,
// *metadata.ErrBadVersionNumber, *metadata.ErrExpiredMetadata,
// *metadata.ErrLengthOrHashMismatch, *metadata.ErrDownloadLengthMismatch
// (package github.com/theupdateframework/go-tuf/v2/metadata).
var ErrTUFVerification = errors.New("trustroot: TUF verification failed")

// TUFSource says where the trust material of a TUF-backed TrustedRoot came
// from.
type TUFSource int

const (
	// TUFSourceRepository: fetched from the repository and verified in the
	// call that returned it.
	TUFSourceRepository TUFSource = iota + 1
	// TUFSourceCache: read from the local cache and verified again, without
	// contacting the repository.
	TUFSourceCache
	// TUFSourceEmbeddedSnapshot: sigil's embedded snapshot, because the
	// repository could not be reached and UnsafeTUFAllowEmbeddedSnapshot was
	// given. Not verified through TUF; Snapshot reports its date.
	TUFSourceEmbeddedSnapshot
)

func (s TUFSource) String() string {
	switch s {
	case TUFSourceRepository:
		return "repository"
	case TUFSourceCache:
		return "cache"
	case TUFSourceEmbeddedSnapshot:
		return "embedded snapshot"
	}
	return fmt.Sprintf("TUFSource(%d)", int(s))
}

// TUFStatus describes how FromTUF obtained a TrustedRoot. Read it with
// (*TrustedRoot).TUFStatus.
type TUFStatus struct {
	// Repository is the repository's metadata URL.
	Repository string
	// Source says where the material came from.
	Source TUFSource
	// Checked is when the material was last confirmed current with the
	// repository: now for TUFSourceRepository, the time of the update that
	// filled the cache for TUFSourceCache, zero for the embedded snapshot.
	Checked time.Time
	// Stale reports material from the cache whose Checked time is older than
	// the freshness window (TUFFreshness): the repository was not consulted
	// (TUFOffline) or could not be reached (then Err says why). The material
	// is still within the expiry dates of its signed metadata, or FromTUF
	// would have failed.
	Stale bool
	// Err, for material that does not come from the repository although the
	// repository was asked, is why it could not be reached. It wraps
	// ErrTUFUnavailable. Nil otherwise.
	Err error
	// CacheErr, when not nil, says why cached data was discarded or the cache
	// could not be written: a corrupt cache file, cached metadata that failed
	// verification or expired, a cached target whose hashes did not match, an
	// unwritable directory. Discarded data is never used; the returned
	// material does not depend on it. Informational.
	CacheErr error
	// RootVersion and TimestampVersion are the versions of the root and
	// timestamp metadata the material was verified with (zero for the
	// embedded snapshot).
	RootVersion, TimestampVersion int64
	// Expires is the earliest expiry of the root, timestamp, snapshot and
	// targets metadata the material was verified with: after it, the cache
	// can no longer be used offline (zero for the embedded snapshot).
	Expires time.Time
}

// TUFStatus reports, for a TrustedRoot returned by FromTUF or a TUFRefresher,
// where its material came from and how current it is; ok is false for roots
// from any other source.
func (r *TrustedRoot) TUFStatus() (status TUFStatus, ok bool) {
	if r.tuf == nil {
		return TUFStatus{}, false
	}
	return *r.tuf, true
}

// A TUFOption configures FromTUF and NewTUFRefresher.
type TUFOption func(*tufConfig) error

type tufConfig struct {
	url           string
	initialRoot   []byte
	embedded      func() (*TrustedRoot, error) // the public-good snapshot, nil for a private repository
	staging       bool
	private       bool
	cacheDir      string
	freshness     time.Duration
	offline       bool
	client        *http.Client
	allowSnapshot bool
	// now, when set (tests only), is both the clock for cache freshness and
	// go-tuf's reference time for metadata expiry.
	now func() time.Time
}

func (c *tufConfig) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// TUFStaging selects the public-good staging repository,
// https://tuf-repo-cdn.sigstage.dev (TUFStagingURL), trusted from sigil's
// embedded staging root.json. Default: the public-good production repository,
// https://tuf-repo-cdn.sigstore.dev (TUFProductionURL), trusted from the
// embedded production root.json. It conflicts with TUFRepository.
func TUFStaging() TUFOption {
	return func(c *tufConfig) error {
		c.staging = true
		return nil
	}
}

// TUFRepository selects a private deployment's TUF repository: metadata
// under repositoryURL (http or https), targets under repositoryURL/targets
// (the layout of Sigstore's repositories), trusted from initialRoot, a
// root.json the caller obtained out of band (any version: later versions are
// fetched and verified from it). initialRoot is checked here: it must be
// root metadata signed by a threshold of its own root keys. Default: the
// public-good production repository with sigil's embedded root. It conflicts
// with TUFStaging and UnsafeTUFAllowEmbeddedSnapshot.
func TUFRepository(repositoryURL string, initialRoot []byte) TUFOption {
	return func(c *tufConfig) error {
		u, err := url.Parse(repositoryURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("trustroot: TUFRepository(%q): need an absolute http or https URL", repositoryURL)
		}
		if _, err := trustedmetadata.New(initialRoot); err != nil {
			return fmt.Errorf("trustroot: TUFRepository: initial root: %w", err)
		}
		c.private = true
		c.url = strings.TrimRight(repositoryURL, "/")
		c.initialRoot = bytes.Clone(initialRoot)
		return nil
	}
}

// TUFCacheDir sets the directory of the repository's local cache. Give
// each repository its own directory; a cache written for another repository
// is ignored and replaced. The directory is created (mode 0700) when first
// written. Default: DefaultTUFCacheDir of the repository's URL,
// <os.UserCacheDir()>/sigil/tuf/<repository URL as a file name>, for example
// ~/.cache/sigil/tuf/tuf-repo-cdn.sigstore.dev on Linux.
func TUFCacheDir(dir string) TUFOption {
	return func(c *tufConfig) error {
		if dir == "" {
			return errors.New("trustroot: TUFCacheDir(\"\"): need a directory")
		}
		c.cacheDir = dir
		return nil
	}
}

// TUFFreshness sets how long after a successful update from the repository
// FromTUF uses the cache without contacting the repository. Zero contacts the
// repository on every call. Default: DefaultTUFFreshness (24 hours).
func TUFFreshness(d time.Duration) TUFOption {
	return func(c *tufConfig) error {
		if d < 0 {
			return fmt.Errorf("trustroot: TUFFreshness(%v): need a duration >= 0", d)
		}
		c.freshness = d
		return nil
	}
}

// TUFOffline makes FromTUF use the cache only, never the network. Cached
// metadata is verified as always and must not have expired; material older
// than the freshness window is returned with TUFStatus.Stale set. Without a
// usable cache FromTUF fails with ErrTUFUnavailable (or, with
// UnsafeTUFAllowEmbeddedSnapshot, returns the embedded snapshot). Default:
// online, contacting the repository when the cache is older than the
// freshness window.
func TUFOffline() TUFOption {
	return func(c *tufConfig) error {
		c.offline = true
		return nil
	}
}

// TUFHTTPClient sets the HTTP client that fetches from the repository. nil
// means the default. Default: a client with a DefaultTUFHTTPTimeout
// (30-second) timeout per request over http.DefaultTransport (which honours the HTTP(S)_PROXY environment
// variables).
func TUFHTTPClient(client *http.Client) TUFOption {
	return func(c *tufConfig) error {
		c.client = client
		return nil
	}
}

// UnsafeTUFAllowEmbeddedSnapshot lets FromTUF return sigil's embedded
// snapshot of the public-good trusted root (PublicGood, or PublicGoodStaging
// with TUFStaging) when the repository cannot be reached and there is no
// usable cache, instead of failing with ErrTUFUnavailable. The snapshot is not
// verified through TUF and may trust keys revoked since it was taken; the
// result says so: Snapshot reports its date, TUFStatus its source
// (TUFSourceEmbeddedSnapshot) and why the repository was not used. Material
// that failed verification never falls back. Default: no fallback. It
// conflicts with TUFRepository.
func UnsafeTUFAllowEmbeddedSnapshot() TUFOption {
	return func(c *tufConfig) error {
		c.allowSnapshot = true
		return nil
	}
}

// newTUFConfig applies opts, checks their combinations and fills in the
// defaults.
func newTUFConfig(opts []TUFOption) (*tufConfig, error) {
	c := &tufConfig{freshness: DefaultTUFFreshness}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("trustroot: nil TUFOption")
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	switch {
	case c.private && c.staging:
		return nil, errors.New("trustroot: TUFRepository conflicts with TUFStaging()")
	case c.private && c.allowSnapshot:
		return nil, errors.New("trustroot: UnsafeTUFAllowEmbeddedSnapshot() needs a public-good repository: it conflicts with TUFRepository")
	}
	switch {
	case c.private:
	case c.staging:
		c.url, c.initialRoot, c.embedded = TUFStagingURL, stagingTUFRoot, PublicGoodStaging
	default:
		c.url, c.initialRoot, c.embedded = TUFProductionURL, productionTUFRoot, PublicGood
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: DefaultTUFHTTPTimeout}
	}
	if c.cacheDir == "" {
		dir, err := DefaultTUFCacheDir(c.url)
		if err != nil {
			return nil, fmt.Errorf("%w, set one with TUFCacheDir", err)
		}
		c.cacheDir = dir
	}
	return c, nil
}

// DefaultTUFCacheDir returns the cache directory FromTUF uses for the
// repository at repositoryURL (TUFProductionURL, TUFStagingURL or the URL
// given to TUFRepository) unless TUFCacheDir sets another:
// <os.UserCacheDir()>/sigil/tuf/<the URL as a file name>, the URL without
// trailing slashes and its https:// prefix, every byte other than letters,
// digits, '.' and '-' escaped as _XX, and names over 100 bytes shortened
// with a hash. Distinct repositories get distinct directories. It fails when
// the system names no user cache directory.
func DefaultTUFCacheDir(repositoryURL string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("trustroot: no user cache directory: %w", err)
	}
	return filepath.Join(base, "sigil", "tuf", cacheName(strings.TrimRight(repositoryURL, "/"))), nil
}

// FromTUF returns the trusted root a Sigstore TUF repository currently
// publishes as its trusted_root.json target, verified through the TUF client
// workflow (go-tuf/v2), together with the signing configuration
// (SigningConfig) when the repository publishes signing_config.v0.2.json.
//
// By default it reads the public-good production repository
// (TUFProductionURL) starting from sigil's embedded root.json; TUFStaging
// selects staging, TUFRepository a private deployment's repository with the
// caller's initial root.json.
//
// Verified metadata and targets are cached on disk (TUFCacheDir). Within the
// freshness window (TUFFreshness, default DefaultTUFFreshness) after a successful update
// FromTUF uses the cache and does not touch the network; after it, FromTUF
// updates from the repository and, if the repository cannot be reached, falls
// back to the cache, reporting the material as stale (TUFStatus.Stale, with
// the network error in TUFStatus.Err). TUFOffline never touches the network.
// The cache is not a trust anchor: everything read from it, root versions
// included, is verified again from the initial root on every call, and data
// that fails (bad JSON, bad signatures, a target whose hashes do not match)
// is discarded and fetched again, never used; TUFStatus.CacheErr says what
// was discarded. Several processes may share a cache: it is one file,
// replaced atomically (written to a temporary file in the same directory,
// synced, renamed); the last writer wins.
//
// Without network access and without a usable cache, FromTUF fails with
// ErrTUFUnavailable; it falls back to the embedded snapshot only if
// UnsafeTUFAllowEmbeddedSnapshot is given, and then the result's Snapshot and
// TUFStatus say so.
//
// Errors: option errors name the option; errors.Is(err, ErrTUFUnavailable)
// when the material could not be obtained, errors.Is(err,
// ErrTUFVerification) when the repository served data that failed
// verification (see both for the go-tuf causes they wrap); errors wrapping
// ErrMalformed when the verified trusted_root.json or signing configuration
// does not parse; context errors when ctx ends (no fallback then); errors
// from the local file system (go-tuf's temporary working directory) as they
// are.
//
// FromTUF (with TUFRefresher, which calls it) is the only code of this
// package that uses the network. It is safe for concurrent use. The returned
// TrustedRoot carries its TUFStatus.
func FromTUF(ctx context.Context, opts ...TUFOption) (*TrustedRoot, error) {
	c, err := newTUFConfig(opts)
	if err != nil {
		return nil, err
	}
	return c.fromTUF(ctx, false)
}

// fromTUF implements FromTUF. A refresh (from a TUFRefresher) ignores the
// freshness window and does not fall back: if the repository cannot be
// reached it fails, so that the refresher keeps its current material.
func (c *tufConfig) fromTUF(ctx context.Context, refresh bool) (*TrustedRoot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("trustroot: TUF %s: %w", c.url, err)
	}
	now := c.clock().Round(0) // wall clock only: it is stored in the cache
	cache := c.loadCache()
	status := TUFStatus{Repository: c.url, CacheErr: cache.err}
	fresh := cache.state != nil && !now.Before(cache.state.Checked) && now.Sub(cache.state.Checked) < c.freshness

	// fromCache verifies the cached state again, at most once per call.
	var cached *tufResult
	var cachedErr error
	fromCache := func() (*tufResult, error) {
		if cached == nil && cachedErr == nil {
			if cache.state == nil {
				cachedErr = fmt.Errorf("no cache in %s: %w", c.cacheDir, errOr(cache.err, fs.ErrNotExist))
			} else if cached, cachedErr = c.update(ctx, cache, false); cachedErr != nil {
				status.CacheErr = errors.Join(status.CacheErr, fmt.Errorf("cache %s: %w", c.cacheDir, cachedErr))
			}
		}
		return cached, cachedErr
	}
	cacheStatus := func(s TUFStatus) TUFStatus {
		s.Source, s.Checked, s.Stale = TUFSourceCache, cache.state.Checked, !fresh
		return s
	}

	if c.offline {
		res, err := fromCache()
		if err != nil {
			if cache.state != nil && cache.err != nil {
				err = errors.Join(err, cache.err) // what was discarded may be why
			}
			err = fmt.Errorf("%w: %s: offline (TUFOffline): %w", ErrTUFUnavailable, c.url, err)
			if refresh {
				return nil, err
			}
			return c.fallback(status, err)
		}
		return c.build(res, cacheStatus(status))
	}
	if fresh && !refresh {
		if res, err := fromCache(); err == nil {
			return c.build(res, cacheStatus(status))
		}
	}

	res, err := c.update(ctx, cache, true)
	if err == nil {
		status.Source, status.Checked = TUFSourceRepository, now
		root, err := c.build(res, status)
		if err != nil {
			return nil, err
		}
		if res.discarded != nil {
			root.tuf.CacheErr = errors.Join(root.tuf.CacheErr, fmt.Errorf("cache %s: %w", c.cacheDir, res.discarded))
		}
		if err := c.saveCache(cache, res, now); err != nil {
			root.tuf.CacheErr = errors.Join(root.tuf.CacheErr, err)
		}
		return root, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("trustroot: TUF %s: %w", c.url, err)
	}
	switch classifyTUFError(err) {
	case tufVerification:
		return nil, fmt.Errorf("%w: %s: %w", ErrTUFVerification, c.url, err)
	case tufLocal:
		return nil, fmt.Errorf("trustroot: TUF %s: %w", c.url, err)
	}
	uerr := fmt.Errorf("%w: %s: %w", ErrTUFUnavailable, c.url, err)
	if refresh {
		return nil, uerr
	}
	if cache.state != nil {
		res, err := fromCache()
		if err == nil {
			s := cacheStatus(status)
			s.Err = uerr
			return c.build(res, s)
		}
		uerr = fmt.Errorf("%w; cache not usable: %w", uerr, err)
	}
	return c.fallback(status, uerr)
}

// fallback returns the embedded snapshot if the caller allowed it, err
// otherwise.
func (c *tufConfig) fallback(status TUFStatus, err error) (*TrustedRoot, error) {
	if !c.allowSnapshot || c.embedded == nil {
		return nil, err
	}
	snap, serr := c.embedded()
	if serr != nil {
		return nil, errors.Join(err, serr)
	}
	r := *snap
	status.Source, status.Err = TUFSourceEmbeddedSnapshot, err
	r.tuf = &status
	return &r, nil
}

// build parses the verified targets into a TrustedRoot carrying status.
func (c *tufConfig) build(res *tufResult, status TUFStatus) (*TrustedRoot, error) {
	r, err := ParseJSON(res.targets[trustedRootTarget])
	if err != nil {
		return nil, fmt.Errorf("trustroot: TUF %s: target %s: %w", c.url, trustedRootTarget, err)
	}
	if sc, ok := res.targets[signingConfigTarget]; ok {
		if r.signingConfig, err = compactSigningConfig(sc); err != nil {
			return nil, fmt.Errorf("trustroot: TUF %s: target %s: %w", c.url, signingConfigTarget, err)
		}
	}
	status.RootVersion, status.TimestampVersion, status.Expires = res.rootVersion, res.timestampVersion, res.expires
	r.tuf = &status
	return r, nil
}

// compactSigningConfig checks that data is a protobuf-specs SigningConfig
// and returns it in the form SigningConfig returns.
func compactSigningConfig(data []byte) ([]byte, error) {
	var sc prototrust.SigningConfig
	if err := jsonOpts.Unmarshal(data, &sc); err != nil {
		return nil, malformed("signing config: %s", protojsonError(err))
	}
	out, err := protojson.Marshal(&sc)
	if err != nil {
		return nil, malformed("signing config: %s", protojsonError(err))
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, out); err != nil {
		return nil, malformed("signing config: %v", err)
	}
	return buf.Bytes(), nil
}

func errOr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
