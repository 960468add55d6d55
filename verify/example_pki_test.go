package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
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
	return examplePKIWith(false)
}

// examplePKIWith makes the hierarchy, its leaf a CA certificate if leafIsCA.
func examplePKIWith(leafIsCA bool) (root, inter, leaf *x509.Certificate, rootKey, interKey, leafKey crypto.Signer) {
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
		EmailAddresses: []string{"release@example.com"}, IsCA: leafIsCA, BasicConstraintsValid: leafIsCA}, inter, interKey)
	return root, inter, leaf, rootKey, interKey, leafKey
}

// exampleCRL is the CRL an enterprise CA publishes, valid for a day.
func exampleCRL(ca *x509.Certificate, key crypto.Signer, revoked ...x509.RevocationListEntry) []byte {
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: revoked,
	}, ca, key)
	if err != nil {
		panic(err)
	}
	return der
}

// exampleBundle signs an artifact with the leaf's key, the bundle carrying
// the chain (sign.WithFullChain).
func exampleBundle(leaf, inter *x509.Certificate, key crypto.Signer, artifact []byte) *bundle.Bundle {
	cred, err := signer.FromCertificateChain(key, []*x509.Certificate{leaf, inter})
	if err != nil {
		panic(err)
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithFullChain())
	if err != nil {
		panic(err)
	}
	bun, err := b.SignArtifact(context.Background(), bytes.NewReader(artifact))
	if err != nil {
		panic(err)
	}
	return bun
}

// Verify bundles of an enterprise CA against its CRLs: the root's CRL
// covers the intermediate, the intermediate's covers the leaf.
func ExampleWithCRLs() {
	root, inter, leaf, rootKey, interKey, leafKey := examplePKI()
	artifact := []byte("release-1.0.tar.gz contents")
	bun := exampleBundle(leaf, inter, leafKey, artifact)

	// Trust the root alone; the bundle brings the intermediate.
	tr, err := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(root))
	if err != nil {
		panic(err)
	}
	identity := policy.UnsafeAnySigner() // a real caller checks the subject, e.g. with policy.SubjectDN
	check := func(interCRL []byte) {
		v, err := verify.New(tr, verify.WithCRLs(exampleCRL(root, rootKey), interCRL))
		if err != nil {
			panic(err)
		}
		res, err := v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), identity)
		var rev *verify.RevokedError
		switch {
		case errors.As(err, &rev):
			fmt.Println("revoked:", rev.Certificate.Subject.CommonName, rev.Reason)
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Println("verified, path:", res.Signer.Chain[0].Subject.CommonName, "->", res.Signer.Chain[1].Subject.CommonName)
		}
	}
	check(exampleCRL(inter, interKey))
	check(exampleCRL(inter, interKey, x509.RevocationListEntry{
		SerialNumber: leaf.SerialNumber, RevocationTime: time.Now().Add(-time.Minute), ReasonCode: int(verify.ReasonKeyCompromise),
	}))
	// Output:
	// verified, path: Example Code Signing CA -> Example Root CA
	// revoked: release signer keyCompromise
}

// CRLs from files, DER or PEM, read by New.
func ExampleWithCRLFiles() {
	root, inter, leaf, rootKey, interKey, leafKey := examplePKI()
	dir, err := os.MkdirTemp("", "crls")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	rootCRL, interCRL := filepath.Join(dir, "root.crl"), filepath.Join(dir, "intermediate.crl")
	if err := os.WriteFile(rootCRL, exampleCRL(root, rootKey), 0o600); err != nil {
		panic(err)
	}
	if err := os.WriteFile(interCRL, exampleCRL(inter, interKey), 0o600); err != nil {
		panic(err)
	}

	tr, _ := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(inter, root))
	v, err := verify.New(tr, verify.WithCRLFiles(rootCRL, interCRL))
	if err != nil {
		panic(err)
	}
	artifact := []byte("model weights")
	_, err = v.Verify(exampleBundle(leaf, inter, leafKey, artifact), verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	fmt.Println("verified:", err == nil)

	// Without the root's CRL nothing covers the intermediate.
	v, _ = verify.New(tr, verify.WithCRLFiles(interCRL))
	_, err = v.Verify(exampleBundle(leaf, inter, leafKey, artifact), verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	var verr *verify.Error
	fmt.Println(errors.As(err, &verr) && verr.Step == verify.StepRevocation, errors.Is(err, verify.ErrNoRevocationStatus))
	// Output:
	// verified: true
	// true true
}

// A revocation checker over a deny list the caller holds (or OCSP
// responses fetched beforehand): Verify applies the signing-time rule to
// what it reports.
func ExampleWithRevocationChecker() {
	root, inter, leaf, _, _, leafKey := examplePKI()
	denied := map[string]verify.Revocation{
		leaf.SerialNumber.String(): {Time: time.Now().Add(time.Hour), Reason: verify.ReasonSuperseded},
	}
	checker := func(cert, issuer *x509.Certificate) (*verify.Revocation, error) {
		if r, ok := denied[cert.SerialNumber.String()]; ok && issuer.Equal(inter) {
			return &r, nil
		}
		return nil, nil
	}
	tr, _ := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(inter, root))
	v, err := verify.New(tr, verify.WithRevocationChecker(checker))
	if err != nil {
		panic(err)
	}
	artifact := []byte("release notes")
	// Superseded after the signing time (the verifier's clock here; the
	// earliest verified timestamp when the bundle has one): still good.
	_, err = v.Verify(exampleBundle(leaf, inter, leafKey, artifact), verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	fmt.Println("superseded later:", err)

	denied[leaf.SerialNumber.String()] = verify.Revocation{Time: time.Now().Add(time.Hour), Reason: verify.ReasonKeyCompromise}
	_, err = v.Verify(exampleBundle(leaf, inter, leafKey, artifact), verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	var rev *verify.RevokedError
	fmt.Println("key compromise later:", errors.As(err, &rev), rev.Reason)
	// Output:
	// superseded later: <nil>
	// key compromise later: true keyCompromise
}

// Verify signatures of a hierarchy that issues its signing certificates as
// CA certificates (model_signing's test PKI does).
func ExampleUnsafeAllowCASigningCertificates() {
	root, inter, leaf, _, _, leafKey := examplePKIWith(true)
	artifact := []byte("model weights")
	bun := exampleBundle(leaf, inter, leafKey, artifact)
	tr, _ := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(root))

	v, _ := verify.New(tr)
	_, err := v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	fmt.Println(err)

	v, _ = verify.New(tr, verify.UnsafeAllowCASigningCertificates())
	_, err = v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	fmt.Println("with the option:", err)
	// Output:
	// verify: certificate: signing certificate is a CA certificate (see UnsafeAllowCASigningCertificates)
	// with the option: <nil>
}
