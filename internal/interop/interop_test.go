package interop_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/testservices"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// The dimensions of the matrix.
const (
	// signers and verifiers (besides js4 and js5)
	sigil  = "sigil"
	cosign = "cosign"

	// payloads
	message = "message"
	dsse    = "dsse"

	// modes
	offline = "offline"      // a bare key, no log, no timestamp
	rekorV1 = "rekor-v1"     // a key and a Rekor v1 entry (its SET dates it)
	rekorV2 = "rekor-v2+tsa" // a key, a Rekor v2 entry and an RFC 3161 timestamp
	keyless = "keyless"      // a Fulcio certificate, Rekor v2 and a timestamp

	// verification variants
	good             = "good"
	tamperedArtifact = "tampered-artifact" // the artifact differs from the signed one
	tamperedPayload  = "tampered-payload"  // DSSE: the envelope's statement is changed (its subject names the tampered artifact)
	wrongIdentity    = "wrong-identity"    // another key of the same type, or another SAN
)

const (
	san           = "interop@example.com" // its own: tests of the same stack that run in parallel watch alice@example.com
	wrongSAN      = "mallory@example.com"
	predicateType = "https://slsa.dev/provenance/v1"
)

var predicate = []byte(`{"buildDefinition":{"buildType":"https://example.test/build/v1"},"runDetails":{"builder":{"id":"https://example.test/builder"}}}`)

type keyType struct {
	name string
	gen  func() (crypto.Signer, error)
	// cosignAlg is cosign's --signing-algorithm for an ephemeral key of
	// this type (keyless).
	cosignAlg string
}

func genKey(kt signer.KeyType) func() (crypto.Signer, error) {
	return func() (crypto.Signer, error) { return signer.Generate(kt) }
}

func genRSA(bits int) func() (crypto.Signer, error) {
	return func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, bits) }
}

var keyTypes = []keyType{
	{"p256", genKey(signer.ECDSAP256), "ecdsa-sha2-256-nistp256"},
	{"p384", genKey(signer.ECDSAP384), "ecdsa-sha2-384-nistp384"},
	{"p521", genKey(signer.ECDSAP521), "ecdsa-sha2-512-nistp521"},
	{"ed25519", genKey(signer.Ed25519), ""}, // cosign has none (cosignCannot)
	{"rsa2048", genRSA(2048), "rsa-sign-pkcs1-2048-sha256"},
	{"rsa3072", genRSA(3072), "rsa-sign-pkcs1-3072-sha256"},
	{"rsa4096", genRSA(4096), "rsa-sign-pkcs1-4096-sha256"},
}

var (
	signers   = []string{sigil, cosign}
	payloads  = []string{message, dsse}
	modes     = []string{offline, rekorV1, rekorV2, keyless}
	verifiers = []string{sigil, cosign, js4, js5}
)

// refusedBySigil lists what sigil must refuse to sign, before sending
// anything: Rekor v1 checks DSSE signatures over SHA-256 only (P-384 and
// P-521 sign SHA-384/SHA-512 digests), and Rekor v2 logs the digest of a
// DSSE envelope's PAE, which a pure Ed25519 signature does not sign.
func refusedBySigil(key, payload, mode string) bool {
	if payload != dsse {
		return false
	}
	switch mode {
	case rekorV1:
		return key == "p384" || key == "p521"
	case rekorV2, keyless:
		return key == "ed25519"
	}
	return false
}

// cosignCannot says why cosign v3.1.3 cannot sign a combination at all, or
// "". Keyless, cosign signs with an ephemeral key of an algorithm chosen
// by --signing-algorithm, which has no Ed25519 and which attest-blob does
// not have (its key is always P-256).
func cosignCannot(key, payload, mode string) string {
	switch {
	case mode != keyless:
		return ""
	case payload == dsse && key != "p256":
		return "cosign attest-blob has no --signing-algorithm: its ephemeral key is P-256"
	case key == "ed25519":
		return "cosign sign-blob --signing-algorithm offers no Ed25519"
	}
	return ""
}

// signedCase is one bundle of the matrix and what its verifiers need.
type signedCase struct {
	signer, key, payload, mode string

	dir                string
	artifact, tampered string // the signed artifact and a tampered copy (files)
	bundle             string // the bundle (file)
	tamperedBundle     string // DSSE: the bundle with a tampered statement (file)
	pub, wrongPub      crypto.PublicKey
	pubPEM, wrongPEM   string // the public keys as PEM files (key modes)

	refused bool   // sigil refused to sign, as refusedBySigil says it must
	signErr string // signing failed: the error (with the signer's output)
}

func (c *signedCase) name() string {
	return c.signer + "/" + c.key + "/" + c.payload + "/" + c.mode
}

func (c *signedCase) keyed() bool { return c.mode != keyless }

// env is the stack, the clients and the shared material of one run.
type env struct {
	s        *testservices.Stack
	tl       *tools
	root     *trustroot.TrustedRoot // the stack's trusted root
	empty    *trustroot.TrustedRoot // a trusted root with nothing in it (offline)
	rootPath string
	// emptyPath is the empty trusted root as a file (offline mode).
	emptyPath string
	// configs are the signing configurations of each mode (files), cut
	// from the stack's, and parsed.
	configs map[string]string
	cfg     map[string]*trustroot.SigningConfig
	work    string
	// cosignCannot counts the combinations cosign cannot sign at all, by
	// why.
	cosignCannot map[string]int
}

func TestInterop(t *testing.T) {
	s := testservices.Require(t)
	tl := requireTools(t)
	e := newEnv(t, s, tl)
	ctx := t.Context()

	start := time.Now()
	cases := e.signAll(ctx, t)
	signed := time.Since(start)

	start = time.Now()
	results := e.verifyAll(ctx, t, cases)
	verified := time.Since(start)

	tally := map[string]*counts{}
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) { evaluate(t, c, results, tally) })
	}
	t.Logf("interop: %d bundles signed in %v, %d verifications in %v", len(cases), signed.Round(time.Second), len(results), verified.Round(time.Second))
	for why, n := range e.cosignCannot {
		t.Logf("interop: %d combinations cosign cannot sign: %s", n, why)
	}
	var total counts
	for _, k := range slices.Sorted(maps.Keys(tally)) {
		t.Logf("interop: %-28s %s", k, tally[k])
		total.add(*tally[k])
	}
	t.Logf("interop: %-28s %s", "total", &total)
}

func newEnv(t *testing.T, s *testservices.Stack, tl *tools) *env {
	t.Helper()
	e := &env{s: s, tl: tl, rootPath: s.TrustedRootPath, work: t.TempDir(), configs: map[string]string{}, cfg: map[string]*trustroot.SigningConfig{}, cosignCannot: map[string]int{}}
	var err error
	if e.root, err = trustroot.FromFile(s.TrustedRootPath); err != nil {
		t.Fatal(err)
	}
	emptyRoot := []byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`)
	if e.empty, err = trustroot.ParseJSON(emptyRoot); err != nil {
		t.Fatal(err)
	}
	e.emptyPath = filepath.Join(e.work, "trusted_root.empty.json")
	writeFile(t, e.emptyPath, emptyRoot)

	// Each mode's signing configuration keeps only the services it uses.
	var base map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, s.SigningConfigPath), &base); err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		cfg := map[string]any{"mediaType": json.RawMessage(base["mediaType"])}
		switch m {
		case rekorV1:
			cfg["rekorTlogUrls"] = services(t, base["rekorTlogUrls"], 1)
			cfg["rekorTlogConfig"] = json.RawMessage(base["rekorTlogConfig"])
		case rekorV2, keyless:
			cfg["rekorTlogUrls"] = services(t, base["rekorTlogUrls"], 2)
			cfg["rekorTlogConfig"] = json.RawMessage(base["rekorTlogConfig"])
			cfg["tsaUrls"] = json.RawMessage(base["tsaUrls"])
			cfg["tsaConfig"] = json.RawMessage(base["tsaConfig"])
			if m == keyless {
				cfg["caUrls"] = json.RawMessage(base["caUrls"])
				cfg["oidcUrls"] = json.RawMessage(base["oidcUrls"])
			}
		}
		data, err := json.MarshalIndent(cfg, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		e.configs[m] = filepath.Join(e.work, "signing_config."+m+".json")
		writeFile(t, e.configs[m], data)
		if m != offline {
			if e.cfg[m], err = trustroot.ParseSigningConfig(data); err != nil {
				t.Fatalf("%s signing config: %v", m, err)
			}
		}
	}
	return e
}

// services returns the services of a signing configuration's list with
// the given major API version.
func services(t *testing.T, list json.RawMessage, version int) []map[string]any {
	t.Helper()
	var all []map[string]any
	if err := json.Unmarshal(list, &all); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, s := range all {
		if v, _ := s["majorApiVersion"].(float64); int(v) == version {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("the stack's signing config lists no service of API version %d", version)
	}
	return out
}

// signAll makes every bundle of the matrix: with sigil in this process, with
// cosign as a user runs it.
func (e *env) signAll(ctx context.Context, t *testing.T) []*signedCase {
	t.Helper()
	// The keys: one per signer, type and mode, for both payloads (Rekor v2
	// deduplicates identical entries; each artifact below is distinct
	// too), and one "wrong identity" key per type. RSA 4096 takes a while:
	// they are made in parallel.
	keys := map[string]crypto.Signer{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var keyErr error
	gen := func(name string, kt keyType) {
		wg.Go(func() {
			k, err := kt.gen()
			mu.Lock()
			defer mu.Unlock()
			keys[name], keyErr = k, errors.Join(keyErr, err)
		})
	}
	var cases []*signedCase
	for _, kt := range keyTypes {
		gen("wrong/"+kt.name, kt)
		for _, sg := range signers {
			for _, m := range modes {
				gen(sg+"/"+kt.name+"/"+m, kt)
				for _, p := range payloads {
					if why := cosignCannot(kt.name, p, m); sg == cosign && why != "" {
						e.cosignCannot[why]++
						continue
					}
					c := &signedCase{signer: sg, key: kt.name, payload: p, mode: m}
					c.dir = filepath.Join(e.work, sg, kt.name, p, m)
					if err := os.MkdirAll(c.dir, 0o755); err != nil {
						t.Fatal(err)
					}
					cases = append(cases, c)
				}
			}
		}
	}
	wg.Wait()
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	key := func(c *signedCase) crypto.Signer { return keys[c.signer+"/"+c.key+"/"+c.mode] }

	// Rekor v2 answers after its next checkpoint (about a second): sign in
	// parallel, a few at a time.
	sem := make(chan struct{}, 6)
	errs := make([]error, len(cases))
	for i, c := range cases {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = e.prepare(c, key(c), keys["wrong/"+c.key])
			if errs[i] != nil {
				return
			}
			if c.signer == sigil {
				errs[i] = e.sigilSign(ctx, c, key(c))
			} else {
				errs[i] = e.cosignSign(ctx, c, key(c))
			}
			if errs[i] == nil && c.signErr == "" && c.payload == dsse {
				errs[i] = c.tamperPayload()
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", cases[i].name(), err)
		}
	}
	return cases
}

// prepare writes the case's artifact, its tampered copy and public keys.
func (e *env) prepare(c *signedCase, key, wrong crypto.Signer) error {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	art := fmt.Appendf(nil, "sigil interop artifact %s %x\n", c.name(), nonce)
	c.artifact = filepath.Join(c.dir, "artifact.txt")
	c.tampered = filepath.Join(c.dir, "artifact.tampered.txt")
	if err := os.WriteFile(c.artifact, art, 0o644); err != nil {
		return err
	}
	bad := bytes.Clone(art)
	bad[len(bad)-2] ^= 1 // one bit of the nonce
	if err := os.WriteFile(c.tampered, bad, 0o644); err != nil {
		return err
	}
	c.pub, c.wrongPub = key.Public(), wrong.Public()
	if !c.keyed() {
		return nil
	}
	c.pubPEM = filepath.Join(c.dir, "key.pub")
	c.wrongPEM = filepath.Join(c.dir, "wrong.pub")
	for path, pub := range map[string]crypto.PublicKey{c.pubPEM: c.pub, c.wrongPEM: c.wrongPub} {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// statement is the in-toto statement sigil signs for an artifact: the
// artifact's SHA-256 as its one subject, as cosign attest-blob writes it.
func statement(artifact []byte) *intoto.Statement {
	return &intoto.Statement{
		Subject:       []intoto.Subject{{Name: "artifact.txt", Digest: map[string]string{"sha256": fmt.Sprintf("%x", sha256.Sum256(artifact))}}},
		PredicateType: predicateType,
		Predicate:     predicate,
	}
}

func (e *env) sigilSign(ctx context.Context, c *signedCase, key crypto.Signer) error {
	cred, err := signer.FromKey(key)
	if err != nil {
		return err
	}
	v, err := e.sigilVerifier(c, good)
	if err != nil {
		return err
	}
	opts := []sign.Option{sign.WithSelfCheck(v.SelfCheck())}
	if c.mode != offline {
		opts = append(opts, sign.WithSigningConfig(e.root, e.cfg[c.mode]))
	}
	if c.mode == keyless {
		ca, err := e.cfg[keyless].Fulcio(time.Now())
		if err != nil {
			return err
		}
		tok, err := e.s.Token(ctx, "interop", san)
		if err != nil {
			return err
		}
		f, err := signer.NewFulcio(e.root, ca.URL, signer.StaticToken(tok))
		if err != nil {
			return err
		}
		opts = append(opts, sign.WithCertificateProvider(f))
	}
	b, err := sign.NewBundleBuilder(cred, opts...)
	if err != nil {
		return err
	}
	art, err := os.ReadFile(c.artifact)
	if err != nil {
		return err
	}
	var bun *bundle.Bundle
	if c.payload == message {
		bun, err = b.SignArtifact(ctx, bytes.NewReader(art))
	} else {
		bun, err = b.SignStatement(ctx, statement(art))
	}
	if err != nil {
		// A refusal is made before anything is sent: not a ServiceError.
		var se *signer.ServiceError
		c.refused = errors.Is(err, sign.ErrUnsupportedByLog) && !errors.As(err, &se)
		c.signErr = err.Error()
		return nil
	}
	data, err := bun.MarshalJSON()
	if err != nil {
		return err
	}
	c.bundle = filepath.Join(c.dir, "bundle.json")
	return os.WriteFile(c.bundle, data, 0o644)
}

func (e *env) cosignSign(ctx context.Context, c *signedCase, key crypto.Signer) error {
	root := e.rootPath
	if c.mode == offline {
		root = e.emptyPath
	}
	c.bundle = filepath.Join(c.dir, "bundle.json")
	args := []string{"sign-blob"}
	if c.payload == dsse {
		pred := filepath.Join(c.dir, "predicate.json")
		if err := os.WriteFile(pred, predicate, 0o644); err != nil {
			return err
		}
		args = []string{"attest-blob", "--predicate", pred, "--type", predicateType}
	}
	args = append(args, "--bundle", c.bundle, "--signing-config", e.configs[c.mode], "--trusted-root", root)
	if c.keyed() {
		k, err := e.cosignKey(ctx, c, key)
		if err != nil {
			return err
		}
		args = append(args, "--key", k)
	} else {
		tok, err := e.s.Token(ctx, "interop", san)
		if err != nil {
			return err
		}
		// A token file: cosign parses a raw --identity-token only as RS256.
		tokFile := filepath.Join(c.dir, "token")
		if err := os.WriteFile(tokFile, []byte(tok), 0o600); err != nil {
			return err
		}
		args = append(args, "--identity-token", tokFile)
		if c.payload == message {
			args = append(args, "--signing-algorithm", keyTypeByName(c.key).cosignAlg)
		}
	}
	args = append(args, c.artifact)
	out, err := e.tl.runCosign(ctx, c.dir, args...)
	if err != nil {
		c.signErr = fmt.Sprintf("%v: %s", err, out)
		c.bundle = ""
	}
	return nil
}

// cosignKey imports key into cosign's encrypted key format (cosign
// import-key-pair), as a user with an existing key does.
func (e *env) cosignKey(ctx context.Context, c *signedCase, key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	in := filepath.Join(c.dir, "key.pem")
	if err := os.WriteFile(in, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return "", err
	}
	if out, err := e.tl.runCosign(ctx, c.dir, "import-key-pair", "--key", in, "--output-key-prefix", filepath.Join(c.dir, "cosign")); err != nil {
		return "", fmt.Errorf("cosign import-key-pair: %v: %s", err, out)
	}
	return filepath.Join(c.dir, "cosign.key"), nil
}

func keyTypeByName(name string) keyType {
	for _, kt := range keyTypes {
		if kt.name == name {
			return kt
		}
	}
	panic("unknown key type " + name)
}

// tamperPayload writes a copy of a DSSE bundle whose statement names the
// tampered artifact: its subject matches the tampered artifact, so only the
// signature (and the log entry, which binds the envelope) can catch it.
func (c *signedCase) tamperPayload() error {
	var b map[string]any
	if err := json.Unmarshal(readInput(c.bundle), &b); err != nil {
		return err
	}
	env, ok := b["dsseEnvelope"].(map[string]any)
	if !ok {
		return errors.New("DSSE bundle without dsseEnvelope")
	}
	payload, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		return err
	}
	var st map[string]any
	if err := json.Unmarshal(payload, &st); err != nil {
		return err
	}
	sum := sha256.Sum256(readInput(c.tampered))
	for _, s := range st["subject"].([]any) {
		s.(map[string]any)["digest"] = map[string]string{"sha256": hex.EncodeToString(sum[:])}
	}
	if payload, err = json.Marshal(st); err != nil {
		return err
	}
	env["payload"] = base64.StdEncoding.EncodeToString(payload)
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	c.tamperedBundle = filepath.Join(c.dir, "bundle.tampered-payload.json")
	return os.WriteFile(c.tamperedBundle, data, 0o644)
}

// variants are the verifications of a case with a verifier: the good one,
// then the ones it must reject. sigstore-js verifies a DSSE envelope, not
// an artifact against its statement (that is left to the caller), so a
// tampered artifact is not one of its DSSE variants.
func variants(c *signedCase, verifier string) []string {
	if c.payload == message {
		return []string{good, tamperedArtifact, wrongIdentity}
	}
	if verifier == js4 || verifier == js5 {
		return []string{good, tamperedPayload, wrongIdentity}
	}
	return []string{good, tamperedArtifact, tamperedPayload, wrongIdentity}
}

// outcome is the result of one verification.
type outcome struct {
	ok   bool
	err  string      // the verifier's error (output), when !ok
	step verify.Step // sigil's failed step
}

type checkKey struct {
	c                 *signedCase
	verifier, variant string
}

// verifyAll runs every verification of every signed case with every
// verifier: sigil in this process, cosign a few processes at a time, each
// sigstore-js version in one process.
func (e *env) verifyAll(ctx context.Context, t *testing.T, cases []*signedCase) map[checkKey]outcome {
	t.Helper()
	var mu sync.Mutex
	results := map[checkKey]outcome{}
	set := func(k checkKey, o outcome) {
		mu.Lock()
		results[k] = o
		mu.Unlock()
	}
	js := map[string][]jsCase{}
	jsKeys := map[string]checkKey{}
	var cosignChecks []checkKey
	for _, c := range cases {
		if c.bundle == "" {
			continue
		}
		for _, v := range verifiers {
			for _, vr := range variants(c, v) {
				k := checkKey{c, v, vr}
				switch v {
				case sigil:
					set(k, e.sigilVerify(c, vr))
				case cosign:
					cosignChecks = append(cosignChecks, k)
				default:
					id := fmt.Sprintf("%d", len(jsKeys))
					jsKeys[id] = k
					js[v] = append(js[v], e.jsCase(id, c, vr))
				}
			}
		}
	}
	var wg sync.WaitGroup
	var jsErr error
	for _, jc := range e.tl.js {
		wg.Go(func() {
			res, err := e.tl.runJS(ctx, jc, e.work, js[jc.name])
			if err != nil {
				mu.Lock()
				jsErr = errors.Join(jsErr, err)
				mu.Unlock()
				return
			}
			for id, r := range res {
				set(jsKeys[id], outcome{ok: r.OK, err: r.Error})
			}
		})
	}
	sem := make(chan struct{}, 4)
	for _, k := range cosignChecks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			set(k, e.cosignVerify(ctx, k.c, k.variant))
		})
	}
	wg.Wait()
	if jsErr != nil {
		t.Fatal(jsErr)
	}
	return results
}

// inputs returns the bundle and artifact files of a variant.
func inputs(c *signedCase, variant string) (bundlePath, artifact string) {
	switch variant {
	case tamperedArtifact:
		return c.bundle, c.tampered
	case tamperedPayload:
		return c.tamperedBundle, c.tampered
	}
	return c.bundle, c.artifact
}

// thresholds are the witnesses every verifier is asked for in a mode: none
// offline; a log entry and a timestamp (the Rekor v1 SET's integrated time,
// or the TSA's) with a log; and an SCT too for a Fulcio certificate.
func thresholds(mode string) (tlogs, scts, timestamps int) {
	switch mode {
	case offline:
		return 0, 0, 0
	case keyless:
		return 1, 1, 1
	}
	return 1, 0, 1
}

func (e *env) sigilVerifier(c *signedCase, variant string) (*verify.Verifier, error) {
	if c.mode == offline {
		return verify.New(e.empty, verify.WithPublicKey("", c.publicKey(variant)))
	}
	tlogs, scts, ts := thresholds(c.mode)
	opts := []verify.Option{verify.RequireTlogEntries(tlogs), verify.RequireTimestamps(ts)}
	if c.keyed() {
		opts = append(opts, verify.WithPublicKey("", c.publicKey(variant)))
	} else {
		opts = append(opts, verify.RequireSCTs(scts))
	}
	return verify.New(e.root, opts...)
}

// publicKey is the public key a verifier is given for a variant.
func (c *signedCase) publicKey(variant string) crypto.PublicKey {
	if variant == wrongIdentity {
		return c.wrongPub
	}
	return c.pub
}

func (e *env) sigilVerify(c *signedCase, variant string) outcome {
	fail := func(err error) outcome {
		o := outcome{err: err.Error()}
		var ve *verify.Error
		if errors.As(err, &ve) {
			o.step = ve.Step
		}
		return o
	}
	v, err := e.sigilVerifier(c, variant)
	if err != nil {
		return fail(err)
	}
	bp, ap := inputs(c, variant)
	b, err := bundle.Parse(readInput(bp))
	if err != nil {
		return fail(err)
	}
	p := policy.Identity(e.s.OIDCURL, san)
	if variant == wrongIdentity {
		p = policy.Identity(e.s.OIDCURL, wrongSAN)
	}
	if c.keyed() {
		p = policy.PublicKey(c.publicKey(variant))
	}
	if _, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(readInput(ap))), p); err != nil {
		return fail(err)
	}
	return outcome{ok: true}
}

// cosignVerify runs cosign verify-blob (message) or verify-blob-attestation
// (DSSE) as its documentation says for each kind of bundle.
func (e *env) cosignVerify(ctx context.Context, c *signedCase, variant string) outcome {
	bp, ap := inputs(c, variant)
	args := []string{"verify-blob"}
	if c.payload == dsse {
		args = []string{"verify-blob-attestation", "--type", predicateType}
	}
	args = append(args, "--bundle", bp)
	switch {
	case c.mode == offline:
		args = append(args, "--trusted-root", e.emptyPath, "--insecure-ignore-tlog")
	default:
		args = append(args, "--trusted-root", e.rootPath)
	}
	if c.keyed() {
		k := c.pubPEM
		if variant == wrongIdentity {
			k = c.wrongPEM
		}
		args = append(args, "--key", k)
	} else {
		id := san
		if variant == wrongIdentity {
			id = wrongSAN
		}
		args = append(args, "--certificate-identity", id, "--certificate-oidc-issuer", e.s.OIDCURL)
	}
	args = append(args, ap)
	out, err := e.tl.runCosign(ctx, c.dir, args...)
	if err != nil {
		return outcome{err: fmt.Sprintf("%v: %s", err, strings.TrimSpace(out))}
	}
	return outcome{ok: true}
}

func (e *env) jsCase(id string, c *signedCase, variant string) jsCase {
	bp, ap := inputs(c, variant)
	tlogs, scts, ts := thresholds(c.mode)
	jc := jsCase{ID: id, Bundle: bp, TrustedRoot: e.rootPath, TlogThreshold: tlogs, CTLogThreshold: scts, TimestampThreshold: ts}
	if c.payload == message {
		jc.Artifact = ap
	}
	if c.mode == offline {
		jc.TrustedRoot = e.emptyPath
	}
	if c.keyed() {
		jc.Key = c.pubPEM
		if variant == wrongIdentity {
			jc.Key = c.wrongPEM
		}
	} else {
		jc.SAN, jc.Issuer = san, e.s.OIDCURL
		if variant == wrongIdentity {
			jc.SAN = wrongSAN
		}
	}
	return jc
}

// counts counts signings and verifications by what became of them.
type counts struct {
	signed, refused, signXFail       int // signings
	verified, expectedFail, rejected int // verifications
}

func (a *counts) add(b counts) {
	a.signed += b.signed
	a.refused += b.refused
	a.signXFail += b.signXFail
	a.verified += b.verified
	a.expectedFail += b.expectedFail
	a.rejected += b.rejected
}

func (a *counts) String() string {
	var out []string
	for _, f := range []struct {
		n    int
		what string
	}{
		{a.signed, "signed"}, {a.refused, "refused by sigil as they must"}, {a.signXFail, "expected failures to sign"},
		{a.verified, "verified"}, {a.expectedFail, "expected failures to verify"},
		{a.rejected, "bad variants rejected for the right reason"},
	} {
		if f.n > 0 {
			out = append(out, fmt.Sprintf("%d %s", f.n, f.what))
		}
	}
	return strings.Join(out, ", ")
}

// evaluate checks one signed case against its expectations, one subtest per
// verifier, and counts what became of each verification in tally[signer →
// verifier] (tally[signer → sign] for what became of the signing).
func evaluate(t *testing.T, c *signedCase, results map[checkKey]outcome, tally map[string]*counts) {
	count := func(who string) *counts {
		k := c.signer + " → " + who
		if tally[k] == nil {
			tally[k] = &counts{}
		}
		return tally[k]
	}
	n := count("sign")
	if want := c.signer == sigil && refusedBySigil(c.key, c.payload, c.mode); want != c.refused {
		t.Errorf("sigil refused to sign: %v, want %v (%s)", c.refused, want, c.signErr)
		return
	} else if want {
		n.refused++
		return
	}
	x := lookup(c.signer, c.key, c.payload, c.mode, "sign")
	switch {
	case x != nil && c.signErr == "":
		t.Errorf("signing succeeds now, but an expected failure is listed (%s; %s): fixed upstream? Remove it from expectedFailures", x.ref, x.err)
		return
	case x != nil && !strings.Contains(c.signErr, x.err):
		t.Errorf("signing failed with %q, expected %q (%s)", c.signErr, x.err, x.ref)
		return
	case x != nil:
		n.signXFail++
		return
	case c.signErr != "":
		t.Errorf("signing failed: %s", c.signErr)
		return
	}
	n.signed++
	for _, v := range verifiers {
		n := count(v)
		t.Run(v, func(t *testing.T) {
			o := results[checkKey{c, v, good}]
			x := lookup(c.signer, c.key, c.payload, c.mode, v)
			switch {
			case x != nil && o.ok:
				t.Errorf("verifies now, but an expected failure is listed (%s; %q): fixed upstream? Remove it from expectedFailures", x.ref, x.err)
				return
			case x != nil && !strings.Contains(o.err, x.err):
				t.Errorf("fails with\n\t%s\nexpected (%s)\n\t%s", o.err, x.ref, x.err)
				return
			case x != nil:
				n.expectedFail++
				return
			case !o.ok:
				t.Errorf("does not verify: %s", o.err)
				return
			}
			n.verified++
			for _, vr := range variants(c, v)[1:] {
				o := results[checkKey{c, v, vr}]
				if o.ok {
					t.Errorf("%s: accepted", vr)
					continue
				}
				if why := rejection(v, vr, c, o); why != "" {
					t.Errorf("%s: rejected, but not for the expected reason (%s): %s", vr, why, o.err)
					continue
				}
				n.rejected++
			}
		})
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readInput reads a file the test wrote. A read error cannot happen short
// of a broken machine; were it to, the empty input fails the verification
// that reads it, which reports the case.
func readInput(path string) []byte {
	data, _ := os.ReadFile(path)
	return data
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
