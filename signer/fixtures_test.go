package signer_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/signer"
)

// go test ./signer -run TestFixtures -fixtures rewrites the committed key
// fixtures under testdata/cosign and testdata/openssl, and the fuzz seed
// corpus made from them. Fixtures are encrypted with testPassphrase.
var regenerate = flag.Bool("fixtures", false, "regenerate the key fixtures and the fuzz seed corpus")

// cosignFixtures are written by writeCosignKey, which follows cosign's format.
var cosignFixtures = []struct {
	name, pemType string
	n             int // scrypt N: 2^15 is go-securesystemslib's Legacy preset, 2^16 its current default
	key           signer.KeyType
	rsa           bool
}{
	{"sigstore-p256", "ENCRYPTED SIGSTORE PRIVATE KEY", 1 << 15, signer.ECDSAP256, false},
	{"cosign-legacy-p256", "ENCRYPTED COSIGN PRIVATE KEY", 1 << 15, signer.ECDSAP256, false},
	{"sigstore-p384", "ENCRYPTED SIGSTORE PRIVATE KEY", 1 << 16, signer.ECDSAP384, false},
	{"sigstore-ed25519", "ENCRYPTED SIGSTORE PRIVATE KEY", 1 << 16, signer.Ed25519, false},
	{"sigstore-rsa2048", "ENCRYPTED SIGSTORE PRIVATE KEY", 1 << 15, 0, true},
}

// opensslFixtures are made with the openssl CLI; "pass:" is testPassphrase.
var opensslFixtures = []struct {
	name string
	cmds [][]string
}{
	{"pkcs1-rsa2048", [][]string{{"genrsa", "-traditional", "-out", "key.pem", "2048"}}},
	{"sec1-p256-params", [][]string{{"ecparam", "-name", "prime256v1", "-genkey", "-out", "key.pem"}}},
	{"sec1-p521", [][]string{{"ecparam", "-name", "secp521r1", "-genkey", "-noout", "-out", "key.pem"}}},
	{"pkcs8-p384", [][]string{{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "key.pem"}}},
	{"pkcs8-ed25519", [][]string{{"genpkey", "-algorithm", "ED25519", "-out", "key.pem"}}},
	{"pkcs8-rsa2048", [][]string{{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem"}}},
	{"enc-p256-aes256-sha256", [][]string{
		{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "plain.pem"},
		{"pkcs8", "-topk8", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256", "-in", "plain.pem", "-out", "key.pem", "-passout", "pass:" + testPassphrase}}},
	{"enc-rsa2048-aes128-sha1", [][]string{
		{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "plain.pem"},
		{"pkcs8", "-topk8", "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-in", "plain.pem", "-out", "key.pem", "-passout", "pass:" + testPassphrase}}},
	{"enc-ed25519-scrypt", [][]string{
		{"genpkey", "-algorithm", "ED25519", "-out", "plain.pem"},
		{"pkcs8", "-topk8", "-scrypt", "-in", "plain.pem", "-out", "key.pem", "-passout", "pass:" + testPassphrase}}},
}

func writeFixture(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func generateFixtures(t *testing.T) {
	for _, f := range cosignFixtures {
		var key crypto.Signer
		if f.rsa {
			key = rsaKey(t, 2048, 0)
		} else {
			var err error
			if key, err = signer.Generate(f.key); err != nil {
				t.Fatal(err)
			}
		}
		writeFixture(t, filepath.Join("testdata", "cosign", f.name+".key"), writeCosignKey(t, key, testPassphrase, f.pemType, f.n))
		writeFixture(t, filepath.Join("testdata", "cosign", f.name+".pub"), publicPEM(t, key.Public()))
	}
	for _, f := range opensslFixtures {
		dir := t.TempDir()
		for _, cmd := range f.cmds {
			runOpenSSL(t, dir, cmd...)
		}
		runOpenSSL(t, dir, "pkey", "-in", "key.pem", "-passin", "pass:"+testPassphrase, "-pubout", "-out", "pub.pem")
		writeFixture(t, filepath.Join("testdata", "openssl", f.name+".pem"), readFile(t, filepath.Join(dir, "key.pem")))
		writeFixture(t, filepath.Join("testdata", "openssl", f.name+".pub"), readFile(t, filepath.Join(dir, "pub.pem")))
	}
	// The fuzz seed corpus: every fixture, in `go test fuzz v1` format.
	corpus := filepath.Join("testdata", "fuzz", "FuzzParsePrivateKeyPEM")
	if err := os.RemoveAll(corpus); err != nil {
		t.Fatal(err)
	}
	for _, path := range fixtureKeys(t) {
		data := readFile(t, path)
		sum := sha256.Sum256(data)
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "-" + hex.EncodeToString(sum[:4])
		writeFixture(t, filepath.Join(corpus, name), fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data))
	}
}

// fixtureKeys lists the committed key files.
func fixtureKeys(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, pattern := range []string{"testdata/cosign/*.key", "testdata/openssl/*.pem", "testdata/third_party/*.key"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	return paths
}

// TestFixtures loads every committed key, checks it against its public key
// and signs with it, so a change in how any of these formats is read shows.
func TestFixtures(t *testing.T) {
	if *regenerate {
		openssl(t)
		generateFixtures(t)
	}
	paths := fixtureKeys(t)
	if len(paths) != len(cosignFixtures)+len(opensslFixtures)+1 {
		t.Fatalf("%d fixtures, want %d", len(paths), len(cosignFixtures)+len(opensslFixtures)+1)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data := readFile(t, path)
			pass := testPassphrase
			if strings.Contains(path, "third_party") {
				pass = ""
			}
			key, err := signer.ParsePrivateKeyPEM(data, passphrase(pass))
			if err != nil {
				t.Fatal(err)
			}
			pubPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".pub"
			if _, err := os.Stat(pubPath); err == nil {
				if want := parsePublicPEM(t, readFile(t, pubPath)); !sigalg.EqualKeys(key.Public(), want) {
					t.Fatalf("key does not match %s", pubPath)
				}
			} else if k, ok := key.(*ecdsa.PrivateKey); !ok || k.Curve.Params().Name != "P-256" {
				t.Fatalf("third-party key is a %T", key)
			}
			c, err := signer.FromKey(key)
			if err != nil {
				t.Fatal(err)
			}
			checkSigns(t, c, false)
			// (Wrong passphrases: TestOpenSSLFormats, TestCosignEnvelopeVectors
			// and ExampleParsePrivateKeyPEM.)
		})
	}
}

// TestCosignWriter checks the test's own cosign writer against the reader for
// every key type, as `cosign import-key-pair` would write them.
func TestCosignWriter(t *testing.T) {
	keys := testKeys(t)
	keys["Ed25519-raw"] = ed25519.NewKeyFromSeed(make([]byte, 32))
	for name, key := range keys {
		for _, typ := range []string{"ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"} {
			data := writeCosignKey(t, key, "", typ, 1<<10)
			got, err := signer.ParsePrivateKeyPEM(data, passphrase(""))
			if err != nil || !sigalg.EqualKeys(got.Public(), key.Public()) {
				t.Errorf("%s %s: %v", name, typ, err)
			}
		}
	}
}
