package oms_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/blake2b"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

// writeTree creates files (name → content; a name ending in "/" is an empty
// directory) under a new temporary model directory.
func writeTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "my-model")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func names(m *oms.Manifest) []string {
	var n []string
	for _, r := range m.Resources {
		n = append(n, r.Name)
	}
	return n
}

func serialize(t *testing.T, root string, opts oms.Options) *oms.Manifest {
	t.Helper()
	m, err := oms.Serialize(context.Background(), root, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSerializeNames: POSIX relative names sorted by code point, unicode
// and special characters kept byte for byte, zero-byte files included,
// default ignores only at the top level, user ignores as exact paths.
func TestSerializeNames(t *testing.T) {
	files := map[string]string{
		"config.json":              "{}",
		"weights/model-00001.bin":  "w1",
		"weights/model-00002.bin":  "w2",
		"empty.bin":                "",
		"модель/权重 #1 (v2).bin":    "unicode",
		"a:b:c":                    "colons",
		"quote'\"\\back":           "specials",
		"Model.bin":                "upper",
		"model.bin":                "lower",
		"deep/er/still/deeper.txt": "deep",
		".git/HEAD":                "ref",
		".gitignore":               "*.tmp",
		".gitattributes":           "x",
		".github/workflows/ci.yml": "ci",
		"sub/.git/HEAD":            "nested git: signed",
		"sub/.gitignore":           "nested: signed",
		"cache/blob":               "ignored by the user",
		"sub/cache/blob":           "not ignored",
		"emptydir/":                "",
	}
	root := writeTree(t, files)
	m := serialize(t, root, oms.Options{IgnorePaths: []string{"cache"}})
	want := []string{
		"Model.bin", "a:b:c", "config.json", "deep/er/still/deeper.txt", "empty.bin", "model.bin",
		"quote'\"\\back", "sub/.git/HEAD", "sub/.gitignore", "sub/cache/blob",
		"weights/model-00001.bin", "weights/model-00002.bin", "модель/权重 #1 (v2).bin",
	}
	if got := names(m); !slices.Equal(got, want) {
		t.Fatalf("names:\n got %q\nwant %q", got, want)
	}
	for _, r := range m.Resources {
		if r.Digest != sha(files[r.Name]) || r.Algorithm != oms.SHA256 {
			t.Errorf("%s: %s %s, want sha256 %s", r.Name, r.Algorithm, r.Digest, sha(files[r.Name]))
		}
	}
	if m.Name != "my-model" {
		t.Errorf("subject name %q, want the basename my-model", m.Name)
	}
	wantIgnore := []string{".git", ".gitattributes", ".github", ".gitignore", "cache"}
	if !slices.Equal(m.Serialization.IgnorePaths, wantIgnore) {
		t.Errorf("ignore_paths %q, want %q", m.Serialization.IgnorePaths, wantIgnore)
	}
	if m.Serialization.Method != oms.MethodFiles || m.Serialization.AllowSymlinks {
		t.Errorf("serialization %+v", m.Serialization)
	}
	// The root digest is SHA-256 over the raw digests in order.
	h := sha256.New()
	for _, r := range m.Resources {
		d, _ := hex.DecodeString(r.Digest)
		h.Write(d)
	}
	if got := m.RootDigest(); !slices.Equal(got, h.Sum(nil)) {
		t.Errorf("root digest %x", got)
	}
}

func TestSerializeSingleFile(t *testing.T) {
	root := writeTree(t, map[string]string{"w.safetensors": "weights"})
	m := serialize(t, filepath.Join(root, "w.safetensors"), oms.Options{})
	if got := names(m); !slices.Equal(got, []string{"w.safetensors"}) || m.Name != "w.safetensors" {
		t.Fatalf("single file: names %q, subject %q", got, m.Name)
	}
	if m.Serialization.IgnorePaths != nil {
		t.Errorf("single file records ignore paths %q", m.Serialization.IgnorePaths)
	}
}

func TestSerializeBLAKE2b(t *testing.T) {
	root := writeTree(t, map[string]string{"a": "alpha"})
	m := serialize(t, root, oms.Options{HashType: oms.BLAKE2b})
	sum := blake2b.Sum512([]byte("alpha"))
	if r := m.Resources[0]; r.Digest != hex.EncodeToString(sum[:]) || r.Algorithm != oms.BLAKE2b || m.Serialization.HashType != oms.BLAKE2b {
		t.Fatalf("blake2b resource %+v", r)
	}
	if _, err := oms.Serialize(context.Background(), root, oms.Options{HashType: "blake3"}); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("blake3: %v, want ErrUnsupported", err)
	}
}

// TestSerializeShards: consecutive ranges of ShardSize bytes, the last one
// shorter, named path:start:end; zero-byte files omitted.
func TestSerializeShards(t *testing.T) {
	content := strings.Repeat("0123456789", 25) // 250 bytes
	root := writeTree(t, map[string]string{"w:1.bin": content, "small": "abc", "zero": ""})
	m := serialize(t, root, oms.Options{ShardSize: 100})
	want := map[string]string{
		"small:0:3":       sha("abc"),
		"w:1.bin:0:100":   sha(content[:100]),
		"w:1.bin:100:200": sha(content[100:200]),
		"w:1.bin:200:250": sha(content[200:]),
	}
	if len(m.Resources) != len(want) {
		t.Fatalf("shards %q", names(m))
	}
	for _, r := range m.Resources {
		if want[r.Name] != r.Digest {
			t.Errorf("%s: %s, want %s", r.Name, r.Digest, want[r.Name])
		}
	}
	if m.Serialization.Method != oms.MethodShards || m.Serialization.ShardSize != 100 {
		t.Errorf("serialization %+v", m.Serialization)
	}
	// Round trip through the statement, then verification.
	st, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	m2 := parseStatement(t, st.Predicate, st.Subject[0].Digest["sha256"])
	if err := oms.VerifyModel(context.Background(), root, m2, oms.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	// One changed byte in the second shard names the file.
	b := []byte(content)
	b[150] = 'X'
	if err := os.WriteFile(filepath.Join(root, "w:1.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var mis *oms.MismatchError
	if err := oms.VerifyModel(context.Background(), root, m2, oms.VerifyOptions{}); !errors.As(err, &mis) || !slices.Equal(mis.Changed, []string{"w:1.bin"}) {
		t.Fatalf("changed shard: %v", err)
	}
	// So does a file that grew by a shard.
	if err := os.WriteFile(filepath.Join(root, "w:1.bin"), []byte(content+content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := oms.VerifyModel(context.Background(), root, m2, oms.VerifyOptions{}); !errors.As(err, &mis) || !slices.Equal(mis.Changed, []string{"w:1.bin"}) {
		t.Fatalf("grown file: %v", err)
	}
}

// parseStatement wraps a predicate into a statement and parses it back.
func parseStatement(t *testing.T, pred json.RawMessage, rootDigest string) *oms.Manifest {
	t.Helper()
	st := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": "m", "digest": map[string]string{"sha256": rootDigest}}},
		"predicateType": oms.PredicateType,
		"predicate":     pred,
	}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	m, err := oms.ParseStatement(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSerializeEmpty: a model with no file left after exclusions is refused.
func TestSerializeEmpty(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		opts  oms.Options
	}{
		"no files":            {map[string]string{"d/": ""}, oms.Options{}},
		"only default ignore": {map[string]string{".git/HEAD": "x", ".gitignore": "y"}, oms.Options{}},
		"only user ignore":    {map[string]string{"cache/a": "x"}, oms.Options{IgnorePaths: []string{"cache"}}},
		"shards, zero bytes":  {map[string]string{"a": "", "b": ""}, oms.Options{ShardSize: 10}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := oms.Serialize(context.Background(), writeTree(t, tc.files), tc.opts)
			if !errors.Is(err, oms.ErrEmptyModel) {
				t.Fatalf("%v, want ErrEmptyModel", err)
			}
		})
	}
}

func TestIgnorePathRules(t *testing.T) {
	for _, p := range []string{"/abs", "../up", "a/../b", "./a", "a//b", "a/", "glob*", "q?", "[x]", ".", ""} {
		if err := oms.CheckIgnorePath(p); !errors.Is(err, oms.ErrName) {
			t.Errorf("ignore path %q: %v, want ErrName", p, err)
		}
		if _, err := oms.Serialize(context.Background(), t.TempDir(), oms.Options{IgnorePaths: []string{p}}); !errors.Is(err, oms.ErrName) {
			t.Errorf("Serialize with ignore path %q: %v, want ErrName", p, err)
		}
	}
	root := writeTree(t, map[string]string{"a/b": "x"})
	for in, want := range map[string]string{filepath.Join(root, "a"): "a", filepath.Join(root, "a", "b"): "a/b"} {
		if got, ok, err := oms.RelativeIgnorePath(root, in); err != nil || !ok || got != want {
			t.Errorf("RelativeIgnorePath(%s) = %q %v %v, want %q", in, got, ok, err, want)
		}
	}
	for _, out := range []string{root, filepath.Dir(root), "/elsewhere"} {
		if _, ok, err := oms.RelativeIgnorePath(root, out); ok || err != nil {
			t.Errorf("RelativeIgnorePath(%s): inside the model (%v)", out, err)
		}
	}
}

// TestSymlinks: refused by default; with AllowSymlinks hashed as their
// targets under their own names, and errors for targets outside the root,
// cycles and dangling links.
func TestSymlinks(t *testing.T) {
	mk := func(t *testing.T) string {
		root := writeTree(t, map[string]string{"real/w.bin": "weights", "real/c.json": "cfg"})
		for link, target := range map[string]string{"link.bin": "real/w.bin", "alias": "real", "again.bin": "real/w.bin"} {
			if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	t.Run("off", func(t *testing.T) {
		if _, err := oms.Serialize(context.Background(), mk(t), oms.Options{}); !errors.Is(err, oms.ErrSymlink) {
			t.Fatalf("%v, want ErrSymlink", err)
		}
	})
	t.Run("on", func(t *testing.T) {
		root := mk(t)
		m := serialize(t, root, oms.Options{AllowSymlinks: true})
		want := []string{"again.bin", "alias/c.json", "alias/w.bin", "link.bin", "real/c.json", "real/w.bin"}
		if got := names(m); !slices.Equal(got, want) {
			t.Fatalf("names %q, want %q", got, want)
		}
		for _, r := range m.Resources {
			want := sha("cfg")
			if strings.HasSuffix(r.Name, ".bin") {
				want = sha("weights")
			}
			if r.Digest != want {
				t.Errorf("%s hashed %s, want its target's digest %s", r.Name, r.Digest, want)
			}
		}
		if !m.Serialization.AllowSymlinks {
			t.Error("allow_symlinks not recorded")
		}
		// Verification applies the signed policy: the links verify.
		st, err := m.Statement()
		if err != nil {
			t.Fatal(err)
		}
		m2 := parseStatement(t, st.Predicate, st.Subject[0].Digest["sha256"])
		if err := oms.VerifyModel(context.Background(), root, m2, oms.VerifyOptions{}); err != nil {
			t.Fatal(err)
		}
		// A model signed without links refuses one found at verification.
		m3 := serialize(t, root, oms.Options{IgnorePaths: []string{"link.bin", "alias", "again.bin"}})
		m3.Serialization.IgnorePaths = nil
		if err := oms.VerifyModel(context.Background(), root, m3, oms.VerifyOptions{}); !errors.Is(err, oms.ErrSymlink) {
			t.Fatalf("link in a model signed without links: %v, want ErrSymlink", err)
		}
	})
	for name, tc := range map[string]struct {
		link, target string
		want         error
	}{
		"outside root, file": {"out.bin", "../../outside.bin", oms.ErrOutsideRoot},
		"outside root, dir":  {"out", "/", oms.ErrOutsideRoot},
		"cycle to root":      {"real/loop", "..", oms.ErrCycle},
		"cycle to self dir":  {"real/self", ".", oms.ErrCycle},
		"dangling":           {"gone", "nowhere", oms.ErrSymlink},
	} {
		t.Run(name, func(t *testing.T) {
			root := writeTree(t, map[string]string{"real/w.bin": "weights"})
			if err := os.WriteFile(filepath.Join(filepath.Dir(filepath.Dir(root)), "outside.bin"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tc.target, filepath.Join(root, tc.link)); err != nil {
				t.Fatal(err)
			}
			if _, err := oms.Serialize(context.Background(), root, oms.Options{AllowSymlinks: true}); !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
	t.Run("ignored link", func(t *testing.T) {
		root := writeTree(t, map[string]string{"w.bin": "weights"})
		if err := os.Symlink("/", filepath.Join(root, "out")); err != nil {
			t.Fatal(err)
		}
		if m := serialize(t, root, oms.Options{IgnorePaths: []string{"out"}}); !slices.Equal(names(m), []string{"w.bin"}) {
			t.Fatalf("names %q", names(m))
		}
	})
}

// TestUnrepresentable: names that are not UTF-8 are refused.
func TestUnrepresentable(t *testing.T) {
	root := writeTree(t, map[string]string{"ok": "x"})
	if err := os.WriteFile(filepath.Join(root, "bad\xff"), nil, 0o644); err != nil {
		t.Skipf("file system refuses non-UTF-8 names: %v", err)
	}
	if _, err := oms.Serialize(context.Background(), root, oms.Options{}); !errors.Is(err, oms.ErrName) {
		t.Fatalf("non-UTF-8 name: %v, want ErrName", err)
	}
}

// TestVerifyModel: changed, missing and extra files are each named; the
// signed and the caller's ignore paths apply; extras pass with
// IgnoreUnsignedFiles.
func TestVerifyModel(t *testing.T) {
	files := map[string]string{"a.bin": "a", "dir/b.bin": "b", "dir/c.bin": "c", "cache/x": "ignored", "zero": ""}
	root := writeTree(t, files)
	m := serialize(t, root, oms.Options{IgnorePaths: []string{"cache"}})
	st, err := m.Statement()
	if err != nil {
		t.Fatal(err)
	}
	signed := parseStatement(t, st.Predicate, st.Subject[0].Digest["sha256"])
	ctx := context.Background()
	if err := oms.VerifyModel(ctx, root, signed, oms.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	// New files under a signed ignore path are still ignored.
	if err := os.WriteFile(filepath.Join(root, "cache", "new"), []byte("n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := oms.VerifyModel(ctx, root, signed, oms.VerifyOptions{}); err != nil {
		t.Fatalf("new file in a signed ignore path: %v", err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "dir", "b.bin"), []byte("B"), 0o644))
	must(os.Remove(filepath.Join(root, "dir", "c.bin")))
	must(os.WriteFile(filepath.Join(root, "new.bin"), []byte("n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "zero"), []byte("now not empty"), 0o644))
	err = oms.VerifyModel(ctx, root, signed, oms.VerifyOptions{})
	var mis *oms.MismatchError
	if !errors.As(err, &mis) {
		t.Fatalf("%v, want *MismatchError", err)
	}
	if !slices.Equal(mis.Changed, []string{"dir/b.bin", "zero"}) || !slices.Equal(mis.Missing, []string{"dir/c.bin"}) || !slices.Equal(mis.Extra, []string{"new.bin"}) {
		t.Fatalf("mismatch %+v", mis)
	}
	for _, s := range []string{`changed: "dir/b.bin", "zero"`, `missing: "dir/c.bin"`, `extra: "new.bin"`} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %s", err, s)
		}
	}
	// IgnoreUnsignedFiles drops only the extra file; the caller's ignore
	// paths hide extras but make an ignored signed file missing.
	err = oms.VerifyModel(ctx, root, signed, oms.VerifyOptions{IgnoreUnsignedFiles: true, IgnorePaths: []string{"a.bin"}})
	if !errors.As(err, &mis) || mis.Extra != nil || !slices.Equal(mis.Missing, []string{"a.bin", "dir/c.bin"}) {
		t.Fatalf("IgnoreUnsignedFiles: %+v", err)
	}
}
