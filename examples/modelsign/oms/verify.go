package oms

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/verify"
)

// Sign serializes the model at modelPath and signs its statement with bb,
// whose credential, services and self-check the caller chose.
func Sign(ctx context.Context, bb *sign.BundleBuilder, modelPath string, opts Options) (*bundle.Bundle, *Manifest, error) {
	m, err := Serialize(ctx, modelPath, opts)
	if err != nil {
		return nil, nil, err
	}
	st, err := m.Statement()
	if err != nil {
		return nil, nil, err
	}
	b, err := bb.SignStatement(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	return b, m, nil
}

// VerifyOptions says how Verify and VerifyModel compare a model with its
// manifest.
type VerifyOptions struct {
	// IgnorePaths are excluded from the model (relative POSIX paths, as in
	// Options), in addition to the signed ignore paths and the defaults.
	// A signed file that is ignored is missing.
	IgnorePaths []string
	// IgnoreUnsignedFiles accepts files the manifest does not list.
	// Default: false, they are extra and fail verification.
	IgnoreUnsignedFiles bool
	// Workers is as in Options.
	Workers int
}

// Verify verifies b (a DSSE bundle of an OMS statement) with v and p, then
// the model at modelPath against the verified manifest. It returns the
// verification result and the manifest, or an error: a *verify.Error when
// the bundle did not verify, a *MismatchError when the model is not the one
// signed, or another error of this package.
func Verify(ctx context.Context, v *verify.Verifier, b *bundle.Bundle, p policy.Policy, modelPath string, opts VerifyOptions) (*verify.Result, *Manifest, error) {
	env := b.Envelope()
	if env == nil || env.PayloadType != intoto.PayloadType {
		return nil, nil, fmt.Errorf("%w: not a DSSE bundle of an in-toto statement", ErrMalformed)
	}
	// The artifact is the model, checked below against the signed manifest
	// once the signature has verified.
	res, err := v.Verify(b, verify.UnsafeNoArtifact(), p)
	if err != nil {
		return nil, nil, err
	}
	m, err := ParseStatement(env.Payload)
	if err != nil {
		return nil, nil, err
	}
	if err := VerifyModel(ctx, modelPath, m, opts); err != nil {
		return nil, nil, err
	}
	return res, m, nil
}

// MismatchError is the failure of a model that is not the one signed: the
// files (by resource name, shards by their file) whose content changed, that
// the manifest lists but the model lacks, and that the model has but the
// manifest does not list, each sorted.
type MismatchError struct {
	Changed, Missing, Extra []string
}

func (e *MismatchError) Error() string {
	var parts []string
	for _, l := range []struct {
		what  string
		names []string
	}{{"changed", e.Changed}, {"missing", e.Missing}, {"extra", e.Extra}} {
		if len(l.names) == 0 {
			continue
		}
		shown := l.names
		more := ""
		if len(shown) > 10 {
			shown, more = shown[:10], fmt.Sprintf(" and %d more", len(l.names)-10)
		}
		quoted := make([]string, len(shown))
		for i, n := range shown {
			quoted[i] = fmt.Sprintf("%q", n)
		}
		parts = append(parts, l.what+": "+strings.Join(quoted, ", ")+more)
	}
	return "oms: the model does not match its signature: " + strings.Join(parts, "; ")
}

// VerifyModel checks the model at modelPath against the manifest m, which
// must come from a verified statement: it enumerates the model with m's
// serialization (symlink policy, signed ignore paths and the defaults, plus
// opts.IgnorePaths), hashes the files m lists and compares.
func VerifyModel(ctx context.Context, modelPath string, m *Manifest, opts VerifyOptions) error {
	ser := m.Serialization
	ignore := ignoreSet(DefaultIgnorePaths)
	for _, p := range append(append([]string(nil), ser.IgnorePaths...), opts.IgnorePaths...) {
		if err := CheckIgnorePath(p); err != nil {
			return err
		}
		ignore[p] = true
	}
	local, single, err := enumerate(modelPath, ser.AllowSymlinks, ignore)
	if err != nil {
		return err
	}
	// Signed resources by file: a file's resource, or its shards.
	signed := map[string]map[string]string{}
	for _, r := range m.Resources {
		f := r.Name
		if ser.Method == MethodShards {
			f, _, _, _ = splitShard(r.Name) // checked by ParseStatement
		}
		if single && f == "." && len(local) == 1 {
			// model_signing before v1.1.0 named a single-file model's
			// resource "." (and its shards ".:start:end").
			f = local[0].name
			r.Name = f + strings.TrimPrefix(r.Name, ".")
		}
		if signed[f] == nil {
			signed[f] = map[string]string{}
		}
		signed[f][r.Name] = r.Digest
	}
	var mis MismatchError
	var toHash []file
	present := map[string]bool{}
	for _, f := range local {
		present[f.name] = true
		if _, ok := signed[f.name]; ok {
			toHash = append(toHash, f)
		} else if !opts.IgnoreUnsignedFiles && (ser.Method == MethodFiles || f.size > 0) {
			// Shards omit zero-byte files: an empty file is not extra.
			mis.Extra = append(mis.Extra, f.name)
		}
	}
	for f := range signed {
		if !present[f] {
			mis.Missing = append(mis.Missing, f)
		}
	}
	got, err := hashFiles(ctx, toHash, ser, opts.Workers)
	if err != nil {
		return err
	}
	gotByFile := map[string]map[string]string{}
	for _, r := range got {
		f := r.Name
		if ser.Method == MethodShards {
			f, _, _, _ = splitShard(r.Name)
		}
		if gotByFile[f] == nil {
			gotByFile[f] = map[string]string{}
		}
		gotByFile[f][r.Name] = r.Digest
	}
	for _, f := range toHash {
		if !sameDigests(signed[f.name], gotByFile[f.name]) {
			mis.Changed = append(mis.Changed, f.name)
		}
	}
	if len(mis.Changed)+len(mis.Missing)+len(mis.Extra) > 0 {
		sort.Strings(mis.Changed)
		sort.Strings(mis.Missing)
		sort.Strings(mis.Extra)
		return &mis
	}
	return nil
}

func sameDigests(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
