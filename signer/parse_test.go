package signer_test

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// opensslCase makes key.pem in a directory with openssl; the public key is
// read back with `openssl pkey -pubout` to compare with what sigil parsed.
type opensslCase struct {
	name      string
	cmds      []string // openssl command lines; they write key.pem
	encrypted bool     // key.pem is encrypted with pass:P
}

const opensslPass = "P" + "ass-w0rd" // used as pass:... on the command line

func plainKey(name string, cmds ...string) opensslCase { return opensslCase{name: name, cmds: cmds} }

// encrypted builds a plain key in plain.pem with gen, then encrypts it into
// key.pem with `openssl pkcs8 -topk8` and the given flags.
func encrypted(name, gen, flags string) opensslCase {
	return opensslCase{name: name, encrypted: true, cmds: []string{
		gen + " -out plain.pem",
		"pkcs8 -topk8 -in plain.pem -out key.pem -passout pass:" + opensslPass + " " + flags,
	}}
}

const (
	genP256    = "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256"
	genP384    = "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384"
	genP521    = "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521"
	genRSA2048 = "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048"
	genEd25519 = "genpkey -algorithm ED25519"
)

// TestOpenSSLFormats loads keys in every format the openssl CLI writes and
// sigil reads, signs with them, and verifies with sigil's verifier code.
func TestOpenSSLFormats(t *testing.T) {
	openssl(t)
	cases := []opensslCase{
		// PKCS#1.
		plainKey("pkcs1-rsa2048", "genrsa -traditional -out key.pem 2048"),
		plainKey("pkcs1-rsa4096", "genrsa -traditional -out key.pem 4096"),
		plainKey("pkcs1-rsa3072-via-rsa", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out p8.pem", "rsa -traditional -in p8.pem -out key.pem"),
		// SEC 1, with and without the EC PARAMETERS block.
		plainKey("sec1-p256", "ecparam -name prime256v1 -genkey -noout -out key.pem"),
		plainKey("sec1-p256-params", "ecparam -name prime256v1 -genkey -out key.pem"),
		plainKey("sec1-p384", "ecparam -name secp384r1 -genkey -noout -out key.pem"),
		plainKey("sec1-p521", "ecparam -name secp521r1 -genkey -out key.pem"),
		plainKey("sec1-via-ec", genP256+" -out p8.pem", "ec -in p8.pem -out key.pem"),
		// PKCS#8.
		plainKey("pkcs8-p256", genP256+" -out key.pem"),
		plainKey("pkcs8-p384", genP384+" -out key.pem"),
		plainKey("pkcs8-p521", genP521+" -out key.pem"),
		plainKey("pkcs8-rsa2048", genRSA2048+" -out key.pem"),
		plainKey("pkcs8-ed25519", genEd25519+" -out key.pem"),
		plainKey("pkcs8-from-pkcs1", "genrsa -traditional -out p1.pem 2048", "pkcs8 -topk8 -nocrypt -in p1.pem -out key.pem"),
		// Encrypted PKCS#8, PBES2.
		encrypted("enc-p256-aes256", genP256, "-v2 aes-256-cbc"),
		encrypted("enc-p384-aes256", genP384, "-v2 aes-256-cbc"),
		encrypted("enc-p521-aes256", genP521, "-v2 aes-256-cbc"),
		encrypted("enc-rsa-aes256", genRSA2048, "-v2 aes-256-cbc"),
		encrypted("enc-ed25519-aes256", genEd25519, "-v2 aes-256-cbc"),
		encrypted("enc-p256-aes128", genP256, "-v2 aes-128-cbc"),
		encrypted("enc-p256-aes192", genP256, "-v2 aes-192-cbc"),
		encrypted("enc-p256-sha1", genP256, "-v2 aes-256-cbc -v2prf hmacWithSHA1"),
		encrypted("enc-rsa-aes128-sha1", genRSA2048, "-v2 aes-128-cbc -v2prf hmacWithSHA1"),
		encrypted("enc-p256-sha256", genP256, "-v2 aes-256-cbc -v2prf hmacWithSHA256"),
		encrypted("enc-p256-sha384", genP256, "-v2 aes-256-cbc -v2prf hmacWithSHA384"),
		encrypted("enc-ed25519-sha512", genEd25519, "-v2 aes-128-cbc -v2prf hmacWithSHA512"),
		encrypted("enc-p256-iter210k", genP256, "-v2 aes-256-cbc -v2prf hmacWithSHA512 -iter 210000"),
		encrypted("enc-p256-default", genP256, ""),
		encrypted("enc-p256-scrypt", genP256, "-scrypt"),
		encrypted("enc-ed25519-scrypt", genEd25519, "-scrypt -v2 aes-128-cbc"),
		{name: "enc-genpkey", encrypted: true, cmds: []string{genP384 + " -aes-256-cbc -pass pass:" + opensslPass + " -out key.pem"}},
		{name: "enc-genrsa", encrypted: true, cmds: []string{"genrsa -aes256 -passout pass:" + opensslPass + " -out key.pem 2048"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			runShell(t, dir, tc.cmds...)
			pubArgs := "pkey -in key.pem -pubout -out pub.pem"
			if tc.encrypted {
				pubArgs += " -passin pass:" + opensslPass
			}
			runShell(t, dir, pubArgs)
			data := readFile(t, filepath.Join(dir, "key.pem"))
			wantPub := parsePublicPEM(t, readFile(t, filepath.Join(dir, "pub.pem")))

			calls := 0
			pass := func() ([]byte, error) { calls++; return []byte(opensslPass), nil }
			key, err := signer.ParsePrivateKeyPEM(data, pass)
			if err != nil {
				t.Fatalf("ParsePrivateKeyPEM: %v\n%s", err, data)
			}
			if want := map[bool]int{true: 1, false: 0}[tc.encrypted]; calls != want {
				t.Errorf("passphrase called %d times, want %d", calls, want)
			}
			if !sigalg.EqualKeys(key.Public(), wantPub) {
				t.Fatal("parsed key differs from openssl's public key")
			}
			c, err := signer.FromKey(key)
			if err != nil {
				t.Fatal(err)
			}
			checkSigns(t, c, false)

			if !tc.encrypted {
				return
			}
			for _, wrong := range []string{"", opensslPass + " "} {
				if _, err := signer.ParsePrivateKeyPEM(data, passphrase(wrong)); !errors.Is(err, signer.ErrWrongPassphrase) {
					t.Errorf("passphrase %q: err = %v, want ErrWrongPassphrase", wrong, err)
				}
			}
			if _, err := signer.ParsePrivateKeyPEM(data, nil); !errors.Is(err, signer.ErrWrongPassphrase) {
				t.Errorf("nil passphrase: err = %v, want ErrWrongPassphrase", err)
			}
			errPrompt := errors.New("prompt cancelled")
			if _, err := signer.ParsePrivateKeyPEM(data, func() ([]byte, error) { return nil, errPrompt }); !errors.Is(err, errPrompt) {
				t.Errorf("failing passphrase: err = %v, want it wrapped", err)
			}
		})
	}
}

// TestOpenSSLUnsupported: keys openssl makes that sigil will not sign with.
func TestOpenSSLUnsupported(t *testing.T) {
	openssl(t)
	cases := []opensslCase{
		plainKey("rsa1024-pkcs1", "genrsa -traditional -out key.pem 1024"),
		plainKey("rsa1024-pkcs8", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out key.pem"),
		plainKey("p224-sec1", "ecparam -name secp224r1 -genkey -noout -out key.pem"),
		plainKey("p224-pkcs8", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224 -out key.pem"),
		plainKey("secp256k1-sec1", "ecparam -name secp256k1 -genkey -noout -out key.pem"),
		plainKey("secp256k1-pkcs8", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out key.pem"),
		plainKey("brainpool-pkcs8", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1 -out key.pem"),
		plainKey("explicit-curve-sec1", "ecparam -name prime256v1 -genkey -noout -param_enc explicit -out key.pem"),
		plainKey("explicit-curve-pkcs8", "ecparam -name prime256v1 -genkey -noout -param_enc explicit -out k.pem", "pkcs8 -topk8 -nocrypt -in k.pem -out key.pem"),
		plainKey("ed448", "genpkey -algorithm ED448 -out key.pem"),
		plainKey("x25519", "genpkey -algorithm X25519 -out key.pem"),
		plainKey("rsa-pss-key", "genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out key.pem"),
		plainKey("dsa-traditional", "dsaparam -genkey -noout -out key.pem 1024"),
		plainKey("dsa-pkcs8", "dsaparam -genkey -noout -out k.pem 1024", "pkcs8 -topk8 -nocrypt -in k.pem -out key.pem"),
		// Legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED).
		plainKey("legacy-pem-ec", genP256+" -out k.pem", "ec -in k.pem -aes256 -passout pass:"+opensslPass+" -out key.pem"),
		plainKey("legacy-pem-rsa", "genrsa -traditional -out k.pem 2048", "rsa -in k.pem -traditional -aes256 -passout pass:"+opensslPass+" -out key.pem"),
		// Encryption schemes other than PBES2 with AES.
		plainKey("pbes1-3des", genP256+" -out k.pem", "pkcs8 -topk8 -v1 PBE-SHA1-3DES -in k.pem -passout pass:"+opensslPass+" -out key.pem"),
		plainKey("pbes2-des3", genP256+" -out k.pem", "pkcs8 -topk8 -v2 des3 -in k.pem -passout pass:"+opensslPass+" -out key.pem"),
		plainKey("pbes2-sha224", genP256+" -out k.pem", "pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA224 -in k.pem -passout pass:"+opensslPass+" -out key.pem"),
		// An unsupported key inside good encryption.
		encrypted("enc-p224", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-224", "-v2 aes-256-cbc"),
		encrypted("enc-ed448", "genpkey -algorithm ED448", "-v2 aes-256-cbc"),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			runShell(t, dir, tc.cmds...)
			data := readFile(t, filepath.Join(dir, "key.pem"))
			key, err := signer.ParsePrivateKeyPEM(data, passphrase(opensslPass))
			if !errors.Is(err, signer.ErrUnsupportedKey) {
				t.Fatalf("ParsePrivateKeyPEM = %T, %v; want ErrUnsupportedKey\n%s", key, err, data)
			}
			t.Log(err)
		})
	}
}

// TestRSAModulusBounds: an RSA key above sigil's maximum is refused before
// crypto/x509 spends time on it.
func TestRSAModulusBounds(t *testing.T) {
	for _, bits := range []int{2047, 8193, 16384, 100000} {
		n := make([]byte, (bits+7)/8)
		rand.Read(n)
		n[0] |= 0x80 >> ((8 - bits%8) % 8)
		n[0] &= 0xff >> ((8 - bits%8) % 8)
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(0)
			b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) {
				b.AddUint8(0)
				b.AddBytes(n)
			})
			for range 7 {
				b.AddASN1Int64(3)
			}
		})
		der := b.BytesOrPanic()
		data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
		_, err := signer.ParsePrivateKeyPEM(data, nil)
		if !errors.Is(err, signer.ErrUnsupportedKey) || (len(data) <= 64<<10 && !strings.Contains(err.Error(), fmt.Sprintf("%d-bit", bits))) {
			if len(data) > 64<<10 && errors.Is(err, signer.ErrMalformedKey) {
				continue // refused for its size
			}
			t.Errorf("%d-bit modulus: %v", bits, err)
		}
	}
}

func TestMalformed(t *testing.T) {
	key, _ := signer.Generate(signer.ECDSAP256)
	good := writePKCS8(t, key)
	block, _ := pem.Decode(good)
	der := block.Bytes
	certPEM := "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
	for name, data := range map[string][]byte{
		"empty":               nil,
		"text":                []byte("not a key"),
		"certificate only":    []byte(certPEM),
		"garbage DER":         pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")}),
		"truncated DER":       pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der[:len(der)-5]}),
		"trailing DER":        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: append(append([]byte(nil), der...), 0)}),
		"PKCS#8 as SEC1":      pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}),
		"PKCS#8 as PKCS#1":    pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}),
		"PKCS#8 as encrypted": pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}),
		"PKCS#8 as cosign":    pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED SIGSTORE PRIVATE KEY", Bytes: der}),
		"two keys":            append(append([]byte(nil), good...), good...),
		"too large":           append(bytes.Repeat([]byte("#"), 64<<10), good...),
		"SEC1 without curve":  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1WithoutCurve(t)}),
		"bad PEM base64":      []byte("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"),
	} {
		calls := 0
		_, err := signer.ParsePrivateKeyPEM(data, func() ([]byte, error) { calls++; return nil, nil })
		if !errors.Is(err, signer.ErrMalformedKey) {
			t.Errorf("%s: err = %v, want ErrMalformedKey", name, err)
		}
		if calls != 0 {
			t.Errorf("%s: passphrase asked for a malformed key", name)
		}
	}

	// Text and other PEM blocks around the key are fine.
	withText := []byte("Bag Attributes\n    friendlyName: k\n" + certPEM + string(good) + "trailer\n")
	if _, err := signer.ParsePrivateKeyPEM(withText, nil); err != nil {
		t.Errorf("key with surrounding text: %v", err)
	}

	for _, typ := range []string{"OPENSSH PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED AGE PRIVATE KEY"} {
		data := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
		if _, err := signer.ParsePrivateKeyPEM(data, nil); !errors.Is(err, signer.ErrUnsupportedKey) {
			t.Errorf("%q block: err = %v, want ErrUnsupportedKey", typ, err)
		}
	}
}

func sec1WithoutCurve(t *testing.T) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1OctetString(bytes.Repeat([]byte{1}, 32))
	})
	return b.BytesOrPanic()
}
