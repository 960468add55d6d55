package codesign

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"
)

func TestCheckLeaf(t *testing.T) {
	ok := x509.Certificate{KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}
	for _, c := range []struct {
		name    string
		edit    func(*x509.Certificate)
		allowCA bool
		want    string // "" passes
	}{
		{"fulcio leaf", func(*x509.Certificate) {}, false, ""},
		{"no key usage", func(c *x509.Certificate) { c.KeyUsage = 0 }, false, ""},
		{"CA", func(c *x509.Certificate) { c.IsCA = true }, false, "is a CA certificate"},
		{"CA allowed, digitalSignature only", func(c *x509.Certificate) { c.IsCA = true }, true, ""},
		{"CA allowed, keyCertSign", func(c *x509.Certificate) { c.IsCA, c.KeyUsage = true, c.KeyUsage|x509.KeyUsageCertSign }, true, "may issue certificates"},
		{"CA allowed, no key usage", func(c *x509.Certificate) { c.IsCA, c.KeyUsage = true, 0 }, true, "may issue certificates"},
		{"keyEncipherment only", func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }, false, "lacks the digitalSignature key usage"},
		{"any EKU", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny} }, false, "lacks the codeSigning"},
		{"no EKU", func(c *x509.Certificate) { c.ExtKeyUsage = nil }, false, "lacks the codeSigning"},
		{"server auth", func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} }, false, "lacks the codeSigning"},
	} {
		cert := ok
		c.edit(&cert)
		err := CheckLeaf(&cert, c.allowCA)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if c.name == "CA" && !errors.Is(err, ErrCA) {
			t.Errorf("CA: %v does not wrap ErrCA", err)
		}
	}
}
