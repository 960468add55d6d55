package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
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

// Sign with a certificate from an enterprise CA and put the chain in the
// bundle, for verifiers that trust only the CA's root.
func ExampleWithFullChain() {
	root, inter, leaf, _, _, leafKey := examplePKI()
	cred, err := signer.FromCertificateChain(leafKey, []*x509.Certificate{leaf, inter, root})
	if err != nil {
		panic(err)
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithFullChain())
	if err != nil {
		panic(err)
	}
	bun, err := b.SignArtifact(context.Background(), strings.NewReader("release-1.0.tar.gz contents"))
	if err != nil {
		panic(err)
	}
	data, _ := bun.MarshalJSON()
	parsed, err := bundle.Parse(data)
	if err != nil {
		panic(err)
	}
	fmt.Println("version:", parsed.Version(), "certificates:", len(parsed.Certificates()))

	tr, _ := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(root))
	v, _ := verify.New(tr)
	res, err := v.Verify(parsed, verify.ArtifactReader(strings.NewReader("release-1.0.tar.gz contents")), policy.UnsafeAnySigner())
	if err != nil {
		panic(err)
	}
	fmt.Println("issued by:", res.Signer.Chain[0].Subject.CommonName)
	// Output:
	// version: 0.3 certificates: 3
	// issued by: Example Code Signing CA
}
