package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// testPassphrase encrypts every committed fixture.
const testPassphrase = "sigil test passphrase"

func passphrase(p string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(p), nil }
}

// hsmKey is a crypto.Signer in the way an HSM, PKCS#11 token or KMS key is
// one: it has Public and Sign and nothing else; the private key is out of
// reach (here, inside a closure).
type hsmKey struct {
	pub  crypto.PublicKey
	sign func(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

func (k *hsmKey) Public() crypto.PublicKey { return k.pub }
func (k *hsmKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.sign(rand, digest, opts)
}

// newHSMKey hides a standard-library key behind an hsmKey.
func newHSMKey(key crypto.Signer) *hsmKey {
	return &hsmKey{pub: key.Public(), sign: key.Sign}
}

// openssl returns the path of the openssl CLI, skipping the test without it.
func openssl(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl CLI not found")
	}
	return path
}

// runOpenSSL runs openssl in dir, failing the test on error.
func runOpenSSL(t testing.TB, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(openssl(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runShell runs a sequence of openssl command lines in dir; each line is
// split on spaces.
func runShell(t testing.TB, dir string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		runOpenSSL(t, dir, strings.Fields(l)...)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeCosignKey encrypts a PKCS#8 private key the way cosign does (through
// go-securesystemslib's encrypted package): the secretbox key is
// scrypt(passphrase, 32-byte salt, N, r = 8, p = 1, 32 bytes), the nonce is 24
// random bytes, and the JSON envelope below is the PEM block's content.
func writeCosignKey(t testing.TB, key crypto.Signer, pass, pemType string, n int) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, 32)
	var nonce [24]byte
	rand.Read(salt)
	rand.Read(nonce[:])
	k, err := scrypt.Key([]byte(pass), salt, n, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	var boxKey [32]byte
	copy(boxKey[:], k)
	type params struct {
		N int `json:"N"`
		R int `json:"r"`
		P int `json:"p"`
	}
	env := struct {
		KDF struct {
			Name   string `json:"name"`
			Params params `json:"params"`
			Salt   []byte `json:"salt"`
		} `json:"kdf"`
		Cipher struct {
			Name  string `json:"name"`
			Nonce []byte `json:"nonce"`
		} `json:"cipher"`
		Ciphertext []byte `json:"ciphertext"`
	}{}
	env.KDF.Name = "scrypt"
	env.KDF.Params = params{N: n, R: 8, P: 1}
	env.KDF.Salt = salt
	env.Cipher.Name = "nacl/secretbox"
	env.Cipher.Nonce = nonce[:]
	env.Ciphertext = secretbox.Seal(nil, der, &nonce, &boxKey)
	js, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: js})
}

// publicPEM encodes a public key as PKIX PEM, as `openssl pkey -pubout` does.
func publicPEM(t testing.TB, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func parsePublicPEM(t testing.TB, data []byte) crypto.PublicKey {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		t.Fatalf("no PUBLIC KEY PEM block in %q", data)
	}
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

// verifierAlgs returns the algorithms sigil's verifier uses for the
// credential's digest and message signatures, derived independently of the
// signer package: sigalg.ForKey, Ed25519ph for Ed25519 digests, PSS if asked.
func verifierAlgs(t testing.TB, pub crypto.PublicKey, pss bool) (digest, message sigalg.Algorithm) {
	t.Helper()
	alg, err := sigalg.ForKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case pss:
		return sigalg.RSAPSSSHA256, sigalg.RSAPSSSHA256
	case alg == sigalg.Ed25519:
		return sigalg.Ed25519ph, sigalg.Ed25519
	}
	return alg, alg
}

// checkSigns signs a digest and a message with c and verifies both with
// sigil's verification code, and checks that another key's signature fails.
func checkSigns(t *testing.T, c *signer.Credential, pss bool) {
	t.Helper()
	digestAlg, msgAlg := verifierAlgs(t, c.PublicKey(), pss)
	if c.HashFunc() != digestAlg.Hash() {
		t.Errorf("HashFunc() = %v, verifier hashes with %v", c.HashFunc(), digestAlg.Hash())
	}
	msg := []byte("DSSEv1 28 application/vnd.in-toto+json 2 {}")
	h := c.HashFunc().New()
	h.Write(msg)
	digest := h.Sum(nil)

	sig, err := c.SignDigest(rand.Reader, digest)
	if err != nil {
		t.Fatalf("SignDigest: %v", err)
	}
	if err := digestAlg.VerifyDigest(c.PublicKey(), digest, sig); err != nil {
		t.Errorf("%s VerifyDigest: %v", digestAlg, err)
	}
	msgSig, err := c.SignMessage(nil, msg)
	if err != nil {
		t.Fatalf("SignMessage: %v", err)
	}
	if err := msgAlg.Verify(c.PublicKey(), msg, msgSig); err != nil {
		t.Errorf("%s Verify: %v", msgAlg, err)
	}

	// The signatures do not verify for anything else.
	bad := append([]byte(nil), digest...)
	bad[0] ^= 1
	if err := digestAlg.VerifyDigest(c.PublicKey(), bad, sig); !errors.Is(err, sigalg.ErrInvalidSignature) {
		t.Errorf("signature verifies over another digest: %v", err)
	}
	if err := msgAlg.Verify(c.PublicKey(), append(msg, '!'), msgSig); !errors.Is(err, sigalg.ErrInvalidSignature) {
		t.Errorf("signature verifies over another message: %v", err)
	}
	other := otherKeyLike(t, c.PublicKey())
	if err := digestAlg.VerifyDigest(other, digest, sig); !errors.Is(err, sigalg.ErrInvalidSignature) {
		t.Errorf("digest signature verifies with another key: %v", err)
	}
	if err := msgAlg.Verify(other, msg, msgSig); !errors.Is(err, sigalg.ErrInvalidSignature) {
		t.Errorf("message signature verifies with another key: %v", err)
	}
}

// rsaKeys caches RSA keys, which are slow to generate, by size and slot.
var (
	rsaMu   sync.Mutex
	rsaKeys = map[[2]int]*rsa.PrivateKey{}
)

func rsaKey(t testing.TB, bits, slot int) *rsa.PrivateKey {
	t.Helper()
	rsaMu.Lock()
	defer rsaMu.Unlock()
	if k, ok := rsaKeys[[2]int{bits, slot}]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	rsaKeys[[2]int{bits, slot}] = k
	return k
}

// otherKeyLike returns a fresh public key of the same type and size as pub.
func otherKeyLike(t testing.TB, pub crypto.PublicKey) crypto.PublicKey {
	t.Helper()
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		o, err := ecdsa.GenerateKey(k.Curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return o.Public()
	case *rsa.PublicKey:
		o := rsaKey(t, k.N.BitLen(), 0)
		if o.PublicKey.Equal(k) {
			o = rsaKey(t, k.N.BitLen(), 1)
		}
		return o.Public()
	case ed25519.PublicKey:
		o, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	t.Fatalf("no other key like %T", pub)
	return nil
}

// writePKCS8 encodes key as an unencrypted PKCS#8 PEM block.
func writePKCS8(t testing.TB, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// runCommand runs a command in dir and returns its combined output.
func runCommand(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}
