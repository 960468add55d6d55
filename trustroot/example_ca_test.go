package trustroot_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// examplePKI makes an enterprise hierarchy (root → intermediate → leaf)
// for the examples; a real deployment loads its CA's certificates.
func examplePKI() (root, inter, leaf *x509.Certificate, rootKey, interKey, leafKey crypto.Signer) {
	serial := int64(0)
	issue := func(tmpl, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		if parent == nil {
			parent, parentKey = tmpl, key
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
		if err != nil {
			panic(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		return cert, key
	}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{Organization: []string{"Example Corp"}, CommonName: cn},
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	}
	root, rootKey = issue(ca("Example Root CA"), nil, nil)
	inter, interKey = issue(ca("Example Code Signing CA"), root, rootKey)
	leaf, leafKey = issue(&x509.Certificate{Subject: pkix.Name{CommonName: "release signer"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"release@example.com"}}, inter, interKey)
	return root, inter, leaf, rootKey, interKey, leafKey
}

// The trusted root of an enterprise CA that is not a Sigstore service: its
// chain, and nothing else. The last certificate is the trust anchor.
func ExampleWithCertificateAuthority() {
	root, inter, _, _, _, _ := examplePKI()
	tr, err := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(inter, root))
	if err != nil {
		panic(err)
	}
	ca := tr.CertificateAuthorities()[0]
	fmt.Println("CAs:", len(tr.CertificateAuthorities()), "logs:", len(tr.TransparencyLogs()), "TSAs:", len(tr.TimestampAuthorities()))
	fmt.Println("anchor:", ca.Certificates[len(ca.Certificates)-1].Subject.CommonName)
	fmt.Printf("URI: %q\n", ca.URI)

	// A chain whose links do not verify is refused.
	_, err = trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(root, inter))
	fmt.Println("reversed chain refused:", err != nil)
	// Output:
	// CAs: 1 logs: 0 TSAs: 0
	// anchor: Example Root CA
	// URI: ""
	// reversed chain refused: true
}
