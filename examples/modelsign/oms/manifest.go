package oms

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/blake2b"
)

// The serialization methods and hash algorithms of OMS v1.0.
const (
	MethodFiles  = "files"
	MethodShards = "shards"

	SHA256  = "sha256"
	BLAKE2b = "blake2b"
)

// DefaultShardSize is the shard size OMS recommends: 1,000,000,000 bytes.
const DefaultShardSize = 1_000_000_000

// MaxResources bounds the resources (files or shards) of a manifest, signed
// or parsed, and so the work and memory one model costs.
const MaxResources = 1_000_000

// DefaultIgnorePaths are the paths OMS excludes from every model: top-level
// entries of the model root only.
var DefaultIgnorePaths = []string{".git", ".gitattributes", ".github", ".gitignore"}

// Errors of serialization and verification. Each error of this package
// wraps one of them, or is a *MismatchError.
var (
	// ErrSymlink: a symbolic link in a model serialized without AllowSymlinks.
	ErrSymlink = errors.New("oms: symbolic link")
	// ErrOutsideRoot: a symbolic link whose target is outside the model root.
	ErrOutsideRoot = errors.New("oms: symbolic link target outside the model")
	// ErrCycle: a symbolic link to one of its own ancestor directories.
	ErrCycle = errors.New("oms: symbolic link cycle")
	// ErrEmptyModel: no file is left to sign after the exclusions.
	ErrEmptyModel = errors.New("oms: empty model")
	// ErrName: a file name OMS cannot represent (not UTF-8), or a path that
	// is not a canonical relative path.
	ErrName = errors.New("oms: invalid path")
	// ErrFileType: a model entry that is neither a regular file, a directory
	// nor a symbolic link.
	ErrFileType = errors.New("oms: not a regular file")
	// ErrMalformed: a statement or bundle that is not OMS.
	ErrMalformed = errors.New("oms: malformed")
	// ErrUnsupported: a hash algorithm or method this package does not implement.
	ErrUnsupported = errors.New("oms: unsupported")
	// ErrTooLarge: more than MaxResources resources.
	ErrTooLarge = errors.New("oms: too many resources")
)

// Options says how Serialize enumerates and hashes a model.
type Options struct {
	// HashType is SHA256 or BLAKE2b. Default: SHA256.
	HashType string
	// ShardSize selects the "shards" method with shards of this many bytes;
	// 0 selects the "files" method. Default: 0.
	ShardSize int64
	// AllowSymlinks hashes symbolic links as their targets instead of
	// refusing them. Default: false.
	AllowSymlinks bool
	// IgnorePaths are paths, relative to the model root in POSIX form,
	// excluded with their subtrees (see CanonicalIgnorePath), in addition to
	// DefaultIgnorePaths.
	IgnorePaths []string
	// Workers is the number of files or shards hashed at once.
	// Default: runtime.GOMAXPROCS(0).
	Workers int
}

// Resource is a resource descriptor of the manifest: a file (or a shard,
// named "path:start:end") and its digest, lowercase hex.
type Resource struct {
	Name      string `json:"name"`
	Digest    string `json:"digest"`
	Algorithm string `json:"algorithm"`
}

// Serialization records how the resources were computed.
type Serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	ShardSize     int64    `json:"shard_size,omitempty"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

// Manifest is a serialized model: the subject name, the resources in
// manifest order and the serialization parameters.
type Manifest struct {
	// Name is the subject name: the model's basename.
	Name          string
	Resources     []Resource
	Serialization Serialization
}

// file is an enumerated model file.
type file struct {
	name string // resource name (relative POSIX path)
	path string // what to open: the file or, for a symbolic link, its target
	size int64
}

// Serialize enumerates and hashes the model at modelPath (a file or a
// directory) as opts says and returns its manifest, resources sorted by name.
func Serialize(ctx context.Context, modelPath string, opts Options) (*Manifest, error) {
	ser, err := opts.serialization()
	if err != nil {
		return nil, err
	}
	files, single, err := enumerate(modelPath, ser.AllowSymlinks, ignoreSet(ser.IgnorePaths))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: no file to sign in %s", ErrEmptyModel, modelPath)
	}
	res, err := hashFiles(ctx, files, ser, opts.Workers)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%w: every file of %s is empty, and shards omit empty files", ErrEmptyModel, modelPath)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Name < res[j].Name })
	if single {
		// OMS records no ignore paths a single file cannot have.
		ser.IgnorePaths = nil
	}
	return &Manifest{Name: modelName(modelPath), Resources: res, Serialization: ser}, nil
}

func (o Options) serialization() (Serialization, error) {
	s := Serialization{Method: MethodFiles, HashType: o.HashType, AllowSymlinks: o.AllowSymlinks}
	if s.HashType == "" {
		s.HashType = SHA256
	}
	if _, err := hasher(s.HashType); err != nil {
		return s, err
	}
	switch {
	case o.ShardSize > 0:
		s.Method, s.ShardSize = MethodShards, o.ShardSize
	case o.ShardSize < 0:
		return s, fmt.Errorf("%w: shard size %d", ErrUnsupported, o.ShardSize)
	}
	seen := map[string]bool{}
	for _, p := range append(append([]string(nil), DefaultIgnorePaths...), o.IgnorePaths...) {
		if err := CheckIgnorePath(p); err != nil {
			return s, err
		}
		if !seen[p] {
			seen[p] = true
			s.IgnorePaths = append(s.IgnorePaths, p)
		}
	}
	sort.Strings(s.IgnorePaths)
	return s, nil
}

// modelName is the subject name OMS asks for: the basename of the model path.
func modelName(modelPath string) string {
	abs, err := filepath.Abs(modelPath)
	if err != nil {
		abs = modelPath
	}
	return filepath.Base(abs)
}

// hasher returns the constructor of a hash algorithm and its digest size.
func hasher(alg string) (func() hash.Hash, error) {
	switch alg {
	case SHA256:
		return sha256.New, nil
	case BLAKE2b:
		return func() hash.Hash { h, _ := blake2b.New512(nil); return h }, nil
	}
	return nil, fmt.Errorf("%w: hash algorithm %q", ErrUnsupported, alg)
}

func digestSize(alg string) int {
	if alg == BLAKE2b {
		return blake2b.Size
	}
	return sha256.Size
}

// validName reports whether name is a canonical relative POSIX path: not
// empty, not absolute, no "." or ".." component, no empty component, valid
// UTF-8 without NUL.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && !strings.ContainsRune(name, 0) &&
		!strings.HasPrefix(name, "/") && path.Clean(name) == name && name != "." &&
		name != ".." && !strings.HasPrefix(name, "../")
}

// CheckIgnorePath checks an ignore path as OMS §6.2.1 requires: a canonical
// relative POSIX path (no leading "/", no "." or ".." component) without
// glob characters.
func CheckIgnorePath(p string) error {
	if !validName(p) || strings.ContainsAny(p, "*?[\\") {
		return fmt.Errorf("%w: ignore path %q must be a relative POSIX path without glob characters", ErrName, p)
	}
	return nil
}

// RelativeIgnorePath turns p, a path on this system (absolute or relative
// to the working directory), into an ignore path relative to the model
// root. ok is false when p is not inside the model root.
func RelativeIgnorePath(modelPath, p string) (rel string, ok bool, err error) {
	root, err := filepath.Abs(modelPath)
	if err != nil {
		return "", false, err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", false, err
	}
	r, err := filepath.Rel(root, abs)
	if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", false, nil
	}
	r = filepath.ToSlash(r)
	return r, true, CheckIgnorePath(r)
}

func ignoreSet(paths []string) map[string]bool {
	m := make(map[string]bool, len(paths))
	for _, p := range paths {
		m[p] = true
	}
	return m
}

// enumerate lists the regular files of the model, sorted by name. single
// reports a single-file model, whose one resource is named by its basename.
func enumerate(modelPath string, allowSymlinks bool, ignore map[string]bool) (files []file, single bool, err error) {
	// The model path itself is the caller's choice: a link to it is followed.
	root, err := filepath.EvalSymlinks(modelPath)
	if err != nil {
		return nil, false, err
	}
	if root, err = filepath.Abs(root); err != nil {
		return nil, false, err
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, false, err
	}
	if !fi.IsDir() {
		name := modelName(modelPath)
		if !fi.Mode().IsRegular() {
			return nil, true, fmt.Errorf("%w: %s", ErrFileType, modelPath)
		}
		if !utf8.ValidString(name) {
			return nil, true, fmt.Errorf("%w: file name %q is not UTF-8", ErrName, name)
		}
		return []file{{name: name, path: root, size: fi.Size()}}, true, nil
	}
	w := walker{root: root, allowSymlinks: allowSymlinks, ignore: ignore}
	if err := w.walk(root, "", []string{root}); err != nil {
		return nil, false, err
	}
	return w.files, false, nil
}

type walker struct {
	root          string
	allowSymlinks bool
	ignore        map[string]bool
	files         []file
	entries       int // directory entries visited, bounded by maxEntries
}

// maxEntries bounds the directory entries one enumeration visits: links to
// directories can make a tree of few files exponentially wide. A variable
// for tests only.
var maxEntries = 4 * MaxResources

// walk lists dir, whose real path is dir and resource name prefix is rel;
// stack holds the real paths of dir and its ancestors, for cycle detection.
func (w *walker) walk(dir, rel string, stack []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !utf8.ValidString(e.Name()) {
			return fmt.Errorf("%w: file name %q in %s is not UTF-8", ErrName, e.Name(), displayName(rel))
		}
		name := e.Name()
		if rel != "" {
			name = rel + "/" + e.Name()
		}
		if w.ignore[name] {
			continue
		}
		if w.entries++; len(w.files) > MaxResources || w.entries > maxEntries {
			return fmt.Errorf("%w: more than %d files or %d directory entries", ErrTooLarge, MaxResources, maxEntries)
		}
		p := filepath.Join(dir, e.Name())
		mode := e.Type()
		real := p
		if mode&os.ModeSymlink != 0 {
			if !w.allowSymlinks {
				return fmt.Errorf("%w: %s (symbolic links are not allowed)", ErrSymlink, name)
			}
			if real, err = filepath.EvalSymlinks(p); err != nil {
				return fmt.Errorf("%w: %s: %v", ErrSymlink, name, err)
			}
			if !within(w.root, real) {
				return fmt.Errorf("%w: %s points to %s", ErrOutsideRoot, name, real)
			}
			fi, err := os.Stat(real)
			if err != nil {
				return err
			}
			mode = fi.Mode().Type()
			if fi.IsDir() {
				for _, a := range stack {
					if a == real {
						return fmt.Errorf("%w: %s points to its ancestor %s", ErrCycle, name, real)
					}
				}
			}
		}
		switch {
		case mode.IsDir():
			if err := w.walk(real, name, append(stack[:len(stack):len(stack)], real)); err != nil {
				return err
			}
		case mode.IsRegular():
			fi, err := os.Stat(real)
			if err != nil {
				return err
			}
			w.files = append(w.files, file{name: name, path: real, size: fi.Size()})
		default:
			return fmt.Errorf("%w: %s", ErrFileType, name)
		}
	}
	return nil
}

// within reports whether p is root or under it (both absolute and clean).
func within(root, p string) bool {
	r, err := filepath.Rel(root, p)
	return err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

func displayName(rel string) string {
	if rel == "" {
		return "the model root"
	}
	return rel
}

// shardName is the resource name of bytes [start, end) of the file name.
func shardName(name string, start, end int64) string {
	return name + ":" + strconv.FormatInt(start, 10) + ":" + strconv.FormatInt(end, 10)
}

// splitShard parses a shard resource name "path:start:end": the suffix is
// the last two colon-separated decimal integers (file names may hold colons).
func splitShard(name string) (file string, start, end int64, ok bool) {
	i := strings.LastIndexByte(name, ':')
	if i < 0 {
		return "", 0, 0, false
	}
	j := strings.LastIndexByte(name[:i], ':')
	if j < 0 {
		return "", 0, 0, false
	}
	s, e := name[j+1:i], name[i+1:]
	if !canonicalUint(s) || !canonicalUint(e) {
		return "", 0, 0, false
	}
	start, err1 := strconv.ParseInt(s, 10, 64)
	end, err2 := strconv.ParseInt(e, 10, 64)
	if err1 != nil || err2 != nil || start >= end {
		return "", 0, 0, false
	}
	return name[:j], start, end, true
}

func canonicalUint(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func workers(n int) int {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return n
}
