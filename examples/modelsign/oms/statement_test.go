package oms_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

var (
	d1 = sha("one")
	d2 = sha("two")
)

func rootOf(digests ...string) string {
	h := sha256.New()
	for _, d := range digests {
		b, _ := hex.DecodeString(d)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// statementJSON is a v1.0 statement with the given serialization and
// resources (raw JSON), keys in the order written.
func statementJSON(ser, resources, root string) string {
	return fmt.Sprintf(`{"predicate": {"serialization": %s, "resources": %s},
		"predicateType": %q, "subject": [{"digest": {"sha256": %q}, "name": "m"}],
		"_type": "https://in-toto.io/Statement/v1"}`, ser, resources, oms.PredicateType, root)
}

const filesSer = `{"hash_type": "sha256", "allow_symlinks": false, "method": "files"}`

func TestParseStatementKeyOrderAndQuirks(t *testing.T) {
	res := fmt.Sprintf(`[{"digest": %q, "algorithm": "sha256", "name": "a", "extra": 1}, {"name": "b", "algorithm": "sha256", "digest": %q}]`, d1, d2)
	m, err := oms.ParseStatement([]byte(statementJSON(filesSer, res, rootOf(d1, d2))))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != 2 || m.Resources[0].Name != "a" || m.Resources[1].Digest != d2 || m.Name != "m" {
		t.Fatalf("manifest %+v", m)
	}
	// Shard sizes written as floats are integers all the same.
	for _, size := range []string{"100", "100.0", "1e2", "1.0E2"} {
		ser := fmt.Sprintf(`{"method": "shards", "hash_type": "sha256", "shard_size": %s, "allow_symlinks": false}`, size)
		res := fmt.Sprintf(`[{"name": "w:0:100", "digest": %q, "algorithm": "sha256"}, {"name": "w:100:150", "digest": %q, "algorithm": "sha256"}]`, d1, d2)
		m, err := oms.ParseStatement([]byte(statementJSON(ser, res, rootOf(d1, d2))))
		if err != nil || m.Serialization.ShardSize != 100 {
			t.Errorf("shard_size %s: %v %+v", size, err, m)
		}
	}
	// model_signing before v1.1.0 named a single file's resource ".".
	res = fmt.Sprintf(`[{"name": ".", "digest": %q, "algorithm": "sha256"}]`, d1)
	if _, err := oms.ParseStatement([]byte(statementJSON(filesSer, res, rootOf(d1)))); err != nil {
		t.Errorf("single-file resource \".\": %v", err)
	}
}

func TestParseStatementV01(t *testing.T) {
	st := fmt.Sprintf(`{"_type": "https://in-toto.io/Statement/v1", "predicateType": %q,
		"subject": [{"name": "a", "digest": {"sha256": %q}, "annotations": {"actual_hash_algorithm": "file-sha256"}},
		            {"name": "d/b", "digest": {"sha256": %q}, "annotations": {"actual_hash_algorithm": "file-sha256"}}],
		"predicate": {"unused": "Unused, just passed due to API requirements"}}`, oms.PredicateTypeV01, d1, d2)
	m, err := oms.ParseStatement([]byte(st))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Resources) != 2 || m.Resources[1].Name != "d/b" || m.Serialization.Method != oms.MethodFiles || m.Serialization.HashType != oms.SHA256 {
		t.Fatalf("v0.1 manifest %+v", m)
	}
	bad := strings.Replace(st, `"file-sha256"`, `"shard-sha256"`, 1)
	if _, err := oms.ParseStatement([]byte(bad)); !errors.Is(err, oms.ErrUnsupported) {
		t.Fatalf("v0.1 shards: %v, want ErrUnsupported", err)
	}
}

// TestParseStatementRejects: each structural fault fails with its error.
func TestParseStatementRejects(t *testing.T) {
	res := func(name, digest, alg string) string {
		return fmt.Sprintf(`[{"name": %q, "digest": %q, "algorithm": %q}]`, name, digest, alg)
	}
	ok := res("a", d1, "sha256")
	for name, tc := range map[string]struct {
		st   string
		want error
	}{
		"not JSON":        {`{`, oms.ErrMalformed},
		"trailing data":   {statementJSON(filesSer, ok, rootOf(d1)) + "{}", oms.ErrMalformed},
		"statement type":  {strings.Replace(statementJSON(filesSer, ok, rootOf(d1)), "Statement/v1", "Statement/v0.1", 1), oms.ErrMalformed},
		"predicate type":  {strings.Replace(statementJSON(filesSer, ok, rootOf(d1)), oms.PredicateType, "https://example.com/wrong", 1), oms.ErrMalformed},
		"root digest":     {statementJSON(filesSer, ok, rootOf(d2)), oms.ErrMalformed},
		"no resources":    {statementJSON(filesSer, `[]`, rootOf()), oms.ErrMalformed},
		"absolute name":   {statementJSON(filesSer, res("/etc/passwd", d1, "sha256"), rootOf(d1)), oms.ErrName},
		"parent name":     {statementJSON(filesSer, res("../x", d1, "sha256"), rootOf(d1)), oms.ErrName},
		"dot component":   {statementJSON(filesSer, res("a/./b", d1, "sha256"), rootOf(d1)), oms.ErrName},
		"double slash":    {statementJSON(filesSer, res("a//b", d1, "sha256"), rootOf(d1)), oms.ErrName},
		"algorithm":       {statementJSON(filesSer, res("a", d1, "blake2b"), rootOf(d1)), oms.ErrMalformed},
		"short digest":    {statementJSON(filesSer, res("a", d1[:62], "sha256"), rootOf(d1[:62])), oms.ErrMalformed},
		"uppercase hex":   {statementJSON(filesSer, res("a", strings.ToUpper(d1), "sha256"), rootOf(d1)), oms.ErrMalformed},
		"hash type":       {statementJSON(strings.Replace(filesSer, "sha256", "md5", 1), res("a", d1, "md5"), rootOf(d1)), oms.ErrUnsupported},
		"method":          {statementJSON(strings.Replace(filesSer, `"files"`, `"tar"`, 1), ok, rootOf(d1)), oms.ErrUnsupported},
		"no symlink rule": {statementJSON(`{"method": "files", "hash_type": "sha256"}`, ok, rootOf(d1)), oms.ErrMalformed},
		"no serialization": {fmt.Sprintf(`{"_type": "https://in-toto.io/Statement/v1", "predicateType": %q,
			"subject": [{"name": "m", "digest": {"sha256": %q}}], "predicate": {"resources": %s}}`, oms.PredicateType, rootOf(d1), ok), oms.ErrMalformed},
		"two subjects":        {strings.Replace(statementJSON(filesSer, ok, rootOf(d1)), `"subject": [`, `"subject": [{"name": "x", "digest": {"sha256": "00"}}, `, 1), oms.ErrMalformed},
		"duplicate":           {statementJSON(filesSer, fmt.Sprintf(`[{"name": "a", "digest": %q, "algorithm": "sha256"}, {"name": "a", "digest": %q, "algorithm": "sha256"}]`, d1, d1), rootOf(d1, d1)), oms.ErrMalformed},
		"shard size on files": {statementJSON(`{"method": "files", "hash_type": "sha256", "shard_size": 10, "allow_symlinks": false}`, ok, rootOf(d1)), oms.ErrMalformed},
		"fractional shard":    {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 10.5, "allow_symlinks": false}`, res("a:0:10", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"zero shard":          {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 0, "allow_symlinks": false}`, res("a:0:10", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"no shard size":       {statementJSON(`{"method": "shards", "hash_type": "sha256", "allow_symlinks": false}`, res("a:0:10", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"shard name":          {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 10, "allow_symlinks": false}`, res("a:0", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"shard range":         {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 10, "allow_symlinks": false}`, res("a:5:15", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"shard too long":      {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 10, "allow_symlinks": false}`, res("a:0:20", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"shard leading zero":  {statementJSON(`{"method": "shards", "hash_type": "sha256", "shard_size": 10, "allow_symlinks": false}`, res("a:00:10", d1, "sha256"), rootOf(d1)), oms.ErrMalformed},
		"ignore path glob":    {statementJSON(`{"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": ["*.bin"]}`, ok, rootOf(d1)), oms.ErrMalformed},
		"ignore path parent":  {statementJSON(`{"method": "files", "hash_type": "sha256", "allow_symlinks": false, "ignore_paths": ["../x"]}`, ok, rootOf(d1)), oms.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := oms.ParseStatement([]byte(tc.st)); !errors.Is(err, tc.want) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}
