package signer_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
)

// testKeys returns one key of every type sigil signs with.
func testKeys(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	keys := map[string]crypto.Signer{
		"RSA-2048": rsaKey(t, 2048, 0),
		"RSA-3072": rsaKey(t, 3072, 0),
	}
	for name, kt := range map[string]signer.KeyType{
		"P-256": signer.ECDSAP256, "P-384": signer.ECDSAP384, "P-521": signer.ECDSAP521, "Ed25519": signer.Ed25519,
	} {
		k, err := signer.Generate(kt)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	return keys
}

// TestRoundTrip signs with every key type, as a standard-library key and
// behind an HSM-like crypto.Signer, and verifies with sigil's verifier code.
func TestRoundTrip(t *testing.T) {
	wantHash := map[string]crypto.Hash{
		"P-256": crypto.SHA256, "P-384": crypto.SHA384, "P-521": crypto.SHA512,
		"RSA-2048": crypto.SHA256, "RSA-3072": crypto.SHA256, "Ed25519": crypto.SHA512,
	}
	for name, key := range testKeys(t) {
		for _, hsm := range []bool{false, true} {
			for _, pss := range []bool{false, true} {
				if pss && !strings.HasPrefix(name, "RSA") {
					continue
				}
				tname := name
				if hsm {
					tname += "/hsm"
				}
				if pss {
					tname += "/pss"
				}
				t.Run(tname, func(t *testing.T) {
					k := key
					if hsm {
						k = newHSMKey(key)
					}
					var opts []signer.Option
					if pss {
						opts = append(opts, signer.WithRSAPSS())
					}
					c, err := signer.FromKey(k, opts...)
					if err != nil {
						t.Fatal(err)
					}
					if c.HashFunc() != wantHash[name] {
						t.Errorf("HashFunc() = %v, want %v", c.HashFunc(), wantHash[name])
					}
					if !sigalg.EqualKeys(c.PublicKey(), key.Public()) {
						t.Error("PublicKey() is not the key's")
					}
					if c.Certificates() != nil {
						t.Error("Certificates() of a key-only credential is not nil")
					}
					checkSigns(t, c, pss)
				})
			}
		}
	}
}

// TestSignatureEncodings checks the signature formats the contract names
// with the standard library's own verifiers.
func TestSignatureEncodings(t *testing.T) {
	keys := testKeys(t)
	digest := sha256.Sum256([]byte("artifact"))

	c, _ := signer.FromKey(keys["P-256"])
	sig, err := c.SignDigest(nil, digest[:])
	if err != nil || !ecdsa.VerifyASN1(keys["P-256"].Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Errorf("P-256: not an ASN.1 ECDSA signature (%v)", err)
	}

	rk := keys["RSA-2048"].Public().(*rsa.PublicKey)
	c, _ = signer.FromKey(keys["RSA-2048"])
	sig, err = c.SignDigest(nil, digest[:])
	if err != nil || rsa.VerifyPKCS1v15(rk, crypto.SHA256, digest[:], sig) != nil {
		t.Errorf("RSA: not a PKCS#1 v1.5 signature (%v)", err)
	}
	c, _ = signer.FromKey(keys["RSA-2048"], signer.WithRSAPSS())
	sig, err = c.SignDigest(nil, digest[:])
	// Salt as long as the hash, not just any salt length.
	if err != nil || rsa.VerifyPSS(rk, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
		t.Errorf("RSA-PSS: not a PSS signature with a 32-byte salt (%v)", err)
	}

	ek := keys["Ed25519"].Public().(ed25519.PublicKey)
	c, _ = signer.FromKey(keys["Ed25519"])
	d512 := c.HashFunc().New()
	d512.Write([]byte("artifact"))
	sig, err = c.SignDigest(nil, d512.Sum(nil))
	if err != nil || ed25519.VerifyWithOptions(ek, d512.Sum(nil), sig, &ed25519.Options{Hash: crypto.SHA512}) != nil {
		t.Errorf("Ed25519: SignDigest is not Ed25519ph (%v)", err)
	}
	sig, err = c.SignMessage(nil, []byte("artifact"))
	if err != nil || !ed25519.Verify(ek, []byte("artifact"), sig) {
		t.Errorf("Ed25519: SignMessage is not pure Ed25519 (%v)", err)
	}
}

func TestSignDigestLength(t *testing.T) {
	for name, key := range testKeys(t) {
		c, err := signer.FromKey(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 20, c.HashFunc().Size() - 1, c.HashFunc().Size() + 1} {
			if _, err := c.SignDigest(nil, make([]byte, n)); err == nil {
				t.Errorf("%s: SignDigest of %d bytes succeeded", name, n)
			}
		}
	}
}

// messageKey is a crypto.MessageSigner, like a KMS that hashes remotely.
type messageKey struct {
	*hsmKey
	got []byte
}

func (k *messageKey) SignMessage(rand io.Reader, msg []byte, opts crypto.SignerOpts) ([]byte, error) {
	k.got = append([]byte(nil), msg...)
	return crypto.SignMessage(k.hsmKey, rand, msg, opts)
}

func TestMessageSigner(t *testing.T) {
	key, _ := signer.Generate(signer.ECDSAP384)
	mk := &messageKey{hsmKey: newHSMKey(key)}
	c, err := signer.FromKey(mk)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("payload")
	sig, err := c.SignMessage(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mk.got, msg) {
		t.Errorf("MessageSigner got %q, want the unhashed message", mk.got)
	}
	if err := sigalg.ECDSAP384SHA384.Verify(key.Public(), msg, sig); err != nil {
		t.Error(err)
	}
}

// TestFaultySigner: signatures that do not verify, from a key that is not a
// standard-library type, are caught before they leave the credential.
func TestFaultySigner(t *testing.T) {
	key, _ := signer.Generate(signer.ECDSAP256)
	raw := &hsmKey{pub: key.Public(), sign: func(rnd io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
		// IEEE P1363 r||s, as PKCS#11 returns it, instead of ASN.1 DER.
		r, s, err := ecdsa.Sign(rnd, key.(*ecdsa.PrivateKey), digest)
		if err != nil {
			return nil, err
		}
		return append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...), nil
	}}
	c, err := signer.FromKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(nil)
	if sig, err := c.SignDigest(nil, digest[:]); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("SignDigest with a raw r||s signer = %x, %v; want an error", sig, err)
	}
	if sig, err := c.SignMessage(nil, []byte("m")); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("SignMessage with a raw r||s signer = %x, %v; want an error", sig, err)
	}

	// The key's own errors are returned wrapped.
	errHSM := errors.New("token removed")
	failing := &hsmKey{pub: key.Public(), sign: func(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, errHSM }}
	c, _ = signer.FromKey(failing)
	if _, err := c.SignDigest(nil, digest[:]); !errors.Is(err, errHSM) {
		t.Errorf("SignDigest error = %v, want it to wrap the key's error", err)
	}
	if _, err := c.SignMessage(nil, nil); !errors.Is(err, errHSM) {
		t.Errorf("SignMessage error = %v, want it to wrap the key's error", err)
	}
}

// TestSignerOpts: an HSM sees the options it needs to pick the mechanism.
func TestSignerOpts(t *testing.T) {
	keys := testKeys(t)
	for _, tc := range []struct {
		key    string
		opts   []signer.Option
		digest func(crypto.SignerOpts) bool
		msg    func(crypto.SignerOpts) bool
	}{
		{"P-521", nil,
			func(o crypto.SignerOpts) bool { return o.HashFunc() == crypto.SHA512 },
			func(o crypto.SignerOpts) bool { return o.HashFunc() == crypto.SHA512 }},
		{"RSA-2048", nil,
			func(o crypto.SignerOpts) bool {
				_, pss := o.(*rsa.PSSOptions)
				return !pss && o.HashFunc() == crypto.SHA256
			},
			func(o crypto.SignerOpts) bool {
				_, pss := o.(*rsa.PSSOptions)
				return !pss && o.HashFunc() == crypto.SHA256
			}},
		{"RSA-2048", []signer.Option{signer.WithRSAPSS()},
			func(o crypto.SignerOpts) bool {
				p, ok := o.(*rsa.PSSOptions)
				return ok && p.SaltLength == rsa.PSSSaltLengthEqualsHash && p.HashFunc() == crypto.SHA256
			},
			func(o crypto.SignerOpts) bool {
				p, ok := o.(*rsa.PSSOptions)
				return ok && p.HashFunc() == crypto.SHA256
			}},
		{"Ed25519", nil,
			func(o crypto.SignerOpts) bool { e, ok := o.(*ed25519.Options); return ok && e.Hash == crypto.SHA512 },
			func(o crypto.SignerOpts) bool { return o.HashFunc() == 0 }},
	} {
		var seen []crypto.SignerOpts
		key := keys[tc.key]
		spy := &hsmKey{pub: key.Public(), sign: func(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
			seen = append(seen, o)
			return key.Sign(r, d, o)
		}}
		c, err := signer.FromKey(spy, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		h := c.HashFunc().New()
		if _, err := c.SignDigest(nil, h.Sum(nil)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SignMessage(nil, []byte("m")); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || !tc.digest(seen[0]) || !tc.msg(seen[1]) {
			t.Errorf("%s %d options: Sign saw %#v", tc.key, len(tc.opts), seen)
		}
	}
}

func TestFromKeyUnsupported(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	huge := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 8200), E: 65537}
	for name, key := range map[string]crypto.Signer{
		"RSA-1024":      small,
		"P-224":         p224,
		"RSA-8201":      &hsmKey{pub: huge},
		"nil public":    &hsmKey{pub: nil},
		"typed nil":     &hsmKey{pub: (*ecdsa.PublicKey)(nil)},
		"unknown type":  &hsmKey{pub: "a string"},
		"short Ed25519": &hsmKey{pub: ed25519.PublicKey{1, 2, 3}},
	} {
		if _, err := signer.FromKey(key); !errors.Is(err, signer.ErrUnsupportedKey) {
			t.Errorf("FromKey(%s) = %v, want ErrUnsupportedKey", name, err)
		}
	}
	if _, err := signer.FromKey(nil); err == nil {
		t.Error("FromKey(nil) succeeded")
	}
	if _, err := signer.FromKey((*ecdsa.PrivateKey)(nil)); err == nil {
		t.Error("FromKey((*ecdsa.PrivateKey)(nil)) succeeded")
	}
	if _, err := signer.FromKey(ed25519.PrivateKey{1, 2, 3}); !errors.Is(err, signer.ErrUnsupportedKey) {
		t.Errorf("FromKey(short ed25519.PrivateKey) = %v, want ErrUnsupportedKey", err)
	}
	var zero signer.Credential
	if _, err := zero.SignDigest(nil, make([]byte, 32)); err == nil {
		t.Error("zero Credential signed a digest")
	}
	if _, err := zero.SignMessage(nil, nil); err == nil {
		t.Error("zero Credential signed a message")
	}
	if _, err := signer.Generate(signer.KeyType(42)); !errors.Is(err, signer.ErrUnsupportedKey) {
		t.Errorf("Generate(42) = %v, want ErrUnsupportedKey", err)
	}
}

func TestGenerate(t *testing.T) {
	for kt, want := range map[signer.KeyType]sigalg.Algorithm{
		signer.ECDSAP256: sigalg.ECDSAP256SHA256,
		signer.ECDSAP384: sigalg.ECDSAP384SHA384,
		signer.ECDSAP521: sigalg.ECDSAP521SHA512,
		signer.Ed25519:   sigalg.Ed25519,
	} {
		k, err := signer.Generate(kt)
		if err != nil {
			t.Fatal(err)
		}
		if alg, err := sigalg.ForKey(k.Public()); alg != want {
			t.Errorf("Generate(%d) made a %v key (%v), want %v", kt, alg, err, want)
		}
	}
	var zero signer.KeyType
	if zero != signer.ECDSAP256 {
		t.Error("the zero KeyType is not ECDSAP256")
	}
	a, _ := signer.Generate(signer.ECDSAP256)
	b, _ := signer.Generate(signer.ECDSAP256)
	if sigalg.EqualKeys(a.Public(), b.Public()) {
		t.Error("Generate returned the same key twice")
	}
}

func TestOptions(t *testing.T) {
	ec, _ := signer.Generate(signer.ECDSAP256)
	c, err := signer.FromKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(ec.Public())
	sum := sha256.Sum256(der)
	if want := base64.StdEncoding.EncodeToString(sum[:]); c.Hint() != want {
		t.Errorf("default Hint() = %q, want %q", c.Hint(), want)
	}
	c, err = signer.FromKey(ec, signer.WithHint("kms://projects/p/keys/k"))
	if err != nil || c.Hint() != "kms://projects/p/keys/k" {
		t.Errorf("WithHint: %v, %v", c, err)
	}
	for name, opts := range map[string][]signer.Option{
		"empty hint":    {signer.WithHint("")},
		"PSS for ECDSA": {signer.WithRSAPSS()},
		"nil option":    {nil},
	} {
		if _, err := signer.FromKey(ec, opts...); err == nil {
			t.Errorf("FromKey with %s succeeded", name)
		}
	}
	ed, _ := signer.Generate(signer.Ed25519)
	if _, err := signer.FromKey(ed, signer.WithRSAPSS()); err == nil || !strings.Contains(err.Error(), "WithRSAPSS") {
		t.Errorf("WithRSAPSS on Ed25519 = %v, want an error naming the option", err)
	}
}

// pki issues test certificates.
type pki struct {
	t      *testing.T
	serial int64
}

func (p *pki) issue(subject string, pub crypto.PublicKey, isCA bool, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	p.t.Helper()
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(p.serial),
		Subject:               pkix.Name{CommonName: subject},
		NotBefore:             time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if isCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		p.t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		p.t.Fatal(err)
	}
	return cert
}

func TestFromCertificateChain(t *testing.T) {
	p := &pki{t: t}
	gen := func(kt signer.KeyType) crypto.Signer {
		k, err := signer.Generate(kt)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	rootKey, interKey, key := gen(signer.ECDSAP384), gen(signer.ECDSAP256), gen(signer.ECDSAP256)
	root := p.issue("Root CA", rootKey.Public(), true, nil, rootKey)
	inter := p.issue("Intermediate CA", interKey.Public(), true, root, rootKey)
	leaf := p.issue("signer", key.Public(), false, inter, interKey)

	for _, chain := range [][]*x509.Certificate{{leaf}, {leaf, inter}, {leaf, inter, root}} {
		for _, k := range []crypto.Signer{key, newHSMKey(key)} {
			c, err := signer.FromCertificateChain(k, chain)
			if err != nil {
				t.Fatalf("%d certificates: %v", len(chain), err)
			}
			if got := c.Certificates(); len(got) != len(chain) || got[0] != leaf {
				t.Errorf("Certificates() = %v", got)
			}
			if c.Hint() != "" {
				t.Errorf("Hint() = %q for a certificate credential", c.Hint())
			}
			checkSigns(t, c, false)
		}
	}
	// The credential keeps its own slice.
	chain := []*x509.Certificate{leaf, inter}
	c, _ := signer.FromCertificateChain(key, chain)
	chain[1] = root
	if c.Certificates()[1] != inter {
		t.Error("the credential shares the caller's slice")
	}
	// Appending to the result does not write into the credential.
	_ = append(c.Certificates(), root)

	// An RSA leaf under an ECDSA CA; Ed25519 too.
	for _, k := range []crypto.Signer{rsaKey(t, 2048, 0), gen(signer.Ed25519), gen(signer.ECDSAP521)} {
		l := p.issue("other signer", k.Public(), false, inter, interKey)
		c, err := signer.FromCertificateChain(k, []*x509.Certificate{l, inter})
		if err != nil {
			t.Fatal(err)
		}
		checkSigns(t, c, false)
	}

	// Failures.
	otherKey := gen(signer.ECDSAP256)
	otherLeaf := p.issue("someone else", otherKey.Public(), false, inter, interKey)
	// Same issuer name, another key: the signature does not verify.
	impostorKey := gen(signer.ECDSAP256)
	impostor := p.issue("Intermediate CA", impostorKey.Public(), true, root, rootKey)
	// Signed by the right key but naming another issuer.
	otherRootKey := gen(signer.ECDSAP256)
	otherRoot := p.issue("Other Root", otherRootKey.Public(), true, nil, otherRootKey)
	// An issuer that is not a CA.
	notCAKey := gen(signer.ECDSAP256)
	notCA := p.issue("Not a CA", notCAKey.Public(), false, root, rootKey)
	underNotCA := p.issue("signer", key.Public(), false, notCA, notCAKey)
	long := []*x509.Certificate{leaf}
	for range 10 {
		long = append(long, inter)
	}
	for _, tc := range []struct {
		name  string
		key   crypto.Signer
		chain []*x509.Certificate
		want  error
	}{
		{"leaf for another key", key, []*x509.Certificate{otherLeaf, inter}, signer.ErrKeyMismatch},
		{"reversed", key, []*x509.Certificate{inter, leaf}, signer.ErrKeyMismatch},
		{"another key, HSM", newHSMKey(otherKey), []*x509.Certificate{leaf}, signer.ErrKeyMismatch},
		{"issuer with another key", key, []*x509.Certificate{leaf, impostor}, signer.ErrInvalidChain},
		{"issuer with another name", key, []*x509.Certificate{leaf, inter, otherRoot}, signer.ErrInvalidChain},
		{"skipped intermediate", key, []*x509.Certificate{leaf, root}, signer.ErrInvalidChain},
		{"issuer not a CA", key, []*x509.Certificate{underNotCA, notCA}, signer.ErrInvalidChain},
		{"empty", key, nil, signer.ErrInvalidChain},
		{"nil certificate", key, []*x509.Certificate{leaf, nil}, signer.ErrInvalidChain},
		{"too long", key, long, signer.ErrInvalidChain},
		{"unsupported key", &hsmKey{pub: "x"}, []*x509.Certificate{leaf}, signer.ErrUnsupportedKey},
	} {
		if _, err := signer.FromCertificateChain(tc.key, tc.chain); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	for name, opt := range map[string]signer.Option{"WithHint": signer.WithHint("h"), "WithRSAPSS": signer.WithRSAPSS()} {
		if _, err := signer.FromCertificateChain(key, []*x509.Certificate{leaf}, opt); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("FromCertificateChain with %s = %v, want an error naming it", name, err)
		}
	}

	// FromCertificate: the same chain checks, for a key that signs elsewhere.
	c, err := signer.FromCertificate([]*x509.Certificate{leaf, inter})
	if err != nil {
		t.Fatal(err)
	}
	if c.CanSign() || c.Hint() != "" || len(c.Certificates()) != 2 || !sigalg.EqualKeys(c.PublicKey(), key.Public()) {
		t.Fatalf("FromCertificate: CanSign %v, hint %q, %d certificates", c.CanSign(), c.Hint(), len(c.Certificates()))
	}
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		want  error
	}{
		{"issuer with another key", []*x509.Certificate{leaf, impostor}, signer.ErrInvalidChain},
		{"skipped intermediate", []*x509.Certificate{leaf, root}, signer.ErrInvalidChain},
		{"empty", nil, signer.ErrInvalidChain},
		{"nil leaf", []*x509.Certificate{nil}, signer.ErrInvalidChain},
		{"too long", long, signer.ErrInvalidChain},
		{"P-224 leaf", []*x509.Certificate{p.issue("p224", mustP224(t).Public(), false, inter, interKey), inter}, signer.ErrUnsupportedKey},
	} {
		if _, err := signer.FromCertificate(tc.chain); !errors.Is(err, tc.want) {
			t.Errorf("FromCertificate, %s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func mustP224(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestFromPublicKey: a credential of a public key alone names the signer as
// FromKey does and checks signatures as sigil's verifier will, but cannot
// sign.
func TestFromPublicKey(t *testing.T) {
	for name, k := range testKeys(t) {
		signing, err := signer.FromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		c, err := signer.FromPublicKey(k.Public())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.CanSign() || !signing.CanSign() || c.Hint() != signing.Hint() || c.HashFunc() != signing.HashFunc() || c.KeyDetails() != signing.KeyDetails() {
			t.Fatalf("%s: public-key credential differs from FromKey's: %q %v %s", name, c.Hint(), c.HashFunc(), c.KeyDetails())
		}
		h := c.HashFunc().New()
		h.Write([]byte("artifact"))
		d := h.Sum(nil)
		sig, err := signing.SignDigest(nil, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.VerifyDigest(c.HashFunc(), d, sig); err != nil {
			t.Errorf("%s: VerifyDigest: %v", name, err)
		}
		d[0] ^= 1
		if err := c.VerifyDigest(c.HashFunc(), d, sig); err == nil {
			t.Errorf("%s: VerifyDigest accepted another digest", name)
		}
		msg, err := signing.SignMessage(nil, []byte("message"))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.VerifyMessage([]byte("message"), msg); err != nil {
			t.Errorf("%s: VerifyMessage: %v", name, err)
		}
		if err := c.VerifyMessage([]byte("messagE"), msg); err == nil {
			t.Errorf("%s: VerifyMessage accepted another message", name)
		}
		for _, f := range []func() ([]byte, error){
			func() ([]byte, error) { return c.SignDigest(nil, d) },
			func() ([]byte, error) { return c.SignMessage(nil, []byte("m")) },
		} {
			if sig, err := f(); sig != nil || !errors.Is(err, signer.ErrNoSigningKey) {
				t.Errorf("%s: a public-key credential signed: %v", name, err)
			}
		}
	}
	ec := must(signer.Generate(signer.ECDSAP256)).Public()
	if c, err := signer.FromPublicKey(ec, signer.WithHint("kms://key/1")); err != nil || c.Hint() != "kms://key/1" {
		t.Errorf("WithHint: %v", err)
	}
	if _, err := signer.FromPublicKey(ec, signer.WithRSAPSS()); err == nil || !strings.Contains(err.Error(), "WithRSAPSS() needs an RSA key") {
		t.Errorf("WithRSAPSS on ECDSA: %v", err)
	}
	if _, err := signer.FromPublicKey(mustP224(t).Public()); !errors.Is(err, signer.ErrUnsupportedKey) {
		t.Errorf("P-224: %v", err)
	}
	if _, err := signer.FromPublicKey(nil); err == nil {
		t.Error("nil key accepted")
	}
	// Ed25519 keys check digests only as Ed25519ph over SHA-512.
	ed := must(signer.FromPublicKey(must(signer.Generate(signer.Ed25519)).Public()))
	if err := ed.VerifyDigest(crypto.SHA256, make([]byte, 32), make([]byte, 64)); !errors.Is(err, sigalg.ErrUnsupported) {
		t.Errorf("Ed25519 over SHA-256: %v", err)
	}
}

// TestConcurrentSigning: a Credential is safe for concurrent use (run with -race).
func TestConcurrentSigning(t *testing.T) {
	for name, key := range testKeys(t) {
		c, err := signer.FromKey(newHSMKey(key), nil...)
		if err != nil {
			t.Fatal(err)
		}
		digestAlg, _ := verifierAlgs(t, c.PublicKey(), false)
		errs := make(chan error, 8)
		for i := range 8 {
			go func() {
				d := c.HashFunc().New()
				d.Write([]byte{byte(i)})
				digest := d.Sum(nil)
				sig, err := c.SignDigest(nil, digest)
				if err == nil {
					err = digestAlg.VerifyDigest(c.PublicKey(), digest, sig)
				}
				errs <- err
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}
