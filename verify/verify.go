package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/internal/sct"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/internal/tlogcheck"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/witness"
)

// Verifier verifies bundles against one trusted root. It is immutable and
// safe for concurrent use by multiple goroutines; prepare one and reuse it.
type Verifier struct {
	root   *trustroot.TrustedRoot
	cfg    config
	cas    []*preparedCA
	tlogs  []*preparedLog
	ctlogs []sct.Log
	tsas   []*rfc3161.Authority
	// tsaWitness names each TSA as a witness (see source).
	tsaWitness map[*rfc3161.Authority]string
	crls       map[string][]*preparedCRL // by the DER of the issuer's name
}

type preparedCA struct {
	ca     *trustroot.CertificateAuthority
	anchor *x509.Certificate // the last certificate of the chain: the trust anchor
	roots  *x509.CertPool    // the anchor alone
	inters *x509.CertPool    // the chain's other certificates
	// issuerRoots holds the chain's first certificate alone when a leaf it
	// issued may be validated against it as the anchor (see shortPath);
	// nil when every path needs the full walk to the anchor.
	issuerRoots *x509.CertPool
}

type preparedLog struct {
	log    *trustroot.TrustedLog
	alg    sigalg.Algorithm
	cp     *checkpoint.Verifier
	policy *witness.Policy // nil: no witness policy
	// witness names the log as a witness for thresholds (see source).
	witness string
}

// New prepares a Verifier for root. Thresholds default to DefaultSCTs,
// DefaultTlogEntries and DefaultTimestamps where the root can provide them
// and to 0 where it cannot (see RequireSCTs, RequireTlogEntries,
// RequireTimestamps); every option is checked here, and New fails naming
// the option at fault.
func New(root *trustroot.TrustedRoot, opts ...Option) (*Verifier, error) {
	if root == nil {
		return nil, errors.New("verify: nil trusted root")
	}
	v := &Verifier{root: root}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("verify: nil option")
		}
		if err := o(&v.cfg); err != nil {
			return nil, err
		}
	}
	if v.cfg.now == nil {
		v.cfg.now = time.Now
	}
	v.crls = prepareCRLs(v.cfg.crls)
	for _, ca := range root.CertificateAuthorities() {
		v.cas = append(v.cas, prepareCA(ca))
	}
	for _, l := range root.TransparencyLogs() {
		p, err := prepareLog(l)
		if err != nil {
			return nil, err
		}
		if wp, ok := v.cfg.witnessPolicies[l.BaseURL]; ok {
			p.policy = wp
		}
		v.tlogs = append(v.tlogs, p)
	}
	witnessed := 0
	for u := range v.cfg.witnessPolicies {
		if !slices.ContainsFunc(v.tlogs, func(p *preparedLog) bool { return p.log.BaseURL == u }) {
			return nil, fmt.Errorf("verify: RequireWitnessPolicy(%q): the trusted root lists no transparency log with that base URL", u)
		}
		witnessed++
	}
	if v.cfg.witnessTimes && witnessed == 0 {
		return nil, errors.New("verify: WitnessTimestamps without RequireWitnessPolicy")
	}
	var err error
	if v.ctlogs, err = sct.NewLogs(root.CTLogs(), func(l *trustroot.TrustedLog) string { return source(l.Operator, "log", string(l.LogID)) }); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	v.tsaWitness = map[*rfc3161.Authority]string{}
	for _, t := range root.TimestampAuthorities() {
		a := rfc3161.NewAuthority(t)
		v.tsas = append(v.tsas, a)
		v.tsaWitness[a] = source(t.Operator, "tsa", t.URI)
	}
	tlogs, ctlogs, observers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, l := range v.tlogs {
		tlogs[l.witness], observers[l.witness] = true, true
	}
	for _, l := range v.ctlogs {
		ctlogs[l.Counter()] = true
	}
	for _, w := range v.tsaWitness {
		observers[w] = true
	}
	if err := v.cfg.tlogs.resolve(len(tlogs), DefaultTlogEntries, "independent transparency logs"); err != nil {
		return nil, err
	}
	if err := v.cfg.scts.resolve(len(ctlogs), DefaultSCTs, "independent CT logs"); err != nil {
		return nil, err
	}
	if v.cfg.witnessTimes {
		for _, l := range v.tlogs {
			if l.policy != nil {
				observers[witnessedCheckpoint(l.witness)] = true
			}
		}
	}
	if err := v.cfg.timestamps.resolve(len(observers), DefaultTimestamps, "independent timestamp authorities and transparency logs"); err != nil {
		return nil, err
	}
	return v, nil
}

// source names an independent source for the thresholds: the operator
// the trusted root names for a log or authority (protobuf-specs: logs, TSAs
// or CT logs of one operator count once), else the log itself (by log ID)
// or the timestamp authority (by URI). An operator running a log and a TSA
// is one witness of observer timestamps.
func source(operator, kind, id string) string {
	if operator != "" {
		return "operator\x00" + operator
	}
	return kind + "\x00" + id
}

// witnessedCheckpoint names a log's witnessed checkpoints as a witness of
// observer timestamps, apart from the log's own integrated times.
func witnessedCheckpoint(logWitness string) string { return "witnessed\x00" + logWitness }

// resolve fixes the threshold against what the root can provide: an unset
// threshold becomes def, or available when the root provides fewer.
func (t *threshold) resolve(available, def int, what string) error {
	if !t.set {
		t.n = min(available, def)
		return nil
	}
	if t.n > available {
		return fmt.Errorf("verify: %s, but the trusted root lists %d %s", t.option, available, what)
	}
	return nil
}

func prepareCA(ca *trustroot.CertificateAuthority) *preparedCA {
	last := len(ca.Certificates) - 1
	p := &preparedCA{ca: ca, anchor: ca.Certificates[last], roots: x509.NewCertPool(), inters: x509.NewCertPool()}
	p.roots.AddCert(p.anchor)
	for _, c := range ca.Certificates[:last] {
		p.inters.AddCert(c)
	}
	if staticShortcut(ca.Certificates) {
		p.issuerRoots = x509.NewCertPool()
		p.issuerRoots.AddCert(ca.Certificates[0])
	}
	return p
}

func prepareLog(l *trustroot.TrustedLog) (*preparedLog, error) {
	alg, err := sigalg.ForKeyDetails(l.KeyDetails)
	if err != nil {
		return nil, fmt.Errorf("verify: log %s: %w", l.BaseURL, err)
	}
	return &preparedLog{log: l, alg: alg, cp: checkpoint.NewVerifier(tlogcheck.CheckpointLog(l)), witness: source(l.Operator, "log", string(l.LogID))}, nil
}

func (v *Verifier) tlog(id []byte) *preparedLog {
	for _, l := range v.tlogs {
		if bytes.Equal(l.log.LogID, id) {
			return l
		}
	}
	return nil
}

// signer is the signing credential of a bundle, before it is trusted.
type signer struct {
	cert *x509.Certificate
	pub  crypto.PublicKey
	alg  sigalg.Algorithm
	hint string
}

// Verify checks b against the artifact and the policy, offline. It returns
// a Result holding only verified facts, or a nil Result and an *Error naming
// the step that failed. Verify does no network I/O; it reads the artifact's
// reader, if any, once to its end. It is safe to call concurrently.
//
// The checks, in order: the bundle's RFC 3161 timestamps against the trusted
// TSAs; its transparency-log entries (inclusion promise, checkpoint signature
// and Merkle inclusion proof, the entry body against the bundle, and the log
// key's validity at the entry's time: the integrated time its promise signs
// or, for an entry without one, every verified time of the bundle — RFC 3161
// times and the other entries' integrated times — or the verifier's clock
// when it has none); the observer-timestamp threshold; the signing
// certificate's path to a trusted CA at every verified time, its revocation
// status (with WithCRLs, WithCRLFiles or WithRevocationChecker) and its
// SCTs (for a public-key bundle, the trusted key); the policy, over the
// verified signer; the artifact against what the bundle and its entries say
// was signed, and the signature. The policy runs before the content is
// hashed or decoded, so a bundle from a signer the policy rejects costs no
// more than its signer's checks.
//
// A DSSE envelope must carry an in-toto statement (intoto.PayloadType)
// unless the Verifier accepts its payload type (AllowPayloadType). The
// statement is decoded strictly: a field given twice, or spelled in another
// case ("SUBJECT"), fails the bundle, so that no other decoder of the same
// payload reads different subjects than sigil matched; at most
// 32,768 subjects are read; the envelope payload is at most 16 MiB.
//
// Evidence is treated by kind. Every transparency-log entry in the bundle
// must verify: an entry from an unknown log, or one that fails any check,
// fails the bundle. An RFC 3161 timestamp that no trusted TSA vouches for is
// ignored (it vouches for nothing) and only verified ones count; but every
// verified time must fall within the certificate's validity. SCTs from logs
// the trusted root does not list are ignored.
func (v *Verifier) Verify(b *bundle.Bundle, artifact Artifact, p policy.Policy) (*Result, error) {
	r := &run{v: v, failFast: true}
	res := r.verify(b, artifact, p)
	if len(r.failed) > 0 {
		return nil, r.failed[0]
	}
	return res, nil
}

// run is one verification. In fail-fast mode (Verify) it stops at the first
// failed check; in audit mode (Audit) it records the failure and goes on
// with whatever the failed check left verified.
type run struct {
	v        *Verifier
	failFast bool
	failed   []*Error
	// timestampWitnesses are the witnesses (see source) of the verified
	// observer timestamps.
	timestampWitnesses map[string]bool
	// anyPayloadType accepts DSSE envelopes of every payload type (SelfCheck).
	anyPayloadType bool
}

// fail records a failed check and reports whether to stop.
func (r *run) fail(err *Error) (stop bool) {
	r.failed = append(r.failed, err)
	return r.failFast
}

func (r *run) verify(b *bundle.Bundle, artifact Artifact, p policy.Policy) *Result {
	v := r.v
	if b == nil {
		r.fail(fail(StepBundle, errors.New("nil bundle")))
		return nil
	}
	if p == nil && r.fail(fail(StepPolicy, errors.New("nil policy (use policy.UnsafeAnySigner to accept any signer)"))) {
		return nil
	}
	artifactErr := artifact.check()
	if artifactErr != nil && r.fail(fail(StepArtifact, artifactErr)) {
		return nil
	}
	s, err := v.signer(b)
	if err != nil {
		// Without a signing key nothing else can be checked.
		r.fail(asError(err))
		return nil
	}
	res := &Result{MediaType: b.MediaType()}

	r.timestampWitnesses = map[string]bool{}
	times, tsErr := r.verifyTimestamps(b, res)
	entryDigests, ltimes, stop := r.verifyTlog(b, s, times, res)
	if stop {
		return nil
	}
	times = append(times, ltimes...)
	if n := len(r.timestampWitnesses); n < v.cfg.timestamps.n {
		err := fmt.Errorf("%w: %d verified observer timestamps from distinct authorities (of distinct operators, where the trusted root names them), need %d", ErrThreshold, n, v.cfg.timestamps.n)
		if tsErr != nil {
			err = fmt.Errorf("%w (%v)", err, tsErr)
		}
		if r.fail(fail(StepTimestamp, err)) {
			return nil
		}
	}
	if s.cert != nil {
		if len(times) == 0 {
			times = append(times, v.cfg.now())
		}
		if err := v.verifyCertificate(b, s, times, res); err != nil && r.fail(asError(err)) {
			return nil
		}
	} else {
		res.Signer = Signer{PublicKey: s.pub, KeyHint: s.hint}
	}
	// The policy depends only on the signer, verified by now: it runs
	// before the content is hashed and decoded, so a bundle from a signer
	// the caller does not expect costs no more than its certificate check.
	if p != nil {
		in := &policy.Input{Certificate: s.cert, PublicKey: s.pub}
		if err := p.Evaluate(in); err != nil && r.fail(fail(StepPolicy, err)) {
			return nil
		}
	}
	if artifactErr == nil {
		if err := r.verifyContent(b, s, artifact, entryDigests, res); err != nil && r.fail(asError(err)) {
			return nil
		}
	}
	return res
}

// asError returns err as an *Error; every stage returns one.
func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return fail(StepBundle, err)
}

// signer returns the bundle's signing credential; errors are *Error.
func (v *Verifier) signer(b *bundle.Bundle) (*signer, error) {
	if certs := b.Certificates(); len(certs) > 0 {
		leaf := certs[0]
		alg, err := sigalg.ForKey(leaf.PublicKey)
		if err != nil {
			return nil, fail(StepCertificate, err)
		}
		return &signer{cert: leaf, pub: leaf.PublicKey, alg: alg}, nil
	}
	hint := b.PublicKeyHint()
	var found *trustedKey
	for i, k := range v.cfg.keys {
		if k.hint == hint && hint != "" {
			found = &v.cfg.keys[i]
			break
		}
		if k.hint == "" && found == nil {
			found = &v.cfg.keys[i]
		}
	}
	if found == nil {
		return nil, fail(StepKey, fmt.Errorf("public-key bundle (hint %q) but no trusted key for it (use WithPublicKey)", hint))
	}
	alg := found.alg
	if alg.IsZero() {
		var err error
		if alg, err = sigalg.ForKey(found.pub); err != nil {
			return nil, fail(StepKey, err)
		}
	}
	return &signer{pub: found.pub, alg: alg, hint: hint}, nil
}
