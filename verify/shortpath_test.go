package verify_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// pathCase is a trusted chain, a bundle and the expected outcome of its
// certificate path, by the short path (when short) and the full walk alike.
type pathCase struct {
	name    string
	trusted []*x509.Certificate
	bundle  *bundle.Bundle
	opts    []verify.Option
	short   bool        // the short path applies
	step    verify.Step // the step that fails, or 0
	substr  string      // in the error
	// sameText: the full walk's error reads as the short path's. False
	// where only the wording differs (a CA certificate beyond the issuer
	// invalid at the signing time: crypto/x509 reports it during the walk,
	// checkTimes after the short one).
	sameText bool
}

// withCertificates returns b with certs appended to its certificate chain
// (sign checks the chains it is given; a bundle may carry anything).
func withCertificates(t *testing.T, b *bundle.Bundle, certs ...*x509.Certificate) *bundle.Bundle {
	t.Helper()
	if len(certs) == 0 {
		return b
	}
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	vm := m["verificationMaterial"].(map[string]any)
	if leaf, ok := vm["certificate"]; ok {
		delete(vm, "certificate")
		vm["x509CertificateChain"] = map[string]any{"certificates": []any{leaf}}
	}
	chain := vm["x509CertificateChain"].(map[string]any)
	for _, c := range certs {
		chain["certificates"] = append(chain["certificates"].([]any), map[string]any{"rawBytes": c.Raw})
	}
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if b, err = bundle.Parse(data); err != nil {
		t.Fatal(err)
	}
	return b
}

// policyConstraints is a policyConstraints extension with
// requireExplicitPolicy 0.
var policyConstraints = pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 36}, Value: []byte{0x30, 0x03, 0x80, 0x01, 0x00}}

func pathCases(t *testing.T) []pathCase {
	root := newTestCA(t, "root", nil, nil)
	inter := newTestCA(t, "intermediate", root, nil)
	trusted := []*x509.Certificate{inter.cert, root.cert}
	var cases []pathCase
	add := func(c pathCase) { cases = append(cases, c) }
	leafBy := func(ca *testCA, mod func(*x509.Certificate), more ...*x509.Certificate) *bundle.Bundle {
		leaf, key := issueLeaf(t, ca, mod)
		return withCertificates(t, signWithChain(t, key, []*x509.Certificate{leaf}, len(more) > 0), more...)
	}
	past := func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	}

	add(pathCase{name: "issued-by-intermediate", trusted: trusted, bundle: leafBy(inter, nil), short: true, sameText: true})
	add(pathCase{name: "issued-by-root", trusted: trusted, bundle: leafBy(root, nil), sameText: true})
	add(pathCase{name: "bundle-copy-of-intermediate", trusted: trusted, bundle: leafBy(inter, nil, inter.cert), short: true, sameText: true})
	impostor := newTestCA(t, "intermediate", root, nil) // the trusted intermediate's name, another key
	add(pathCase{name: "bundle-certificate-named-like-intermediate", trusted: trusted, bundle: leafBy(inter, nil, impostor.cert), sameText: true})
	add(pathCase{name: "issued-by-bundle-certificate-named-like-intermediate", trusted: trusted, bundle: leafBy(impostor, nil, impostor.cert), sameText: true})
	add(pathCase{name: "issued-by-untrusted-namesake", trusted: trusted, bundle: leafBy(impostor, nil), short: true,
		step: verify.StepCertificate, substr: "unknown authority", sameText: true})
	other := newTestCA(t, "other intermediate", root, nil)
	add(pathCase{name: "bundle-certificate-of-another-name", trusted: trusted, bundle: leafBy(inter, nil, other.cert), short: true, sameText: true})

	// An intermediate with the root's name (a rollover): a leaf the root
	// issued names both; only the full walk tries the root.
	rollover := newTestCA(t, "root", root, nil)
	add(pathCase{name: "issued-by-root-named-like-intermediate", trusted: []*x509.Certificate{rollover.cert, root.cert}, bundle: leafBy(root, nil), sameText: true})
	add(pathCase{name: "issued-by-intermediate-named-like-root", trusted: []*x509.Certificate{rollover.cert, root.cert}, bundle: leafBy(rollover, nil), sameText: true})
	// A leaf with the root's name and key and no SAN: crypto/x509 takes the
	// root for a certificate already on the path and builds none.
	posing := create(t, &x509.Certificate{Subject: root.cert.Subject, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, inter, root.key.Public(), nil)
	add(pathCase{name: "leaf-posing-as-the-root", trusted: trusted, bundle: signWithChain(t, root.key, []*x509.Certificate{posing}, false),
		step: verify.StepCertificate, substr: "unknown authority", sameText: true})
	// An unhandled critical extension above the issuing certificate.
	critical := newTestCA(t, "root with a critical extension", nil, func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 9}, Critical: true, Value: []byte{0x05, 0x00}}}
	})
	underCritical := newTestCA(t, "intermediate", critical, nil)
	add(pathCase{name: "root-unhandled-critical-extension", trusted: []*x509.Certificate{underCritical.cert, critical.cert}, bundle: leafBy(underCritical, nil),
		step: verify.StepCertificate, substr: "unhandled critical extension", sameText: true})

	three := newTestCA(t, "issuing", inter, nil)
	add(pathCase{name: "three-trusted", trusted: []*x509.Certificate{three.cert, inter.cert, root.cert}, bundle: leafBy(three, nil), short: true, sameText: true})

	// Extended key usages.
	for _, e := range []struct {
		name  string
		eku   []x509.ExtKeyUsage
		ok    bool
		inter bool // on the intermediate, else on the root
	}{
		{"intermediate-eku-codesigning", []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, true, true},
		{"intermediate-eku-any", []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, true, true},
		{"intermediate-eku-serverauth", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false, true},
		{"root-eku-codesigning", []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, true, false},
		{"root-eku-serverauth", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false, false},
	} {
		mod := func(c *x509.Certificate) { c.ExtKeyUsage = e.eku }
		r, i := root, inter
		if e.inter {
			i = newTestCA(t, "intermediate "+e.name, root, mod)
		} else {
			r = newTestCA(t, "root "+e.name, nil, mod)
			i = newTestCA(t, "intermediate", r, nil)
		}
		c := pathCase{name: e.name, trusted: []*x509.Certificate{i.cert, r.cert}, bundle: leafBy(i, nil), short: true, sameText: true}
		if !e.ok {
			c.short, c.step, c.substr = false, verify.StepCertificate, "incompatible key usage"
			if e.inter {
				// The intermediate's EKU is the short walk's own check.
				c.short = false
			}
		}
		add(c)
	}

	// Name constraints.
	permits := newTestCA(t, "permits example.com", root, func(c *x509.Certificate) { c.PermittedEmailAddresses = []string{"example.com"} })
	excludes := newTestCA(t, "excludes example.com", root, func(c *x509.Certificate) { c.ExcludedEmailAddresses = []string{"example.com"} })
	add(pathCase{name: "intermediate-constraints-permit", trusted: []*x509.Certificate{permits.cert, root.cert}, bundle: leafBy(permits, nil), short: true, sameText: true})
	add(pathCase{name: "intermediate-constraints-exclude", trusted: []*x509.Certificate{excludes.cert, root.cert}, bundle: leafBy(excludes, nil), short: true,
		step: verify.StepCertificate, substr: "excluded by constraint", sameText: true})
	username := [2]any{policy.OIDOtherName, "release-bot!example.com"}
	dnsConstrained := newTestCA(t, "permits dns example.com", root, func(c *x509.Certificate) { c.PermittedDNSDomains = []string{"example.com"} })
	add(pathCase{name: "fulcio-username-under-constraints", trusted: []*x509.Certificate{dnsConstrained.cert, root.cert},
		bundle: leafBy(dnsConstrained, func(c *x509.Certificate) {
			c.EmailAddresses = nil
			c.ExtraExtensions = []pkix.Extension{sanExtension(t, true, [][2]any{username})}
		}), short: true, sameText: true})
	add(pathCase{name: "fulcio-username-and-dns-outside-constraints", trusted: []*x509.Certificate{dnsConstrained.cert, root.cert},
		bundle: leafBy(dnsConstrained, func(c *x509.Certificate) {
			c.EmailAddresses = nil
			c.ExtraExtensions = []pkix.Extension{sanExtension(t, true, [][2]any{username}, "evil.test")}
		}), short: true, step: verify.StepCertificate, substr: "not permitted", sameText: true})
	excludingRoot := newTestCA(t, "root excludes example.com", nil, func(c *x509.Certificate) { c.ExcludedEmailAddresses = []string{"example.com"} })
	underExcluding := newTestCA(t, "intermediate", excludingRoot, nil)
	add(pathCase{name: "root-constraints-exclude", trusted: []*x509.Certificate{underExcluding.cert, excludingRoot.cert}, bundle: leafBy(underExcluding, nil),
		step: verify.StepCertificate, substr: "excluded by constraint", sameText: true})
	permittingRoot := newTestCA(t, "root permits example.com", nil, func(c *x509.Certificate) { c.PermittedEmailAddresses = []string{"example.com"} })
	underPermitting := newTestCA(t, "intermediate", permittingRoot, nil)
	add(pathCase{name: "root-constraints-permit", trusted: []*x509.Certificate{underPermitting.cert, permittingRoot.cert}, bundle: leafBy(underPermitting, nil), sameText: true})

	// Path lengths.
	pathLen := func(n int) func(*x509.Certificate) {
		return func(c *x509.Certificate) { c.MaxPathLen, c.MaxPathLenZero = n, n == 0 }
	}
	rootLen0 := newTestCA(t, "root pathlen 0", nil, pathLen(0))
	underLen0 := newTestCA(t, "intermediate", rootLen0, nil)
	add(pathCase{name: "root-pathlen-0", trusted: []*x509.Certificate{underLen0.cert, rootLen0.cert}, bundle: leafBy(underLen0, nil),
		step: verify.StepCertificate, substr: "too many intermediates", sameText: true})
	rootLen1 := newTestCA(t, "root pathlen 1", nil, pathLen(1))
	underLen1 := newTestCA(t, "intermediate", rootLen1, nil)
	add(pathCase{name: "root-pathlen-1", trusted: []*x509.Certificate{underLen1.cert, rootLen1.cert}, bundle: leafBy(underLen1, nil), short: true, sameText: true})
	interLen0 := newTestCA(t, "intermediate pathlen 0", root, pathLen(0))
	add(pathCase{name: "intermediate-pathlen-0", trusted: []*x509.Certificate{interLen0.cert, root.cert}, bundle: leafBy(interLen0, nil), short: true, sameText: true})
	mid := newTestCA(t, "middle", rootLen1, nil)
	issuing := newTestCA(t, "issuing", mid, nil)
	add(pathCase{name: "three-trusted-root-pathlen-1", trusted: []*x509.Certificate{issuing.cert, mid.cert, rootLen1.cert}, bundle: leafBy(issuing, nil),
		step: verify.StepCertificate, substr: "too many intermediates", sameText: true})

	// Validity.
	expiredInter := newTestCA(t, "expired intermediate", root, past)
	add(pathCase{name: "intermediate-expired", trusted: []*x509.Certificate{expiredInter.cert, root.cert}, bundle: leafBy(expiredInter, nil), short: true,
		step: verify.StepCertificate, substr: "expired", sameText: true})
	expiredRoot := newTestCA(t, "expired root", nil, past)
	underExpired := newTestCA(t, "intermediate", expiredRoot, nil)
	add(pathCase{name: "root-expired", trusted: []*x509.Certificate{underExpired.cert, expiredRoot.cert}, bundle: leafBy(underExpired, nil), short: true,
		step: verify.StepCertificate})

	// Policies.
	add(pathCase{name: "leaf-requires-explicit-policy", trusted: trusted, bundle: leafBy(inter, func(c *x509.Certificate) {
		c.ExtraExtensions = []pkix.Extension{policyConstraints}
	}), step: verify.StepCertificate, substr: "invalid policies", sameText: true})
	oid := func(ints ...uint64) x509.OID {
		o, err := x509.OIDFromInts(ints)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	policyX, policyY := oid(1, 3, 6, 1, 4, 1, 99999, 1), oid(1, 3, 6, 1, 4, 1, 99999, 2)
	interX := newTestCA(t, "intermediate under policy X", root, func(c *x509.Certificate) { c.Policies = []x509.OID{policyX} })
	leafPolicy := func(p x509.OID) func(*x509.Certificate) {
		return func(c *x509.Certificate) {
			c.Policies = []x509.OID{p}
			c.ExtraExtensions = []pkix.Extension{policyConstraints}
		}
	}
	// [leaf, intermediate] alone would accept policy Y: the intermediate's
	// policies count only on the full walk.
	add(pathCase{name: "leaf-requires-explicit-policy-the-intermediate-lacks", trusted: []*x509.Certificate{interX.cert, root.cert},
		bundle: leafBy(interX, leafPolicy(policyY)), step: verify.StepCertificate, substr: "invalid policies", sameText: true})
	add(pathCase{name: "leaf-requires-explicit-policy-the-intermediate-has", trusted: []*x509.Certificate{interX.cert, root.cert},
		bundle: leafBy(interX, leafPolicy(policyX)), sameText: true})
	requiring := newTestCA(t, "intermediate requiring explicit policy", root, func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{policyConstraints} })
	add(pathCase{name: "intermediate-requires-explicit-policy", trusted: []*x509.Certificate{requiring.cert, root.cert}, bundle: leafBy(requiring, nil),
		step: verify.StepCertificate, substr: "invalid policies", sameText: true})

	// CA signing certificates.
	caLeaf := func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid = true, true
		c.KeyUsage |= x509.KeyUsageCertSign
	}
	add(pathCase{name: "ca-signing-certificate", trusted: trusted, bundle: leafBy(inter, caLeaf), short: true,
		step: verify.StepCertificate, substr: "UnsafeAllowCASigningCertificates", sameText: true})
	// UnsafeAllowCASigningCertificates accepts a CA leaf only when it cannot
	// issue certificates (no keyCertSign).
	add(pathCase{name: "ca-signing-certificate-allowed", trusted: trusted, bundle: leafBy(inter, func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid = true, true
	}), short: true, sameText: true, opts: []verify.Option{verify.UnsafeAllowCASigningCertificates()}})
	add(pathCase{name: "ca-signing-certificate-may-issue", trusted: trusted, bundle: leafBy(inter, caLeaf), short: true,
		step: verify.StepCertificate, substr: "may issue certificates", sameText: true,
		opts: []verify.Option{verify.UnsafeAllowCASigningCertificates()}})

	// A signing certificate that is the anchor itself: crypto/x509 returns
	// the path [anchor], which is no path to an issuer.
	selfSigning := newTestCA(t, "self-signing root", nil, func(c *x509.Certificate) {
		// No keyCertSign, so that UnsafeAllowCASigningCertificates lets it
		// reach the anchor check.
		c.KeyUsage = x509.KeyUsageDigitalSignature
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	})
	add(pathCase{name: "signing-certificate-is-the-anchor", trusted: []*x509.Certificate{selfSigning.cert},
		bundle: signWithChain(t, selfSigning.key, []*x509.Certificate{selfSigning.cert}, false),
		step:   verify.StepCertificate, substr: "trusted anchor itself", sameText: true,
		opts: []verify.Option{verify.UnsafeAllowCASigningCertificates()}})

	// Revocation: the path the short walk returns goes on to the anchor.
	now := time.Now()
	leaf, key := issueLeaf(t, inter, nil)
	revokedLeaf := signWithChain(t, key, []*x509.Certificate{leaf}, false)
	add(pathCase{name: "leaf-revoked", trusted: trusted, bundle: revokedLeaf, short: true, step: verify.StepRevocation, substr: "revoked", sameText: true,
		opts: []verify.Option{verify.WithCRLs(makeCRL(t, inter, now.Add(-time.Hour), now.Add(time.Hour), revoked{leaf, now.Add(-2 * time.Hour), verify.ReasonKeyCompromise}),
			makeCRL(t, root, now.Add(-time.Hour), now.Add(time.Hour)))}})
	add(pathCase{name: "intermediate-revoked", trusted: trusted, bundle: leafBy(inter, nil), short: true, step: verify.StepRevocation, substr: "revoked", sameText: true,
		opts: []verify.Option{verify.WithCRLs(makeCRL(t, inter, now.Add(-time.Hour), now.Add(time.Hour)),
			makeCRL(t, root, now.Add(-time.Hour), now.Add(time.Hour), revoked{inter.cert, now.Add(-2 * time.Hour), verify.ReasonKeyCompromise}))}})
	add(pathCase{name: "root-crl-missing", trusted: trusted, bundle: leafBy(inter, nil), short: true, step: verify.StepRevocation, sameText: true,
		opts: []verify.Option{verify.WithCRLs(makeCRL(t, inter, now.Add(-time.Hour), now.Add(time.Hour)))}})
	add(pathCase{name: "crls-fresh", trusted: trusted, bundle: leafBy(inter, nil), short: true, sameText: true,
		opts: []verify.Option{verify.WithCRLs(makeCRL(t, inter, now.Add(-time.Hour), now.Add(time.Hour)), makeCRL(t, root, now.Add(-time.Hour), now.Add(time.Hour)))}})
	return cases
}

// TestShortPathEquivalence checks that the short path (the leaf validated
// against the CA's issuing certificate, the rest of the trusted chain
// checked once) accepts and rejects exactly what crypto/x509's full walk to
// the anchor does, with the same path and at the same step.
func TestShortPathEquivalence(t *testing.T) {
	shortCount := 0
	for _, c := range pathCases(t) {
		t.Run(c.name, func(t *testing.T) {
			v := caVerifier(t, c.trusted, c.opts...)
			if got := verify.TakesShortPath(v, c.bundle); got != c.short {
				t.Fatalf("TakesShortPath = %v, want %v", got, c.short)
			}
			if c.short {
				shortCount++
			}
			res, err := verifyChainBundle(v, c.bundle)
			fullRes, fullErr := verifyChainBundle(verify.FullWalk(v), c.bundle)
			if c.step == 0 {
				if err != nil || fullErr != nil {
					t.Fatalf("Verify: %v; full walk: %v", err, fullErr)
				}
				if !slices.EqualFunc(res.Signer.Chain, fullRes.Signer.Chain, (*x509.Certificate).Equal) {
					t.Fatalf("chain %v, full walk %v", subjects(res.Signer.Chain), subjects(fullRes.Signer.Chain))
				}
				if want := len(c.trusted); len(res.Signer.Chain) > want || !res.Signer.Chain[len(res.Signer.Chain)-1].Equal(c.trusted[want-1]) {
					t.Fatalf("chain %v does not end at the anchor", subjects(res.Signer.Chain))
				}
				return
			}
			assertStep(t, err, c.step, c.substr)
			assertStep(t, fullErr, c.step, c.substr)
			if c.sameText && err.Error() != fullErr.Error() {
				t.Errorf("error %q, full walk %q", err, fullErr)
			}
		})
	}
	if shortCount < 15 {
		t.Errorf("only %d cases take the short path", shortCount)
	}
}

// editedRoot returns the conformance trusted root at rel after edit changed
// its JSON, parsed.
func editedRoot(t testing.TB, rel string, edit func(m map[string]any)) *trustroot.TrustedRoot {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, rel))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	r, err := trustroot.ParseJSON(data)
	if err != nil {
		t.Fatalf("ParseJSON: %v", err)
	}
	return r
}

// chainOf returns the certificate list of the i-th authority of list.
func chainOf(m map[string]any, list string, i int) []any {
	return m[list].([]any)[i].(map[string]any)["certChain"].(map[string]any)["certificates"].([]any)
}

// TestBrokenTrustedChain checks the check of a trusted chain made on first
// use. The production root's [intermediate, root] CA gets the staging root
// of the same name, which did not sign the intermediate: the root parses and
// prepares (no signature is verified then), and every verification through
// that CA, the first ones concurrent, fails at the certificate step naming
// the broken link, by the short path and by the full walk.
func TestBrokenTrustedChain(t *testing.T) {
	var stagingRoot any
	editedRoot(t, "trusted_roots/staging.trusted_root.json", func(m map[string]any) { stagingRoot = chainOf(m, "certificateAuthorities", 0)[1] })
	root := editedRoot(t, "trusted_roots/production.trusted_root.json", func(m map[string]any) {
		chainOf(m, "certificateAuthorities", 1)[1] = stagingRoot
	})
	v, err := verify.New(root)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := load(t, "bundle-verify/happy-path-v0.3/bundle.sigstore.json", "trusted_roots/production.trusted_root.json")
	b := f.mutated(t, nil)
	if !verify.TakesShortPath(v, b) {
		t.Fatal("the public-good bundle does not take the short path")
	}
	run := func(v *verify.Verifier) error {
		_, err := v.Verify(b, verify.ArtifactReader(bytes.NewReader(f.artifact)), policy.Identity(ghIssuer, beacon))
		return err
	}
	const want = "chains to a trusted certificate authority whose own chain is broken: trustroot: malformed: certificate 0 (CN=sigstore-intermediate,O=sigstore.dev) is not signed by certificate 1: x509: ECDSA verification failure (authority https://fulcio.sigstore.dev)"
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = run(v) })
	}
	wg.Wait()
	errs = append(errs, run(v), run(v))
	for _, err := range errs {
		assertStep(t, err, verify.StepCertificate, want)
		if err.Error() != errs[0].Error() {
			t.Fatalf("errors differ: %v; %v", err, errs[0])
		}
		if !errors.Is(err, trustroot.ErrMalformed) {
			t.Errorf("error does not wrap trustroot.ErrMalformed: %v", err)
		}
	}
	// The full walk fails at the same step: crypto/x509 meets the broken
	// link itself (and reports the first CA's "unknown authority").
	assertStep(t, run(verify.FullWalk(v)), verify.StepCertificate, "unknown authority")
}

// TestBrokenTSAChain checks that a timestamp authority whose trusted chain
// is broken (checked on first use) vouches for nothing: with the staging
// TSAs' roots swapped, the real Rekor v2 bundle's timestamp is not counted
// and the observer-timestamp threshold fails, naming the broken link.
func TestBrokenTSAChain(t *testing.T) {
	root := editedRoot(t, "trusted_roots/staging.trusted_root.json", func(m map[string]any) {
		a, b := chainOf(m, "timestampAuthorities", 0), chainOf(m, "timestampAuthorities", 1)
		a[1], b[1] = b[1], a[1]
	})
	data, err := os.ReadFile(filepath.Join(conformanceDir, "real-bundles/sigstore-python/staging-rekor-v2.txt.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	art, err := os.ReadFile(filepath.Join(conformanceDir, "real-bundles/sigstore-python/staging-rekor-v2.txt"))
	if err != nil {
		t.Fatal(err)
	}
	p := policy.Identity("https://github.com/login/oauth", "jku@goto.fi")
	// The entry has no inclusion promise: only the timestamp dates it, so
	// the clock is set to its time for the log's check to pass without it.
	good, err := verify.New(editedRoot(t, "trusted_roots/staging.trusted_root.json", func(map[string]any) {}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := good.Verify(b, verify.ArtifactReader(bytes.NewReader(art)), p)
	if err != nil {
		t.Fatal(err)
	}
	at := res.Timestamps[0].Time
	v, err := verify.New(root, verify.WithClock(func() time.Time { return at }))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err = v.Verify(b, verify.ArtifactReader(bytes.NewReader(art)), p)
		assertStep(t, err, verify.StepTimestamp, "(timestamp 0: trustroot: malformed: certificate 0 (CN=sigstore-tsa")
		assertStep(t, err, verify.StepTimestamp, "is not signed by certificate 1: its issuer is")
	}
}

// TestShortPathConformance verifies every certificate-signed bundle of the
// conformance corpus by the short path and by the full walk: the same
// verdict, the same error, the same path.
func TestShortPathConformance(t *testing.T) {
	short, total := 0, 0
	for _, c := range loadCases(t) {
		if c.Key != "" || c.ArtifactDigest == "" {
			continue
		}
		rootPath := c.TrustedRoot
		if c.TrustedRootFile != "" {
			rootPath = c.TrustedRootFile
		}
		root, err := trustroot.FromFile(filepath.Join(conformanceDir, rootPath))
		if err != nil {
			continue // an unusable root fails before any path is built
		}
		data, err := os.ReadFile(filepath.Join(conformanceDir, c.Bundle))
		if err != nil {
			t.Fatal(err)
		}
		b, err := bundle.Parse(data)
		if err != nil || len(b.Certificates()) == 0 {
			continue
		}
		v, err := verify.New(root)
		if err != nil {
			t.Fatal(err)
		}
		total++
		if verify.TakesShortPath(v, b) {
			short++
		}
		p := policy.Identity(c.Issuer, c.Identity)
		a := verify.ArtifactDigest(parseDigest(t, c.ArtifactDigest))
		res, err := v.Verify(b, a, p)
		fullRes, fullErr := verify.FullWalk(v).Verify(b, a, p)
		switch {
		case (err == nil) != (fullErr == nil) || err != nil && err.Error() != fullErr.Error():
			t.Errorf("%s: %v; full walk: %v", c.Name, err, fullErr)
		case err == nil && !slices.EqualFunc(res.Signer.Chain, fullRes.Signer.Chain, (*x509.Certificate).Equal):
			t.Errorf("%s: chain %v, full walk %v", c.Name, subjects(res.Signer.Chain), subjects(fullRes.Signer.Chain))
		}
	}
	t.Logf("%d certificate bundles, %d by the short path", total, short)
	if short < total/2 {
		t.Errorf("only %d of %d bundles take the short path", short, total)
	}
}
