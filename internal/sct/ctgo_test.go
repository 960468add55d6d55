package sct

import (
	"bytes"
	"crypto/x509"
	"testing"

	ct "github.com/google/certificate-transparency-go"
	"github.com/google/certificate-transparency-go/ctutil"
	cttls "github.com/google/certificate-transparency-go/tls"
	ctx509 "github.com/google/certificate-transparency-go/x509"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
)

// TestDifferentialCTGo checks sigil's hand-written SCT reading against
// certificate-transparency-go, the reference implementation: for every real
// Fulcio certificate whose CA and CT log the public-good root lists, both
// parse the same SCTs and both verify them with the log key; a one-byte
// change to the precertificate TBS makes sigil's check fail.
func TestDifferentialCTGo(t *testing.T) {
	var roots []*trustroot.TrustedRoot
	for _, f := range []func() (*trustroot.TrustedRoot, error){trustroot.PublicGood, trustroot.PublicGoodStaging} {
		r, err := f()
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, r)
	}
	checked := 0
	for _, leaf := range seedCerts(t) {
		for _, root := range roots {
			var issuer *x509.Certificate
			for _, ca := range root.CertificateAuthorities() {
				if leaf.CheckSignatureFrom(ca.Certificates[0]) == nil {
					issuer = ca.Certificates[0]
				}
			}
			if issuer == nil {
				continue
			}
			ctLeaf, err := ctx509.ParseCertificate(leaf.Raw)
			if err != nil {
				t.Fatal(err)
			}
			ctIssuer, err := ctx509.ParseCertificate(issuer.Raw)
			if err != nil {
				t.Fatal(err)
			}
			ours, _, err := Embedded(leaf)
			if err != nil {
				t.Fatal(err)
			}
			if len(ours) != len(ctLeaf.SCTList.SCTList) {
				t.Fatalf("sigil read %d SCTs, ct-go %d", len(ours), len(ctLeaf.SCTList.SCTList))
			}
			tbs, err := PrecertTBS(leaf)
			if err != nil {
				t.Fatal(err)
			}
			for i, raw := range ctLeaf.SCTList.SCTList {
				var theirs ct.SignedCertificateTimestamp
				if rest, err := cttls.Unmarshal(raw.Val, &theirs); err != nil || len(rest) != 0 {
					t.Fatalf("ct-go: %v", err)
				}
				s := &ours[i]
				if theirs.Timestamp != s.Timestamp || !bytes.Equal(theirs.LogID.KeyID[:], s.LogID[:]) || !bytes.Equal(theirs.Signature.Signature, s.Signature) {
					t.Fatalf("SCT %d differs between sigil and ct-go", i)
				}
				log, ok := root.CTLogByID(s.LogID[:])
				if !ok {
					continue
				}
				if err := ctutil.VerifySCT(log.PublicKey, []*ctx509.Certificate{ctLeaf, ctIssuer}, &theirs, true); err != nil {
					t.Fatalf("ct-go rejects SCT %d: %v", i, err)
				}
				alg, err := sigalg.ForKeyDetails(log.KeyDetails)
				if err != nil {
					t.Fatal(err)
				}
				data, err := SignedData(s, tbs, issuer.RawSubjectPublicKeyInfo)
				if err != nil {
					t.Fatal(err)
				}
				if err := alg.Verify(log.PublicKey, data, s.Signature); err != nil {
					t.Fatalf("sigil rejects SCT %d that ct-go accepts: %v", i, err)
				}
				bad := bytes.Clone(tbs)
				bad[len(bad)/2] ^= 1
				data, _ = SignedData(s, bad, issuer.RawSubjectPublicKeyInfo)
				if alg.Verify(log.PublicKey, data, s.Signature) == nil {
					t.Fatal("SCT verified over a modified TBS")
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no SCT checked against ct-go")
	}
	t.Logf("%d SCTs agree with certificate-transparency-go", checked)
}
