package oms

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sigil-dev/sigil/intoto"
)

// The predicate types: OMS v1.0, and the v0.1 one model_signing v0.2.0
// wrote (verified, never produced).
const (
	PredicateType    = "https://model_signing/signature/v1.0"
	PredicateTypeV01 = "https://model_signing/Digests/v0.1"
)

const statementTypeV1 = "https://in-toto.io/Statement/v1"

// RootDigest is the subject digest of the manifest (OMS §6.5.1): SHA-256
// over the raw resource digests, concatenated in manifest order. It panics
// on a digest that is not hex: the resources of a Manifest from Serialize or
// ParseStatement never are.
func (m *Manifest) RootDigest() []byte {
	h := sha256.New()
	for _, r := range m.Resources {
		d, err := hex.DecodeString(r.Digest)
		if err != nil {
			panic("oms: resource digest is not hex: " + err.Error())
		}
		h.Write(d)
	}
	return h.Sum(nil)
}

// Statement returns the OMS v1.0 in-toto statement of the manifest.
func (m *Manifest) Statement() (*intoto.Statement, error) {
	pred, err := json.Marshal(struct {
		Resources     []Resource    `json:"resources"`
		Serialization Serialization `json:"serialization"`
	}{m.Resources, m.Serialization})
	if err != nil {
		return nil, err
	}
	return &intoto.Statement{
		Type:          statementTypeV1,
		Subject:       []intoto.Subject{{Name: m.Name, Digest: map[string]string{"sha256": hex.EncodeToString(m.RootDigest())}}},
		PredicateType: PredicateType,
		Predicate:     pred,
	}, nil
}

// wire forms of the statement, for parsing.
type (
	wireStatement struct {
		Type          string          `json:"_type"`
		Subject       []wireSubject   `json:"subject"`
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
	}
	wireSubject struct {
		Name        string            `json:"name"`
		Digest      map[string]string `json:"digest"`
		Annotations map[string]any    `json:"annotations"`
	}
	wirePredicate struct {
		Resources     []Resource         `json:"resources"`
		Serialization *wireSerialization `json:"serialization"`
	}
	wireSerialization struct {
		Method        string      `json:"method"`
		HashType      string      `json:"hash_type"`
		ShardSize     json.Number `json:"shard_size"`
		AllowSymlinks *bool       `json:"allow_symlinks"`
		IgnorePaths   []string    `json:"ignore_paths"`
	}
)

// ParseStatement reads the manifest of an OMS statement, the payload of a
// bundle's DSSE envelope: of predicate type PredicateType, or of
// PredicateTypeV01 (whose file digests are the statement's subjects). JSON
// keys may come in any order. It checks the statement's structure (one
// subject whose SHA-256 digest is the root digest of the resources, every
// resource a canonical name with a digest of the serialization's hash
// algorithm, no name twice) but not any signature: parse only what verified.
func ParseStatement(payload []byte) (*Manifest, error) {
	var st wireStatement
	if err := strictUnmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: statement: %v", ErrMalformed, err)
	}
	if st.Type != statementTypeV1 {
		return nil, fmt.Errorf("%w: statement type %q, want %q", ErrMalformed, st.Type, statementTypeV1)
	}
	var m *Manifest
	var err error
	switch st.PredicateType {
	case PredicateType:
		m, err = parseV1(&st)
	case PredicateTypeV01:
		if m, err = parseV01(&st); err == nil {
			err = m.check()
		}
	default:
		return nil, fmt.Errorf("%w: predicate type %q, want %q", ErrMalformed, st.PredicateType, PredicateType)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func parseV1(st *wireStatement) (*Manifest, error) {
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%w: %d subjects, want 1", ErrMalformed, len(st.Subject))
	}
	subj := st.Subject[0]
	if subj.Name == "" {
		return nil, fmt.Errorf("%w: subject without a name", ErrMalformed)
	}
	var p wirePredicate
	if err := strictUnmarshal(st.Predicate, &p); err != nil {
		return nil, fmt.Errorf("%w: predicate: %v", ErrMalformed, err)
	}
	if p.Serialization == nil {
		return nil, fmt.Errorf("%w: predicate without serialization", ErrMalformed)
	}
	ws := p.Serialization
	if ws.AllowSymlinks == nil {
		return nil, fmt.Errorf("%w: serialization without allow_symlinks", ErrMalformed)
	}
	ser := Serialization{Method: ws.Method, HashType: ws.HashType, AllowSymlinks: *ws.AllowSymlinks, IgnorePaths: ws.IgnorePaths}
	switch ws.Method {
	case MethodFiles:
		if ws.ShardSize != "" {
			return nil, fmt.Errorf("%w: shard_size with method %q", ErrMalformed, ws.Method)
		}
	case MethodShards:
		n, err := shardSize(ws.ShardSize)
		if err != nil {
			return nil, err
		}
		ser.ShardSize = n
	default:
		return nil, fmt.Errorf("%w: serialization method %q", ErrUnsupported, ws.Method)
	}
	for _, ip := range ser.IgnorePaths {
		if err := CheckIgnorePath(ip); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
	}
	m := &Manifest{Name: subj.Name, Resources: p.Resources, Serialization: ser}
	if err := m.check(); err != nil {
		return nil, err
	}
	want, ok := subj.Digest["sha256"]
	if !ok || want != hex.EncodeToString(m.RootDigest()) {
		return nil, fmt.Errorf("%w: the subject digest is not the root digest of the resources", ErrMalformed)
	}
	return m, nil
}

// shardSize reads serialization.shard_size: a positive integer, which some
// writers encode as a float (1000000000.0, 1e9).
func shardSize(n json.Number) (int64, error) {
	if n == "" {
		return 0, fmt.Errorf("%w: method shards without shard_size", ErrMalformed)
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f != math.Trunc(f) || f > 1<<53 {
			return 0, fmt.Errorf("%w: shard_size %s is not an integer", ErrMalformed, n)
		}
		v = int64(f)
	}
	if v <= 0 {
		return 0, fmt.Errorf("%w: shard_size %d is not positive", ErrMalformed, v)
	}
	return v, nil
}

// parseV01 reads the v0.1 predicate: every subject is a file, named by its
// relative path, with its SHA-256 digest.
func parseV01(st *wireStatement) (*Manifest, error) {
	if len(st.Subject) == 0 {
		return nil, fmt.Errorf("%w: no subject", ErrMalformed)
	}
	if len(st.Subject) > MaxResources {
		return nil, fmt.Errorf("%w: %d subjects", ErrTooLarge, len(st.Subject))
	}
	m := &Manifest{Name: st.Subject[0].Name, Serialization: Serialization{Method: MethodFiles, HashType: SHA256}}
	for _, s := range st.Subject {
		if a, ok := s.Annotations["actual_hash_algorithm"]; ok && a != "file-sha256" {
			return nil, fmt.Errorf("%w: v0.1 subject %q hashed with %v", ErrUnsupported, s.Name, a)
		}
		d, ok := s.Digest["sha256"]
		if !ok || len(s.Digest) != 1 {
			return nil, fmt.Errorf("%w: v0.1 subject %q must have one sha256 digest", ErrMalformed, s.Name)
		}
		m.Resources = append(m.Resources, Resource{Name: s.Name, Digest: d, Algorithm: SHA256})
	}
	return m, nil
}

// check checks the resources against the serialization.
func (m *Manifest) check() error {
	s := &m.Serialization
	if _, err := hasher(s.HashType); err != nil {
		return err
	}
	if len(m.Resources) == 0 {
		return fmt.Errorf("%w: no resources", ErrMalformed)
	}
	if len(m.Resources) > MaxResources {
		return fmt.Errorf("%w: %d resources", ErrTooLarge, len(m.Resources))
	}
	size := digestSize(s.HashType)
	seen := make(map[string]bool, len(m.Resources))
	for _, r := range m.Resources {
		if r.Algorithm != s.HashType {
			return fmt.Errorf("%w: resource %q hashed with %q, the serialization says %q", ErrMalformed, r.Name, r.Algorithm, s.HashType)
		}
		if d, err := hex.DecodeString(r.Digest); err != nil || len(d) != size || strings.ToLower(r.Digest) != r.Digest {
			return fmt.Errorf("%w: resource %q: digest is not %d bytes of lowercase hex", ErrMalformed, r.Name, size)
		}
		name := r.Name
		if s.Method == MethodShards {
			f, start, end, ok := splitShard(name)
			if !ok || start%s.ShardSize != 0 || end-start > s.ShardSize {
				return fmt.Errorf("%w: shard name %q", ErrMalformed, name)
			}
			name = f
		}
		// "." is how model_signing before v1.1.0 named the resource of a
		// single-file model.
		if !validName(name) && name != "." {
			return fmt.Errorf("%w: resource name %q is not a canonical relative path", ErrName, r.Name)
		}
		if seen[r.Name] {
			return fmt.Errorf("%w: resource %q listed twice", ErrMalformed, r.Name)
		}
		seen[r.Name] = true
	}
	return nil
}

// strictUnmarshal decodes one JSON value and nothing after it.
func strictUnmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("data after the JSON value")
	}
	return nil
}
