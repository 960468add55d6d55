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
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// A small Go-made PKI for path-validation tests (the openssl-made hierarchy
// of byopki_test.go covers interop).

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial int64 = 1000

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func create(t testing.TB, tmpl *x509.Certificate, parent *testCA, pub crypto.PublicKey, self crypto.Signer) *x509.Certificate {
	t.Helper()
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	p, key := tmpl, self
	if parent != nil {
		p, key = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newTestCA makes a CA certificate issued by parent (self-signed if nil);
// mod may change the template.
func newTestCA(t testing.TB, cn string, parent *testCA, mod func(*x509.Certificate)) *testCA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: cn, Organization: []string{"sigil test"}}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if mod != nil {
		mod(tmpl)
	}
	return &testCA{create(t, tmpl, parent, key.Public(), key), key}
}

// issueLeaf makes a code-signing leaf for a new key, issued by ca.
func issueLeaf(t testing.TB, ca *testCA, mod func(*x509.Certificate)) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: "release signer"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"release@example.com"},
	}
	if mod != nil {
		mod(tmpl)
	}
	return create(t, tmpl, ca, key.Public(), nil), key
}

var chainArtifact = []byte("an artifact signed under an enterprise CA\n")

// signWithChain signs chainArtifact through sign with the BYO chain
// credential (chain leaf first); fullChain puts the chain in the bundle.
func signWithChain(t testing.TB, key crypto.Signer, chain []*x509.Certificate, fullChain bool) *bundle.Bundle {
	t.Helper()
	cred, err := signer.FromCertificateChain(key, chain)
	if err != nil {
		t.Fatal(err)
	}
	var opts []sign.Option
	if fullChain {
		opts = append(opts, sign.WithFullChain())
	}
	bb, err := sign.NewBundleBuilder(cred, opts...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bb.SignArtifact(context.Background(), bytes.NewReader(chainArtifact))
	if err != nil {
		t.Fatal(err)
	}
	// What a verifier reads is the JSON.
	data, err := b.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if b, err = bundle.Parse(data); err != nil {
		t.Fatal(err)
	}
	return b
}

// caVerifier trusts one enterprise CA of chain (issuing certificate first,
// anchor last).
func caVerifier(t testing.TB, chain []*x509.Certificate, opts ...verify.Option) *verify.Verifier {
	t.Helper()
	v, err := verify.New(caRoot(t, chain), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func caRoot(t testing.TB, chain []*x509.Certificate) *trustroot.TrustedRoot {
	t.Helper()
	root, err := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(chain...))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func verifyChainBundle(v *verify.Verifier, b *bundle.Bundle) (*verify.Result, error) {
	return v.Verify(b, verify.ArtifactReader(bytes.NewReader(chainArtifact)), policy.UnsafeAnySigner())
}

func subjects(certs []*x509.Certificate) []string {
	var out []string
	for _, c := range certs {
		out = append(out, c.Subject.CommonName)
	}
	return out
}

// Issue 9 item 9: a leaf issued directly by the root of a trusted
// [intermediate, root] authority verifies (the root is the anchor).
func TestChainLeafIssuedByRoot(t *testing.T) {
	root := newTestCA(t, "root", nil, nil)
	inter := newTestCA(t, "intermediate", root, nil)
	v := caVerifier(t, []*x509.Certificate{inter.cert, root.cert})

	for _, tt := range []struct {
		name   string
		issuer *testCA
		want   []string
	}{
		{"by-intermediate", inter, []string{"intermediate", "root"}},
		{"by-root", root, []string{"root"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leaf, key := issueLeaf(t, tt.issuer, nil)
			res, err := verifyChainBundle(v, signWithChain(t, key, []*x509.Certificate{leaf}, false))
			if err != nil {
				t.Fatal(err)
			}
			if got := subjects(res.Signer.Chain); !slices.Equal(got, tt.want) {
				t.Errorf("Result.Signer.Chain = %v, want %v", got, tt.want)
			}
		})
	}
}

// Issue 9 item 8(a): extended key usages nest as crypto/x509 nests them; an
// intermediate whose EKU excludes codeSigning issues no trusted leaf,
// whether the trusted root or the bundle supplies it.
func TestChainEKUNesting(t *testing.T) {
	root := newTestCA(t, "root", nil, nil)
	for _, tt := range []struct {
		name string
		eku  []x509.ExtKeyUsage
		ok   bool
	}{
		{"no-eku", nil, true},
		{"codesigning", []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}, true},
		{"any", []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, true},
		{"serverauth-only", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false},
		{"timestamping-only", []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, false},
	} {
		inter := newTestCA(t, "intermediate "+tt.name, root, func(c *x509.Certificate) { c.ExtKeyUsage = tt.eku })
		leaf, key := issueLeaf(t, inter, nil)
		t.Run(tt.name+"/trusted-intermediate", func(t *testing.T) {
			v := caVerifier(t, []*x509.Certificate{inter.cert, root.cert})
			checkEKU(t, v, signWithChain(t, key, []*x509.Certificate{leaf}, false), tt.ok)
		})
		t.Run(tt.name+"/bundle-intermediate", func(t *testing.T) {
			v := caVerifier(t, []*x509.Certificate{root.cert})
			checkEKU(t, v, signWithChain(t, key, []*x509.Certificate{leaf, inter.cert}, true), tt.ok)
		})
	}
	// The anchor's EKU nests too.
	serverRoot := newTestCA(t, "server root", nil, func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth} })
	leaf, key := issueLeaf(t, serverRoot, nil)
	checkEKU(t, caVerifier(t, []*x509.Certificate{serverRoot.cert}), signWithChain(t, key, []*x509.Certificate{leaf}, false), false)
}

func checkEKU(t *testing.T, v *verify.Verifier, b *bundle.Bundle, ok bool) {
	t.Helper()
	_, err := verifyChainBundle(v, b)
	if ok {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	assertStep(t, err, verify.StepCertificate, "incompatible key usage")
	var inv x509.CertificateInvalidError
	if !errors.As(err, &inv) || inv.Reason != x509.IncompatibleUsage {
		t.Errorf("want an x509.CertificateInvalidError with reason IncompatibleUsage, got %v", err)
	}
}

var oidSAN = asn1.ObjectIdentifier{2, 5, 29, 17}

// sanExtension encodes a SAN extension of otherNames (type OID, UTF8String
// value) and DNS names.
func sanExtension(t *testing.T, critical bool, others [][2]any, dns ...string) pkix.Extension {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, o := range others {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(o[0].(asn1.ObjectIdentifier))
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte(o[1].(string))) })
				})
			})
		}
		for _, d := range dns {
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(d)) })
		}
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidSAN, Critical: critical, Value: der}
}

// Issue 9 item 10: under a CA with name constraints, a leaf whose only SAN
// is a critical Fulcio username otherName verifies; constraints still bind
// names of their own form, an otherName of another type is not handled, and
// a CA constraining otherNames is rejected.
func TestChainOtherNameUnderNameConstraints(t *testing.T) {
	root := newTestCA(t, "root", nil, nil)
	constrained := newTestCA(t, "constrained intermediate", root, func(c *x509.Certificate) {
		c.PermittedDNSDomainsCritical = true
		c.PermittedDNSDomains = []string{"example.com"}
		c.PermittedEmailAddresses = []string{"example.com"}
	})
	v := caVerifier(t, []*x509.Certificate{constrained.cert, root.cert})
	username := [2]any{policy.OIDOtherName, "release-bot!example.com"}
	otherType := [2]any{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 3}, "upn@example.com"} // Microsoft UPN

	leafWith := func(ext pkix.Extension) *bundle.Bundle {
		leaf, key := issueLeaf(t, constrained, func(c *x509.Certificate) {
			c.EmailAddresses = nil
			c.ExtraExtensions = []pkix.Extension{ext}
		})
		return signWithChain(t, key, []*x509.Certificate{leaf}, false)
	}

	t.Run("fulcio-username", func(t *testing.T) {
		res, err := verifyChainBundle(v, leafWith(sanExtension(t, true, [][2]any{username})))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Signer.SubjectAlternativeNames, []string{"release-bot!example.com"}) {
			t.Errorf("SubjectAlternativeNames = %q", res.Signer.SubjectAlternativeNames)
		}
	})
	t.Run("username-and-permitted-dns", func(t *testing.T) {
		if _, err := verifyChainBundle(v, leafWith(sanExtension(t, true, [][2]any{username}, "build.example.com"))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("username-and-excluded-dns", func(t *testing.T) {
		_, err := verifyChainBundle(v, leafWith(sanExtension(t, true, [][2]any{username}, "evil.test")))
		assertStep(t, err, verify.StepCertificate, "not permitted")
		var inv x509.CertificateInvalidError
		if !errors.As(err, &inv) || inv.Reason != x509.CANotAuthorizedForThisName {
			t.Errorf("want CANotAuthorizedForThisName, got %v", err)
		}
	})
	t.Run("other-othername-type", func(t *testing.T) {
		_, err := verifyChainBundle(v, leafWith(sanExtension(t, true, [][2]any{username, otherType})))
		assertStep(t, err, verify.StepCertificate, "unhandled critical extension 2.5.29.17")
	})
	t.Run("only-other-othername-type", func(t *testing.T) {
		_, err := verifyChainBundle(v, leafWith(sanExtension(t, true, [][2]any{otherType})))
		assertStep(t, err, verify.StepCertificate, "unhandled critical extension 2.5.29.17")
	})

	// A CA whose critical name constraints constrain otherNames, a form
	// crypto/x509 does not process, is rejected on every path through it.
	t.Run("ca-constrains-othername", func(t *testing.T) {
		nc := func() pkix.Extension {
			var b cryptobyte.Builder
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { // permittedSubtrees
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralSubtree
						b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) { // otherName
							b.AddASN1ObjectIdentifier(policy.OIDOtherName)
							b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte("release-bot!example.com")) })
							})
						})
					})
				})
			})
			der, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 30}, Critical: true, Value: der}
		}()
		otherCA := newTestCA(t, "othername-constrained", root, func(c *x509.Certificate) { c.ExtraExtensions = []pkix.Extension{nc} })
		leaf, key := issueLeaf(t, otherCA, func(c *x509.Certificate) {
			c.EmailAddresses = nil
			c.ExtraExtensions = []pkix.Extension{sanExtension(t, true, [][2]any{username})}
		})
		_, err := verifyChainBundle(caVerifier(t, []*x509.Certificate{otherCA.cert, root.cert}), signWithChain(t, key, []*x509.Certificate{leaf}, false))
		assertStep(t, err, verify.StepCertificate, "unhandled critical extension")
		if !errors.As(err, new(x509.UnhandledCriticalExtension)) {
			t.Errorf("want x509.UnhandledCriticalExtension, got %v", err)
		}
	})
}

// Issue 14: the certificates after the leaf are untrusted intermediates; a
// chain certificate is never an anchor because it is in the bundle.
func TestChainBundleIntermediates(t *testing.T) {
	root := newTestCA(t, "root", nil, nil)
	inter := newTestCA(t, "intermediate", root, nil)
	leaf, key := issueLeaf(t, inter, nil)
	v := caVerifier(t, []*x509.Certificate{root.cert})

	t.Run("leaf-only", func(t *testing.T) {
		_, err := verifyChainBundle(v, signWithChain(t, key, []*x509.Certificate{leaf, inter.cert, root.cert}, false))
		assertStep(t, err, verify.StepCertificate, "unknown authority")
	})
	for _, chain := range [][]*x509.Certificate{{leaf, inter.cert}, {leaf, inter.cert, root.cert}} {
		t.Run("full-chain-"+string(rune('0'+len(chain))), func(t *testing.T) {
			b := signWithChain(t, key, chain, true)
			if b.Version() != bundle.V03 || len(b.Certificates()) != len(chain) {
				t.Fatalf("bundle version %v with %d certificates, want 0.3 with %d", b.Version(), len(b.Certificates()), len(chain))
			}
			res, err := verifyChainBundle(v, b)
			if err != nil {
				t.Fatal(err)
			}
			if got := subjects(res.Signer.Chain); !slices.Equal(got, []string{"intermediate", "root"}) {
				t.Errorf("Result.Signer.Chain = %v", got)
			}
		})
	}

	// An attacker's hierarchy with the same names: its root rides in the
	// bundle and never acts as an anchor.
	fakeRoot := newTestCA(t, "root", nil, nil)
	fakeInter := newTestCA(t, "intermediate", fakeRoot, nil)
	fakeLeaf, fakeKey := issueLeaf(t, fakeInter, nil)
	t.Run("untrusted-root-in-bundle", func(t *testing.T) {
		_, err := verifyChainBundle(v, signWithChain(t, fakeKey, []*x509.Certificate{fakeLeaf, fakeInter.cert, fakeRoot.cert}, true))
		assertStep(t, err, verify.StepCertificate, "not issued by any trusted certificate authority")
	})
	// A self-signed "intermediate" in the bundle is no anchor either.
	selfLeaf, selfKey := issueLeaf(t, fakeRoot, nil)
	t.Run("self-signed-issuer-in-bundle", func(t *testing.T) {
		_, err := verifyChainBundle(v, signWithChain(t, selfKey, []*x509.Certificate{selfLeaf, fakeRoot.cert}, true))
		assertStep(t, err, verify.StepCertificate, "not issued by any trusted certificate authority")
	})
	// A bundle intermediate must itself be valid at the signing time.
	expired := newTestCA(t, "intermediate", root, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	})
	expLeaf, expKey := issueLeaf(t, expired, nil)
	t.Run("expired-bundle-intermediate", func(t *testing.T) {
		_, err := verifyChainBundle(v, signWithChain(t, expKey, []*x509.Certificate{expLeaf, expired.cert}, true))
		assertStep(t, err, verify.StepCertificate, "expired")
	})
}

// A signing certificate that is a CA certificate is refused unless the
// caller opts in; model_signing's test PKI issues its leaf as CA:TRUE, with
// the subject name of its issuer.
func TestChainCASigningCertificate(t *testing.T) {
	root := newTestCA(t, "root-ca", nil, nil)
	inter := newTestCA(t, "intermediate-ca", root, nil)
	leaf, key := issueLeaf(t, inter, func(c *x509.Certificate) {
		c.Subject = pkix.Name{CommonName: "intermediate-ca"}
		c.IsCA, c.BasicConstraintsValid = true, true
	})
	b := signWithChain(t, key, []*x509.Certificate{leaf, inter.cert}, true)
	_, err := verifyChainBundle(caVerifier(t, []*x509.Certificate{root.cert}), b)
	assertStep(t, err, verify.StepCertificate, "signing certificate is a CA certificate")

	res, err := verifyChainBundle(caVerifier(t, []*x509.Certificate{root.cert}, verify.UnsafeAllowCASigningCertificates()), b)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(res.Signer.Chain); !slices.Equal(got, []string{"intermediate-ca", "root-ca"}) {
		t.Errorf("Result.Signer.Chain = %v", got)
	}
	// The other leaf checks still apply.
	noEKU, key2 := issueLeaf(t, inter, func(c *x509.Certificate) {
		c.IsCA, c.BasicConstraintsValid = true, true
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	})
	_, err = verifyChainBundle(caVerifier(t, []*x509.Certificate{root.cert}, verify.UnsafeAllowCASigningCertificates()),
		signWithChain(t, key2, []*x509.Certificate{noEKU, inter.cert}, true))
	assertStep(t, err, verify.StepCertificate, "lacks the codeSigning extended key usage")
	// A CA leaf that may issue certificates (keyCertSign, or no key usage
	// extension at all) is still refused.
	for _, ku := range []x509.KeyUsage{
		x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, // keyCertSign
		0, // no key usage extension
	} {
		issuing, key3 := issueLeaf(t, inter, func(c *x509.Certificate) {
			c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, ku
		})
		_, err = verifyChainBundle(caVerifier(t, []*x509.Certificate{root.cert}, verify.UnsafeAllowCASigningCertificates()),
			signWithChain(t, key3, []*x509.Certificate{issuing, inter.cert}, true))
		assertStep(t, err, verify.StepCertificate, "may issue certificates")
	}
	if _, err := verify.New(caRoot(t, []*x509.Certificate{root.cert}), verify.UnsafeAllowCASigningCertificates(), verify.UnsafeAllowCASigningCertificates()); err == nil {
		t.Error("UnsafeAllowCASigningCertificates given twice accepted")
	}
}

// BenchmarkVerifyBYOChain verifies a bundle carrying [leaf, intermediate]
// against a root-only trusted root, without and with CRLs of both CAs,
// beside its floor: the three signature checks the bundle needs (leaf by
// intermediate, intermediate by root, artifact by leaf).
func BenchmarkVerifyBYOChain(b *testing.B) {
	t := b
	root := newTestCA(t, "root", nil, nil)
	inter := newTestCA(t, "intermediate", root, nil)
	leaf, key := issueLeaf(t, inter, nil)
	bun := signWithChain(t, key, []*x509.Certificate{leaf, inter.cert}, true)
	now := time.Now()
	crls := verify.WithCRLs(makeCRL(t, root, now.Add(-time.Hour), now.Add(time.Hour)), makeCRL(t, inter, now.Add(-time.Hour), now.Add(time.Hour)))
	for _, c := range []struct {
		name string
		opts []verify.Option
	}{{"no-crls", nil}, {"crls", []verify.Option{crls}}} {
		v := caVerifier(t, []*x509.Certificate{root.cert}, c.opts...)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verifyChainBundle(v, bun); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		ms := bun.MessageSignature()
		for b.Loop() {
			if leaf.CheckSignatureFrom(inter.cert) != nil || inter.cert.CheckSignatureFrom(root.cert) != nil ||
				!ecdsa.VerifyASN1(leaf.PublicKey.(*ecdsa.PublicKey), ms.Digest, ms.Signature) {
				b.Fatal("floor check failed")
			}
		}
	})
}
