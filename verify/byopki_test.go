package verify_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/verify"
)

// BYO-PKI with a hierarchy the real openssl binary makes when the test runs
// (root → intermediate → leaf, with `openssl ca` databases, revocations and
// CRLs), bundles signed through package sign with the BYO chain credential.
// scripts/services/install.sh installs openssl; scripts/test sets
// SIGIL_REQUIRE_SERVICES=1, under which a missing openssl fails the test.

const opensslCAConfig = `[ ca ]
default_ca = CA_default

[ CA_default ]
dir              = %s
database         = $dir/index.txt
new_certs_dir    = $dir/newcerts
serial           = $dir/serial
crlnumber        = $dir/crlnumber
certificate      = $dir/ca.pem
private_key      = $dir/ca.key
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
default_days     = 30
default_crl_days = 7
crl_extensions   = crl_ext

[ policy_any ]
organizationName = optional
commonName       = supplied

[ req ]
distinguished_name = dn

[ dn ]

[ v3_root ]
basicConstraints     = critical,CA:true
keyUsage             = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_intermediate ]
basicConstraints       = critical,CA:true,pathlen:0
keyUsage               = critical,keyCertSign,cRLSign
extendedKeyUsage       = codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_leaf ]
basicConstraints       = critical,CA:false
keyUsage               = critical,digitalSignature
extendedKeyUsage       = critical,codeSigning
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = email:release@byo.example

[ crl_ext ]
authorityKeyIdentifier = keyid:always
`

// opensslCA is one CA of the hierarchy, with its openssl ca database.
type opensslCA struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
}

func openssl(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func requireOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("SIGIL_REQUIRE_SERVICES") == "1" {
			t.Fatal("openssl not found (scripts/services/install.sh installs it)")
		}
		t.Skip("openssl not found; scripts/test requires it")
	}
}

// newOpenSSLCA makes a CA in a new directory: a self-signed root when
// parent is nil, else an intermediate issued by parent through `openssl ca`.
func newOpenSSLCA(t *testing.T, subject string, parent *opensslCA) *opensslCA {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "newcerts"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"index.txt": "", "serial": "1000\n", "crlnumber": "01\n", "ca.cnf": fmt.Sprintf(opensslCAConfig, dir),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key")
	if parent == nil {
		openssl(t, dir, "req", "-new", "-x509", "-key", "ca.key", "-subj", subject, "-days", "365",
			"-config", "ca.cnf", "-extensions", "v3_root", "-out", "ca.pem")
	} else {
		openssl(t, dir, "req", "-new", "-key", "ca.key", "-subj", subject, "-config", "ca.cnf", "-out", "ca.csr")
		parent.issue(filepath.Join(dir, "ca.csr"), filepath.Join(dir, "ca.pem"), "v3_intermediate")
	}
	return &opensslCA{t: t, dir: dir, cert: readPEMCert(t, filepath.Join(dir, "ca.pem"))}
}

func (ca *opensslCA) issue(csr, out, extensions string) {
	openssl(ca.t, ca.dir, "ca", "-batch", "-config", "ca.cnf", "-extensions", extensions, "-notext", "-in", csr, "-out", out)
}

// leaf makes a code-signing leaf and its key.
func (ca *opensslCA) leaf(name string) (*x509.Certificate, crypto.Signer, string) {
	t := ca.t
	dir := t.TempDir()
	openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf.key")
	openssl(t, dir, "req", "-new", "-key", "leaf.key", "-subj", "/O=BYO Corp/CN="+name, "-config", filepath.Join(ca.dir, "ca.cnf"), "-out", "leaf.csr")
	ca.issue(filepath.Join(dir, "leaf.csr"), filepath.Join(dir, "leaf.pem"), "v3_leaf")
	data, err := os.ReadFile(filepath.Join(dir, "leaf.key"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := signer.ParsePrivateKeyPEM(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "leaf.pem")
	return readPEMCert(t, path), key, path
}

// revoke revokes the certificate in file cert with reason (an openssl
// -crl_reason name).
func (ca *opensslCA) revoke(cert, reason string) {
	openssl(ca.t, ca.dir, "ca", "-config", "ca.cnf", "-revoke", cert, "-crl_reason", reason)
}

// crl makes the CA's CRL, valid for hours from now, and returns its PEM.
func (ca *opensslCA) crl(hours int) []byte {
	out := filepath.Join(ca.dir, fmt.Sprintf("crl-%d.pem", time.Now().UnixNano()))
	openssl(ca.t, ca.dir, "ca", "-config", "ca.cnf", "-gencrl", "-crlhours", fmt.Sprint(hours), "-out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		ca.t.Fatal(err)
	}
	return data
}

func readPEMCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBYOPKIOpenSSL(t *testing.T) {
	requireOpenSSL(t)
	root := newOpenSSLCA(t, "/O=BYO Corp/CN=BYO Root CA", nil)
	inter := newOpenSSLCA(t, "/O=BYO Corp/CN=BYO Code Signing CA", root)
	leaf, key, _ := inter.leaf("release signer")
	chain := []*x509.Certificate{leaf, inter.cert, root.cert}

	// Only the root is trusted; the bundle carries the chain (version 0.3).
	onlyRoot := []*x509.Certificate{root.cert}
	chainBundle := signWithChain(t, key, chain, true)
	if chainBundle.Version() != bundle.V03 || len(chainBundle.Certificates()) != 3 {
		t.Fatalf("bundle version %v with %d certificates, want a version 0.3 chain of 3", chainBundle.Version(), len(chainBundle.Certificates()))
	}

	t.Run("v0.3-chain-verifies", func(t *testing.T) {
		res, err := verifyChainBundle(caVerifier(t, onlyRoot), chainBundle)
		if err != nil {
			t.Fatal(err)
		}
		if got := subjects(res.Signer.Chain); !slices.Equal(got, []string{"BYO Code Signing CA", "BYO Root CA"}) {
			t.Errorf("Result.Signer.Chain = %v", got)
		}
	})
	t.Run("v0.3-chain-with-fresh-crls", func(t *testing.T) {
		v := caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), inter.crl(24)))
		if _, err := verifyChainBundle(v, chainBundle); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("trusted-intermediate-and-root", func(t *testing.T) {
		if _, err := verifyChainBundle(caVerifier(t, []*x509.Certificate{inter.cert, root.cert}), signWithChain(t, key, chain, false)); err != nil {
			t.Fatal(err)
		}
	})

	// A chain certificate that is not in the trusted root never acts as an
	// anchor: not the bundle's root when another root is trusted, and not the
	// intermediate when the leaf alone is in the bundle.
	t.Run("bundle-root-not-an-anchor", func(t *testing.T) {
		other := newOpenSSLCA(t, "/O=BYO Corp/CN=BYO Root CA", nil) // same name, other key
		_, err := verifyChainBundle(caVerifier(t, []*x509.Certificate{other.cert}), chainBundle)
		assertStep(t, err, verify.StepCertificate, "not issued by any trusted certificate authority")
	})
	t.Run("leaf-only-needs-the-intermediate", func(t *testing.T) {
		_, err := verifyChainBundle(caVerifier(t, onlyRoot), signWithChain(t, key, chain, false))
		assertStep(t, err, verify.StepCertificate, "unknown authority")
	})

	t.Run("revoked-leaf", func(t *testing.T) {
		revokedLeaf, revokedKey, path := inter.leaf("revoked signer")
		b := signWithChain(t, revokedKey, []*x509.Certificate{revokedLeaf, inter.cert, root.cert}, true)
		inter.revoke(path, "superseded")
		_, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), inter.crl(24))), b)
		assertRevoked(t, err, revokedLeaf, verify.ReasonSuperseded)
		// The other leaf of the same CA still verifies against the same CRL.
		if _, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), inter.crl(24))), chainBundle); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("revoked-intermediate", func(t *testing.T) {
		inter2 := newOpenSSLCA(t, "/O=BYO Corp/CN=BYO Retired CA", root)
		leaf2, key2, _ := inter2.leaf("retired signer")
		b := signWithChain(t, key2, []*x509.Certificate{leaf2, inter2.cert, root.cert}, true)
		root.revoke(filepath.Join(inter2.dir, "ca.pem"), "CACompromise")
		_, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), inter2.crl(24))), b)
		assertRevoked(t, err, inter2.cert, verify.ReasonCACompromise)
	})
	t.Run("stale-crl", func(t *testing.T) {
		// A CRL valid for an hour, read two hours later.
		later := func() time.Time { return time.Now().Add(2 * time.Hour) }
		_, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), inter.crl(1)), verify.WithClock(later)), chainBundle)
		assertStep(t, err, verify.StepRevocation, "not current")
		if !errors.Is(err, verify.ErrStaleCRL) {
			t.Errorf("want ErrStaleCRL, got %v", err)
		}
	})
	t.Run("wrongly-signed-crl", func(t *testing.T) {
		impostor := newOpenSSLCA(t, "/O=BYO Corp/CN=BYO Code Signing CA", nil) // the intermediate's name, another key
		_, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLs(root.crl(24), impostor.crl(24))), chainBundle)
		assertStep(t, err, verify.StepRevocation, "does not verify with the key of")
		if !errors.Is(err, verify.ErrCRLSignature) {
			t.Errorf("want ErrCRLSignature, got %v", err)
		}
	})
	t.Run("crl-files", func(t *testing.T) {
		dir := t.TempDir()
		rootCRL, interCRL := filepath.Join(dir, "root.crl"), filepath.Join(dir, "inter.crl")
		openssl(t, root.dir, "ca", "-config", "ca.cnf", "-gencrl", "-crlhours", "24", "-out", rootCRL)
		// The intermediate's CRL in DER, as CAs publish it.
		openssl(t, inter.dir, "ca", "-config", "ca.cnf", "-gencrl", "-crlhours", "24", "-out", interCRL+".pem")
		openssl(t, dir, "crl", "-in", interCRL+".pem", "-outform", "DER", "-out", interCRL)
		if _, err := verifyChainBundle(caVerifier(t, onlyRoot, verify.WithCRLFiles(rootCRL, interCRL)), chainBundle); err != nil {
			t.Fatal(err)
		}
	})
}
