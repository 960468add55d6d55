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
	ctlogs []*preparedLog
	tsas   []*rfc3161.Authority
}

type preparedCA struct {
	ca          *trustroot.CertificateAuthority
	issuer      *x509.Certificate
	window      trustroot.TimeRange // intersection of the chain's validity periods
	constrained bool                // some certificate carries name or policy constraints
	roots       *x509.CertPool
	inters      *x509.CertPool
}

type preparedLog struct {
	log    *trustroot.TransparencyLog
	alg    sigalg.Algorithm
	cp     checkpoint.Log
	policy *witness.Policy // nil: no witness policy
	ctID   [32]byte
	isCTv1 bool
}

// New prepares a Verifier for root. Thresholds default to what the root can
// provide (see RequireSCTs, RequireTlogEntries, RequireTimestamps); every
// option is checked here, and New fails naming the option at fault.
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
	for _, l := range root.CTLogs() {
		p, err := prepareLog(l)
		if err != nil {
			return nil, err
		}
		if len(l.LogID) == 32 {
			copy(p.ctID[:], l.LogID)
			p.isCTv1 = true
		}
		v.ctlogs = append(v.ctlogs, p)
	}
	for _, t := range root.TimestampAuthorities() {
		v.tsas = append(v.tsas, rfc3161.NewAuthority(t))
	}
	nTlogs, nCT, nTSA := distinctLogs(root.TransparencyLogs()), distinctLogs(root.CTLogs()), len(root.TimestampAuthorities())
	if err := v.cfg.tlogs.resolve(nTlogs, "transparency logs"); err != nil {
		return nil, err
	}
	if err := v.cfg.scts.resolve(nCT, "CT logs"); err != nil {
		return nil, err
	}
	if !v.cfg.witnessTimes {
		witnessed = 0
	}
	if err := v.cfg.timestamps.resolve(nTlogs+nTSA+witnessed, "timestamp authorities and transparency logs"); err != nil {
		return nil, err
	}
	return v, nil
}

func (t *threshold) resolve(available int, what string) error {
	if !t.set {
		t.n = min(available, 1)
		return nil
	}
	if t.n > available {
		return fmt.Errorf("verify: %s, but the trusted root lists %d %s", t.option, available, what)
	}
	return nil
}

func distinctLogs(logs []*trustroot.TransparencyLog) int {
	seen := map[string]bool{}
	for _, l := range logs {
		seen[string(l.LogID)] = true
	}
	return len(seen)
}

func prepareCA(ca *trustroot.CertificateAuthority) *preparedCA {
	p := &preparedCA{ca: ca, issuer: ca.Certificates[0], window: ca.ChainValidity()}
	for _, c := range ca.Certificates {
		if c.PermittedDNSDomainsCritical || len(c.PermittedDNSDomains) > 0 || len(c.ExcludedDNSDomains) > 0 ||
			len(c.PermittedIPRanges) > 0 || len(c.ExcludedIPRanges) > 0 || len(c.PermittedEmailAddresses) > 0 ||
			len(c.ExcludedEmailAddresses) > 0 || len(c.PermittedURIDomains) > 0 || len(c.ExcludedURIDomains) > 0 ||
			len(c.PolicyIdentifiers) > 0 && c.RequireExplicitPolicy > 0 || len(c.UnhandledCriticalExtensions) > 0 {
			p.constrained = true
		}
	}
	if p.constrained {
		p.roots, p.inters = x509.NewCertPool(), x509.NewCertPool()
		last := len(ca.Certificates) - 1
		p.roots.AddCert(ca.Certificates[last])
		for _, c := range ca.Certificates[:last] {
			p.inters.AddCert(c)
		}
	}
	return p
}

func prepareLog(l *trustroot.TransparencyLog) (*preparedLog, error) {
	alg, err := sigalg.ForKeyDetails(l.KeyDetails)
	if err != nil {
		return nil, fmt.Errorf("verify: log %s: %w", l.BaseURL, err)
	}
	return &preparedLog{log: l, alg: alg, cp: tlogcheck.CheckpointLog(l)}, nil
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
// and Merkle inclusion proof, the log key's validity at the entry's time, and
// the entry body against the bundle); the observer-timestamp threshold; the
// signing certificate against the trusted CAs at every verified time, and
// its SCTs; the artifact against what the bundle and its entries say was
// signed; the signature; the policy.
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

	times, tsErr := v.verifyTimestamps(b, res)
	entryDigests, ltimes, stop := r.verifyTlog(b, s, times, res)
	if stop {
		return nil
	}
	times = append(times, ltimes...)
	if n := distinctSources(res.Timestamps); n < v.cfg.timestamps.n {
		err := fmt.Errorf("%w: %d verified observer timestamps from distinct authorities, need %d", ErrThreshold, n, v.cfg.timestamps.n)
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
	if artifactErr == nil {
		if err := v.verifyContent(b, s, artifact, entryDigests, res); err != nil && r.fail(asError(err)) {
			return nil
		}
	}
	if p != nil {
		in := &policy.Input{Certificate: s.cert, PublicKey: s.pub}
		if err := p.Evaluate(in); err != nil && r.fail(fail(StepPolicy, err)) {
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

func distinctSources(ts []Timestamp) int {
	seen := make(map[string]bool, len(ts))
	for _, t := range ts {
		seen[t.Kind+"\x00"+t.Authority] = true
	}
	return len(seen)
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
	hint, _ := b.PublicKeyHint()
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
	alg, err := sigalg.ForKey(found.pub)
	if err != nil {
		return nil, fail(StepKey, err)
	}
	return &signer{pub: found.pub, alg: alg, hint: hint}, nil
}
