package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log"
	"math/big"
	"os"
	"time"

	"github.com/sigil-dev/sigil/signer"
)

// An ephemeral key, wrapped as a key-only credential.
func ExampleFromKey() {
	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		log.Fatal(err)
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		log.Fatal(err)
	}

	digest := sha256.Sum256([]byte("hello, world\n")) // cred.HashFunc() is SHA-256
	sig, err := cred.SignDigest(nil, digest[:])
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println("hash:", cred.HashFunc())
	fmt.Println("hint length:", len(cred.Hint()))
	fmt.Println("verified:", ecdsa.VerifyASN1(cred.PublicKey().(*ecdsa.PublicKey), digest[:], sig))
	// Output:
	// hash: SHA-256
	// hint length: 44
	// verified: true
}

// Loading a key that `cosign generate-key-pair` wrote. The passphrase
// function is called only for encrypted keys; a CLI would prompt here or read
// COSIGN_PASSWORD.
func ExampleParsePrivateKeyPEM() {
	data, err := os.ReadFile("testdata/cosign/sigstore-p256.key")
	if err != nil {
		log.Fatal(err)
	}

	_, err = signer.ParsePrivateKeyPEM(data, func() ([]byte, error) {
		return []byte("not the passphrase"), nil
	})
	fmt.Println("wrong passphrase:", errors.Is(err, signer.ErrWrongPassphrase))

	key, err := signer.ParsePrivateKeyPEM(data, func() ([]byte, error) {
		return []byte("sigil test passphrase"), nil
	})
	if err != nil {
		log.Fatal(err)
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%T, signs %v digests\n", key, cred.HashFunc())
	// Output:
	// wrong passphrase: true
	// *ecdsa.PrivateKey, signs SHA-256 digests
}

// A key certified by your own CA: here a tiny one, a root and a leaf. The
// signing key could equally be an HSM's crypto.Signer.
func ExampleFromCertificateChain() {
	rootKey, _ := signer.Generate(signer.ECDSAP384)
	root := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Example Root CA"},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		log.Fatal(err)
	}
	root, _ = x509.ParseCertificate(rootDER)

	key, _ := signer.Generate(signer.ECDSAP256)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "release-signer"},
		NotBefore:    time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, root, key.Public(), rootKey)
	if err != nil {
		log.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(leafDER)

	cred, err := signer.FromCertificateChain(key, []*x509.Certificate{leaf, root})
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range cred.Certificates() {
		fmt.Println(c.Subject.CommonName)
	}
	fmt.Printf("hint: %q\n", cred.Hint())

	// A key the leaf does not certify is refused.
	other, _ := signer.Generate(signer.ECDSAP256)
	_, err = signer.FromCertificateChain(other, []*x509.Certificate{leaf, root})
	fmt.Println("other key:", errors.Is(err, signer.ErrKeyMismatch))
	// Output:
	// release-signer
	// Example Root CA
	// hint: ""
	// other key: true
}

// A credential of a public key alone names a signer whose key is elsewhere
// (a remote signing service): it checks that key's signatures, as sigil's
// verifier will, and sign.AssembleMessage bundles them. It cannot sign.
func ExampleFromPublicKey() {
	remote, err := signer.Generate(signer.ECDSAP256) // held by the signing service
	if err != nil {
		log.Fatal(err)
	}
	digest := sha256.Sum256([]byte("artifact"))
	sig, err := remote.Sign(rand.Reader, digest[:], crypto.SHA256) // made by the service
	if err != nil {
		log.Fatal(err)
	}

	c, err := signer.FromPublicKey(remote.Public(), signer.WithHint("kms://keys/release"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Hint(), c.CanSign())
	fmt.Println(c.VerifyDigest(crypto.SHA256, digest[:], sig))
	_, err = c.SignDigest(rand.Reader, digest[:])
	fmt.Println(errors.Is(err, signer.ErrNoSigningKey))
	// Output:
	// kms://keys/release false
	// <nil>
	// true
}

// A certificate credential for a key that signs elsewhere: the bundle will
// name the signer by its certificate; the chain is checked link by link.
func ExampleFromCertificate() {
	caKey, _ := signer.Generate(signer.ECDSAP256)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Example CA"},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, _ := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	ca, _ = x509.ParseCertificate(caDER)
	remote, _ := signer.Generate(signer.ECDSAP256) // held by an HSM other software drives
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "release-signer"},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	leafDER, _ := x509.CreateCertificate(rand.Reader, leaf, ca, remote.Public(), caKey)
	leaf, _ = x509.ParseCertificate(leafDER)

	c, err := signer.FromCertificate([]*x509.Certificate{leaf, ca})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Certificates()[0].Subject.CommonName, c.CanSign())
	_, err = signer.FromCertificate([]*x509.Certificate{ca, leaf}) // reversed
	fmt.Println(errors.Is(err, signer.ErrInvalidChain))
	// Output:
	// release-signer false
	// true
}
