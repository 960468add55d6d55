package verify

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
)

// boundsCase is a bundle built to make Verify work as hard as bundle.Parse's
// limits allow, signed by the test kit's certificate.
type boundsCase struct {
	name    string
	b       *bundle.Bundle
	v       *Verifier
	p       policy.Policy
	payload []byte
	fails   Step // the step Verify must fail at; 0: it must succeed
}

func boundsCases(tb testing.TB) []*boundsCase {
	tb.Helper()
	k := newKit(tb)
	other := newKit(tb)
	// The payload as large as the bundle allows: base64 grows it by 4/3.
	room := min(boundsBundleSize/4*3, limits.MaxDSSEPayloadSize)
	head := `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://sigil.test/p","subject":[`
	sub := subjectJSON("a", artifactA)

	// Millions of subjects: the decoder must stop at the limit.
	many := head + strings.Repeat(sub+",", (room-len(head))/(len(sub)+1)-1) + sub + `]}`
	// As many subjects as allowed, and a predicate taking the rest: the
	// largest statement that verifies.
	atLimit := head + strings.Repeat(sub+",", limits.MaxStatementSubjects-1) + sub + `],"predicate":{"p":[`
	cell := `{"k":"v","n":[1,2.5,true,null]},`
	atLimit += strings.Repeat(cell, (room-len(atLimit))/len(cell)) + `{}]}}`
	// One enormous subject name.
	name := head + `{"name":"` + strings.Repeat("n", room-len(head)-len(sub)-8) + `","digest":{"sha256":"` + sha256Hex(artifactA) + `"}}]}`

	build := func(k *kit, payload string) *bundle.Bundle {
		data, err := protojson.Marshal(k.dsseProto(tb, intoto.PayloadType, []byte(payload)))
		if err != nil {
			tb.Fatal(err)
		}
		if len(data) > limits.MaxBundleSize {
			tb.Fatalf("test bundle of %d bytes exceeds the limit", len(data))
		}
		b, err := bundle.Parse(data)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	v := k.verifier(tb)
	bMany, bLimit, bName := build(k, many), build(k, atLimit), build(k, name)
	ed := k.withEd25519(tb)
	bEd := build(ed, atLimit)
	tlogV, bTlog := largeTlogEntries(tb)
	return []*boundsCase{
		{name: "tlog-entries-large-bodies", b: bTlog, v: tlogV, p: policy.UnsafeAnySigner(), payload: artifactA, fails: StepTransparencyLog},
		{name: "many-subjects", b: bMany, v: v, p: k.policy(), payload: []byte(many), fails: StepSignature},
		{name: "many-subjects-other-signer", b: bMany, v: v, p: policy.PublicKey(other.key.Public()), payload: []byte(many), fails: StepPolicy},
		{name: "subject-limit-and-large-predicate", b: bLimit, v: v, p: k.policy(), payload: []byte(atLimit)},
		{name: "huge-subject-name", b: bName, v: v, p: k.policy(), payload: []byte(name)},
		// Pure Ed25519 signs the whole PAE, which must be built and hashed
		// with SHA-512.
		{name: "subject-limit-and-large-predicate-ed25519", b: bEd, v: v, p: ed.policy(), payload: []byte(atLimit)},
	}
}

func (c *boundsCase) verify() error {
	_, err := c.v.Verify(c.b, ArtifactDigest(crypto.SHA256, sha256Sum(artifactA)), c.p)
	return err
}

func (c *boundsCase) check(tb testing.TB) {
	tb.Helper()
	err := c.verify()
	var verr *Error
	switch {
	case c.fails == 0 && err != nil:
		tb.Fatalf("%s: %v", c.name, err)
	case c.fails != 0 && (!errors.As(err, &verr) || verr.Step != c.fails):
		tb.Fatalf("%s: %v, want a failure at %v", c.name, err, c.fails)
	}
}

// BenchmarkBounds verifies the worst-case bundles; its floor is
// BenchmarkBoundsFloor (hashing the payload once, as the DSSE signature
// check must) and BenchmarkVerify (real bundles).
func BenchmarkBounds(b *testing.B) {
	for _, c := range boundsCases(b) {
		c.check(b)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.payload)))
			reportCPU(b, func() { c.verify() })
		})
	}
}

// BenchmarkBoundsFloor hashes each worst case's payload with SHA-256 once:
// the least work any verifier of its DSSE signature does.
func BenchmarkBoundsFloor(b *testing.B) {
	for _, c := range boundsCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.payload)))
			reportCPU(b, func() { sha256.Sum256(c.payload) })
		})
	}
}

// TestBoundsCases checks that the worst cases verify or fail as intended
// (the benchmark measures them).
func TestBoundsCases(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 30 MiB bundles")
	}
	for _, c := range boundsCases(t) {
		c.check(t)
	}
}

// BenchmarkDecodeStatement decodes each worst case's statement alone.
func BenchmarkDecodeStatement(b *testing.B) {
	for _, c := range boundsCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.payload)))
			reportCPU(b, func() { intoto.Unmarshal(c.payload) })
		})
	}
}

// largeTlogEntries is a real public-good bundle with as many log entries as
// Parse allows, each with a large, valid JSON body its log never signed.
func largeTlogEntries(tb testing.TB) (*Verifier, *bundle.Bundle) {
	tb.Helper()
	root, err := trustroot.FromFile("../testdata/conformance/trusted_roots/production.trusted_root.json")
	if err != nil {
		tb.Fatal(err)
	}
	v, err := New(root)
	if err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json")
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		tb.Fatal(err)
	}
	vm := m["verificationMaterial"].(map[string]any)
	entry := vm["tlogEntries"].([]any)[0].(map[string]any)
	per := boundsBundleSize / limits.MaxTlogEntries / 4 * 3
	body := `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":"` +
		sha256Hex(artifactA) + `"}},"signature":{"content":"` + strings.Repeat("A", per-200) + `"}}}`
	var entries []any
	for range limits.MaxTlogEntries {
		e := maps.Clone(entry)
		e["canonicalizedBody"] = base64.StdEncoding.EncodeToString([]byte(body))
		entries = append(entries, e)
	}
	vm["tlogEntries"] = entries
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := bundle.Parse(out)
	if err != nil {
		tb.Fatal(err)
	}
	return v, b
}
