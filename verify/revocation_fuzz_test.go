package verify

import "testing"

// FuzzParseCRLs: parseCRLs never panics, and a CRL it accepts holds what
// checkRevocation relies on. The seed corpus (testdata/fuzz/FuzzParseCRLs)
// holds openssl-made CRLs, DER and PEM, with and without revoked entries.
func FuzzParseCRLs(f *testing.F) {
	f.Add([]byte("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := parseCRLs(data)
		if err != nil {
			if crls != nil {
				t.Fatal("CRLs returned with an error")
			}
			return
		}
		if len(crls) == 0 {
			t.Fatal("no CRL and no error")
		}
		for _, c := range crls {
			if c.crl.NextUpdate.IsZero() || c.crl.NextUpdate.Before(c.crl.ThisUpdate) {
				t.Fatalf("window %v to %v accepted", c.crl.ThisUpdate, c.crl.NextUpdate)
			}
			if len(c.revoked) > len(c.crl.RevokedCertificateEntries) {
				t.Fatal("more revoked serials than entries")
			}
			for _, r := range c.revoked {
				if r.Reason == ReasonRemoveFromCRL || reasonNames[r.Reason] == "" {
					t.Fatalf("reason %d accepted", r.Reason)
				}
			}
		}
	})
}
