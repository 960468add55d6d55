// Package codesign decides whether a certificate is fit to sign code, the
// check sigil's verifier makes of a bundle's leaf and its Fulcio client
// makes of an issued certificate before using it.
package codesign

import (
	"crypto/x509"
	"errors"
	"slices"
)

// ErrCA is the error for a CA certificate when CAs are not allowed.
var ErrCA = errors.New("is a CA certificate")

// CheckLeaf checks what makes c fit to sign code, whoever issued it: not a
// CA (with allowCA: not a CA whose key usage lets it issue certificates),
// the digitalSignature key usage if it has key usages, and the codeSigning
// extended key usage itself (anyExtendedKeyUsage is not enough). An error's
// text reads after the certificate's name ("signing certificate is a CA
// certificate").
func CheckLeaf(c *x509.Certificate, allowCA bool) error {
	if c.IsCA && !allowCA {
		return ErrCA
	}
	if c.IsCA && (c.KeyUsage == 0 || c.KeyUsage&x509.KeyUsageCertSign != 0) {
		// RFC 5280 4.2.1.3: a CA without the key usage extension, or with
		// keyCertSign, may issue certificates; it never signs here.
		return errors.New("is a CA certificate that may issue certificates (keyCertSign, or no key usage)")
	}
	if c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return errors.New("lacks the digitalSignature key usage")
	}
	if !slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageCodeSigning) {
		return errors.New("lacks the codeSigning extended key usage")
	}
	return nil
}
