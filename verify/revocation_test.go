package verify_test

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/verify"
)

type revoked struct {
	cert   *x509.Certificate
	at     time.Time
	reason verify.RevocationReason
}

// makeCRL makes a DER CRL signed by ca for [thisUpdate, nextUpdate].
func makeCRL(t testing.TB, ca *testCA, thisUpdate, nextUpdate time.Time, entries ...revoked) []byte {
	t.Helper()
	tmpl := &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: thisUpdate, NextUpdate: nextUpdate}
	for _, e := range entries {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{
			SerialNumber: e.cert.SerialNumber, RevocationTime: e.at, ReasonCode: int(e.reason),
		})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// revocationPKI is root → intermediate → leaf, the intermediate and root
// trusted, and a bundle signed by the leaf.
type revocationPKI struct {
	root, inter *testCA
	leaf        *x509.Certificate
	chain       []*x509.Certificate
	now         time.Time
}

func newRevocationPKI(t *testing.T) *revocationPKI {
	root := newTestCA(t, "root", nil, nil)
	inter := newTestCA(t, "intermediate", root, nil)
	leaf, _ := issueLeaf(t, inter, nil)
	return &revocationPKI{root: root, inter: inter, leaf: leaf, chain: []*x509.Certificate{inter.cert, root.cert}, now: time.Now()}
}

func (p *revocationPKI) verify(t *testing.T, opts ...verify.Option) error {
	t.Helper()
	leaf, key := issueLeaf(t, p.inter, nil)
	p.leaf = leaf
	_, err := verifyChainBundle(caVerifier(t, p.chain, opts...), signWithChain(t, key, []*x509.Certificate{leaf}, false))
	return err
}

func assertRevoked(t *testing.T, err error, cert *x509.Certificate, reason verify.RevocationReason) {
	t.Helper()
	assertStep(t, err, verify.StepRevocation, "revoked")
	var rev *verify.RevokedError
	if !errors.As(err, &rev) {
		t.Fatalf("want a *verify.RevokedError, got %v", err)
	}
	if rev.Certificate.SerialNumber.Cmp(cert.SerialNumber) != 0 || rev.Reason != reason {
		t.Errorf("revoked %s for %v, want %s for %v", rev.Certificate.Subject, rev.Reason, cert.Subject, reason)
	}
}

// TestRevocationCRLs covers the signing-time rule and coverage with Go-made
// CRLs; byopki_test.go does the same with openssl's.
func TestRevocationCRLs(t *testing.T) {
	p := newRevocationPKI(t)
	before, after := p.now.Add(-time.Hour), p.now.Add(time.Hour)
	fresh := func(ca *testCA, entries ...revoked) []byte {
		return makeCRL(t, ca, p.now.Add(-2*time.Hour), p.now.Add(24*time.Hour), entries...)
	}
	rootCRL := fresh(p.root)

	// A leaf revoked at at for reason: sign first, then make the CRL.
	leafCase := func(t *testing.T, at time.Time, reason verify.RevocationReason) (*x509.Certificate, error) {
		leaf, key := issueLeaf(t, p.inter, nil)
		b := signWithChain(t, key, []*x509.Certificate{leaf}, false)
		v := caVerifier(t, p.chain, verify.WithCRLs(rootCRL, fresh(p.inter, revoked{leaf, at, reason})))
		_, err := verifyChainBundle(v, b)
		return leaf, err
	}

	t.Run("not-revoked", func(t *testing.T) {
		if err := p.verify(t, verify.WithCRLs(rootCRL, fresh(p.inter))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("leaf-revoked-before-signing", func(t *testing.T) {
		leaf, err := leafCase(t, before, verify.ReasonSuperseded)
		assertRevoked(t, err, leaf, verify.ReasonSuperseded)
		assertStep(t, err, verify.StepRevocation, "before the signing time")
	})
	// Without timestamps the signing time is the verifier's clock; a
	// revocation dated later is after signing.
	t.Run("leaf-superseded-after-signing", func(t *testing.T) {
		if _, err := leafCase(t, after, verify.ReasonSuperseded); err != nil {
			t.Fatalf("a certificate superseded after signing must verify: %v", err)
		}
	})
	t.Run("leaf-key-compromise-after-signing", func(t *testing.T) {
		leaf, err := leafCase(t, after, verify.ReasonKeyCompromise)
		assertRevoked(t, err, leaf, verify.ReasonKeyCompromise)
		assertStep(t, err, verify.StepRevocation, "key compromise")
	})
	// An invalidityDate before the signing time counts, though the
	// revocation date is after it.
	t.Run("leaf-invalid-before-signing", func(t *testing.T) {
		leaf, key := issueLeaf(t, p.inter, nil)
		b := signWithChain(t, key, []*x509.Certificate{leaf}, false)
		invalidity, err := asn1.MarshalWithParams(before.UTC(), "generalized")
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(9), ThisUpdate: p.now.Add(-2 * time.Hour), NextUpdate: p.now.Add(24 * time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: leaf.SerialNumber, RevocationTime: after,
				ReasonCode: int(verify.ReasonAffiliationChanged), ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 24}, Value: invalidity}}}},
		}, p.inter.cert, p.inter.key)
		if err != nil {
			t.Fatal(err)
		}
		_, err = verifyChainBundle(caVerifier(t, p.chain, verify.WithCRLs(rootCRL, der)), b)
		assertRevoked(t, err, leaf, verify.ReasonAffiliationChanged)
		var rev *verify.RevokedError
		if errors.As(err, &rev) && !rev.Time.Equal(before.Truncate(time.Second)) {
			t.Errorf("revocation time %v, want the invalidityDate %v", rev.Time, before)
		}
	})
	t.Run("intermediate-revoked", func(t *testing.T) {
		err := p.verify(t, verify.WithCRLs(fresh(p.root, revoked{p.inter.cert, before, verify.ReasonCACompromise}), fresh(p.inter)))
		assertRevoked(t, err, p.inter.cert, verify.ReasonCACompromise)
	})
	t.Run("no-crl-for-intermediate", func(t *testing.T) {
		err := p.verify(t, verify.WithCRLs(fresh(p.inter)))
		assertStep(t, err, verify.StepRevocation, "no CRL of CN=root")
		if !errors.Is(err, verify.ErrNoRevocationStatus) {
			t.Errorf("want ErrNoRevocationStatus, got %v", err)
		}
	})
	t.Run("stale", func(t *testing.T) {
		stale := makeCRL(t, p.inter, p.now.Add(-48*time.Hour), p.now.Add(-24*time.Hour))
		err := p.verify(t, verify.WithCRLs(rootCRL, stale))
		assertStep(t, err, verify.StepRevocation, "not current")
		if !errors.Is(err, verify.ErrStaleCRL) {
			t.Errorf("want ErrStaleCRL, got %v", err)
		}
		// A fresh CRL goes stale as the verifier's clock passes nextUpdate.
		short := makeCRL(t, p.inter, p.now.Add(-2*time.Hour), p.now.Add(time.Hour))
		err = p.verify(t, verify.WithCRLs(rootCRL, short), verify.WithClock(func() time.Time { return p.now.Add(2 * time.Hour) }))
		if !errors.Is(err, verify.ErrStaleCRL) {
			t.Errorf("want ErrStaleCRL at a clock past nextUpdate, got %v", err)
		}
	})
	t.Run("not-yet-valid", func(t *testing.T) {
		future := makeCRL(t, p.inter, p.now.Add(time.Hour), p.now.Add(48*time.Hour))
		if err := p.verify(t, verify.WithCRLs(rootCRL, future)); !errors.Is(err, verify.ErrStaleCRL) {
			t.Errorf("want ErrStaleCRL, got %v", err)
		}
	})
	t.Run("wrong-key", func(t *testing.T) {
		impostor := newTestCA(t, "intermediate", p.root, nil) // same name, other key
		err := p.verify(t, verify.WithCRLs(rootCRL, fresh(impostor)))
		assertStep(t, err, verify.StepRevocation, "does not verify with the key of")
		if !errors.Is(err, verify.ErrCRLSignature) {
			t.Errorf("want ErrCRLSignature, got %v", err)
		}
	})
	t.Run("pem-file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crls.pem")
		data := append(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: rootCRL}), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: fresh(p.inter)})...)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := p.verify(t, verify.WithCRLFiles(path)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRevocationChecker: the hook covers every certificate but the anchor,
// and its answers go through the same signing-time rule.
func TestRevocationChecker(t *testing.T) {
	p := newRevocationPKI(t)
	var asked []string
	record := func(cert, issuer *x509.Certificate) (*verify.Revocation, error) {
		asked = append(asked, cert.Subject.CommonName+"<"+issuer.Subject.CommonName)
		return nil, nil
	}
	if err := p.verify(t, verify.WithRevocationChecker(record)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(asked, ","); got != "release signer<intermediate,intermediate<root" {
		t.Errorf("checker asked about %s", got)
	}

	deny := func(cert, _ *x509.Certificate) (*verify.Revocation, error) {
		if cert.Subject.CommonName == "intermediate" {
			return &verify.Revocation{Time: p.now.Add(-time.Minute), Reason: verify.ReasonCessationOfOperation}, nil
		}
		return nil, nil
	}
	err := p.verify(t, verify.WithRevocationChecker(deny))
	assertRevoked(t, err, p.inter.cert, verify.ReasonCessationOfOperation)
	assertStep(t, err, verify.StepRevocation, "revocation checker")

	broken := errors.New("OCSP response expired")
	err = p.verify(t, verify.WithRevocationChecker(func(_, _ *x509.Certificate) (*verify.Revocation, error) { return nil, broken }))
	assertStep(t, err, verify.StepRevocation, "OCSP response expired")
	if !errors.Is(err, broken) {
		t.Errorf("the checker's error is not wrapped: %v", err)
	}

	// The checker covers what no CRL does.
	if err := p.verify(t, verify.WithCRLs(makeCRL(t, p.inter, p.now.Add(-time.Hour), p.now.Add(time.Hour))), verify.WithRevocationChecker(record)); err != nil {
		t.Fatal(err)
	}
	if _, err := verify.New(caRoot(t, p.chain), verify.WithRevocationChecker(record), verify.WithRevocationChecker(record)); err == nil {
		t.Error("WithRevocationChecker given twice accepted")
	}
}

// TestCRLOptionsRejected: what New refuses to take as a CRL.
func TestCRLOptionsRejected(t *testing.T) {
	p := newRevocationPKI(t)
	now := p.now
	good := makeCRL(t, p.inter, now.Add(-time.Hour), now.Add(time.Hour))
	withExt := func(ext pkix.Extension, entryExt bool) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(2), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(time.Hour)}
		if entryExt {
			tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: big.NewInt(7), RevocationTime: now, ExtraExtensions: []pkix.Extension{ext}}}
		} else {
			tmpl.ExtraExtensions = []pkix.Extension{ext}
		}
		der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.inter.cert, p.inter.key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	deltaIndicator := pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 1}}
	idp := pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: []byte{0x30, 0x03, 0x81, 0x01, 0xff}}
	certIssuer := pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 29}, Critical: true, Value: []byte{0x30, 0x00}}
	removeFromCRL := makeCRL(t, p.inter, now.Add(-time.Hour), now.Add(time.Hour), revoked{p.leaf, now, verify.ReasonRemoveFromCRL})
	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"garbage":         {[]byte("not a CRL"), "malformed"},
		"trailing-data":   {append(append([]byte(nil), good...), 0), "trailing data"},
		"certificate-pem": {pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.inter.cert.Raw}), `"CERTIFICATE"`},
		"delta":           {withExt(deltaIndicator, false), "critical extension 2.5.29.27"},
		"partitioned":     {withExt(idp, false), "critical extension 2.5.29.28"},
		"indirect":        {withExt(certIssuer, true), "critical extension 2.5.29.29"},
		"remove-from-crl": {removeFromCRL, "removeFromCRL"},
		"too-large":       {make([]byte, 16<<20+1), "exceeds the limit"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := verify.New(caRoot(t, p.chain), verify.WithCRLs(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "WithCRLs") {
				t.Errorf("New: %v, want an error naming WithCRLs and %q", err, tt.want)
			}
		})
	}
	many := make([][]byte, 65)
	for i := range many {
		many[i] = good
	}
	if _, err := verify.New(caRoot(t, p.chain), verify.WithCRLs(many...)); err == nil || !strings.Contains(err.Error(), "more than 64 CRLs") {
		t.Errorf("65 CRLs: %v", err)
	}
	if _, err := verify.New(caRoot(t, p.chain), verify.WithCRLFiles(filepath.Join(t.TempDir(), "missing.crl"))); err == nil {
		t.Error("a missing CRL file accepted")
	}
}
