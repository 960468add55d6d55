// Command mkconfig writes the trust configuration of the local Sigstore test
// stack (scripts/services) from the key and CA material start.sh generated
// under the state directory. Standard library only.
//
//	mkconfig [-state DIR] [-out DIR] [-check] [-write=false] [URL flags]
//
// It writes, into -out (default STATE/config):
//
//   - trusted_root.json (application/vnd.dev.sigstore.trustedroot+json;version=0.1):
//     the Fulcio CA chain, Rekor v1 (ECDSA, log ID = SHA-256 of the PKIX DER
//     key) and Rekor v2 (Ed25519, log ID = the signed-note key ID
//     SHA-256(origin || "\n" || 0x01 || key)), the ct_server CT log and the
//     TSA chain, each valid from one hour ago, open-ended;
//   - signing_config.v0.2.json (application/vnd.dev.sigstore.signingconfig.v0.2+json):
//     Fulcio, the OIDC issuer, Rekor v2 (majorApiVersion 2) and v1 (1), the
//     TSA, with selector ANY for logs and timestamps;
//   - trust_config.json (application/vnd.dev.sigstore.clienttrustconfig.v0.1+json):
//     both of the above in one document.
//
// With -check it first compares that material with what the running
// services publish: Fulcio's trust bundle, the TSA's chain, Rekor v1's public
// key and signed checkpoint, Rekor v2's published checkpoint (origin, key
// hint = log ID[:4], Ed25519 signature) and ct_server's signed tree head.
// URL flags default to the SIGIL_* variables of STATE/stack.env, if set in
// the environment, else to start.sh's addresses.
package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/internal/testservices/trustconfig"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("mkconfig: ")
	state := flag.String("state", env("SIGIL_SERVICES_STATE", "/tmp/sigil-services"), "state directory written by scripts/services/start.sh")
	out := flag.String("out", "", "output directory (default STATE/config)")
	check := flag.Bool("check", false, "compare the material with what the running services publish")
	writeFiles := flag.Bool("write", true, "write the configuration files (-write=false: only -check)")
	var u trustconfig.URLs
	flag.StringVar(&u.Fulcio, "fulcio-url", env("SIGIL_FULCIO_URL", "http://127.0.0.1:5555"), "Fulcio base URL")
	flag.StringVar(&u.OIDC, "oidc-url", env("SIGIL_OIDC_URL", "http://127.0.0.1:8088"), "OIDC issuer URL")
	flag.StringVar(&u.TSA, "tsa-url", env("SIGIL_TSA_URL", "http://127.0.0.1:3004/api/v1/timestamp"), "TSA timestamp URL")
	flag.StringVar(&u.RekorV1, "rekor-v1-url", env("SIGIL_REKOR_V1_URL", "http://127.0.0.1:3000"), "Rekor v1 base URL")
	flag.StringVar(&u.RekorV2, "rekor-v2-url", env("SIGIL_REKOR_V2_URL", "http://127.0.0.1:3003"), "Rekor v2 base URL (write API)")
	flag.StringVar(&u.RekorV2Origin, "rekor-v2-origin", env("SIGIL_REKOR_V2_ORIGIN", "127.0.0.1"), "Rekor v2 checkpoint origin (rekor-tiles --hostname)")
	flag.StringVar(&u.CT, "ct-url", env("SIGIL_CT_URL", "http://127.0.0.1:6962/test"), "CT log base URL (with its prefix)")
	rekor2Read := flag.String("rekor-v2-read-url", env("SIGIL_REKOR_V2_READ_URL", "http://127.0.0.1:3080"), "Rekor v2 tiles/checkpoint URL (-check)")
	flag.Parse()
	if *out == "" {
		*out = filepath.Join(*state, "config")
	}

	m, err := trustconfig.Load(filepath.Join(*state, "pki"))
	if err != nil {
		log.Fatal(err)
	}
	files, err := trustconfig.Build(m, u, time.Now().Add(-time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("rekor v1 log ID %x\nrekor v2 log ID %x (origin %q)\nct log ID       %x\n",
		files.RekorV1LogID, files.RekorV2LogID, u.RekorV2Origin, files.CTLogID)

	if *check {
		var c checker
		got, err := fulcioBundle(u.Fulcio)
		c.sameCerts("Fulcio trust bundle", m.FulcioChain, got, err)
		got, err = getCerts(u.TSA + "/certchain")
		c.sameCerts("TSA certchain", m.TSAChain, got, err)
		c.rekor1(u.RekorV1, m.RekorV1)
		cp, err := get(*rekor2Read + "/checkpoint")
		c.note("Rekor v2 checkpoint", cp, err, u.RekorV2Origin, m.RekorV2.Public.(ed25519.PublicKey), files.RekorV2LogID)
		c.sth(u.CT, m.CT)
		if c.failed {
			os.Exit(1)
		}
	}
	if !*writeFiles {
		return
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"trusted_root.json":        files.TrustedRoot,
		"signing_config.v0.2.json": files.SigningConfig,
		"trust_config.json":        files.TrustConfig,
	} {
		path := filepath.Join(*out, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", path)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var client = &http.Client{Timeout: 10 * time.Second}

func get(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

func getCerts(url string) ([]*x509.Certificate, error) {
	data, err := get(url)
	if err != nil {
		return nil, err
	}
	return trustconfig.PEMCerts(data)
}

// fulcioBundle returns the first chain of Fulcio's /api/v2/trustBundle.
func fulcioBundle(base string) ([]*x509.Certificate, error) {
	data, err := get(base + "/api/v2/trustBundle")
	if err != nil {
		return nil, err
	}
	var tb struct {
		Chains []struct {
			Certificates []string `json:"certificates"`
		} `json:"chains"`
	}
	if err := json.Unmarshal(data, &tb); err != nil {
		return nil, err
	}
	if len(tb.Chains) == 0 {
		return nil, errors.New("trust bundle without chains")
	}
	return trustconfig.PEMCerts([]byte(strings.Join(tb.Chains[0].Certificates, "\n")))
}

type checker struct{ failed bool }

func (c *checker) result(what string, err error) {
	if err != nil {
		c.failed = true
		fmt.Printf("check %-22s FAIL: %v\n", what, err)
		return
	}
	fmt.Printf("check %-22s ok\n", what)
}

func (c *checker) sameCerts(what string, want []*x509.Certificate, got []*x509.Certificate, err error) {
	if err == nil && len(got) != len(want) {
		err = fmt.Errorf("served %d certificates, have %d", len(got), len(want))
	}
	for i := 0; err == nil && i < len(want); i++ {
		if !got[i].Equal(want[i]) {
			err = fmt.Errorf("certificate %d differs (%s)", i, got[i].Subject)
		}
	}
	c.result(what, err)
}

// rekor1 compares Rekor v1's public key and verifies its current checkpoint.
func (c *checker) rekor1(base string, k trustconfig.Key) {
	err := func() error {
		data, err := get(base + "/api/v1/log/publicKey")
		if err != nil {
			return err
		}
		blk, _ := pem.Decode(data)
		if blk == nil || !bytes.Equal(blk.Bytes, k.DER) {
			return errors.New("served public key differs from pki/rekor1.pub")
		}
		data, err = get(base + "/api/v1/log")
		if err != nil {
			return err
		}
		var info struct {
			SignedTreeHead string `json:"signedTreeHead"`
			TreeID         string `json:"treeID"`
		}
		if err := json.Unmarshal(data, &info); err != nil {
			return err
		}
		text, sigs, err := splitNote(info.SignedTreeHead)
		if err != nil {
			return err
		}
		if !strings.Contains(strings.SplitN(text, "\n", 2)[0], " - "+info.TreeID) {
			return fmt.Errorf("origin %q does not name tree %s", strings.SplitN(text, "\n", 2)[0], info.TreeID)
		}
		id := trustconfig.SPKIHash(k.DER)
		digest := sha256.Sum256([]byte(text))
		for _, s := range sigs {
			if bytes.Equal(s.hint, id[:4]) && ecdsa.VerifyASN1(k.Public.(*ecdsa.PublicKey), digest[:], s.sig) {
				return nil
			}
		}
		return errors.New("no checkpoint signature verifies with pki/rekor1.pub and hint = log ID[:4]")
	}()
	c.result("Rekor v1 key+checkpoint", err)
}

type noteSig struct {
	name      string
	hint, sig []byte
}

// splitNote splits a signed note into its text (with final newline) and
// its signature lines.
func splitNote(note string) (string, []noteSig, error) {
	text, sigBlock, ok := strings.Cut(note, "\n\n")
	if !ok {
		return "", nil, errors.New("note without signature block")
	}
	var sigs []noteSig
	for _, line := range strings.Split(strings.TrimSuffix(sigBlock, "\n"), "\n") {
		f := strings.Fields(strings.TrimPrefix(line, "— "))
		if !strings.HasPrefix(line, "— ") || len(f) != 2 {
			return "", nil, fmt.Errorf("bad signature line %q", line)
		}
		raw, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil || len(raw) < 5 {
			return "", nil, fmt.Errorf("bad signature line %q", line)
		}
		sigs = append(sigs, noteSig{name: f[0], hint: raw[:4], sig: raw[4:]})
	}
	return text + "\n", sigs, nil
}

// note verifies a Rekor v2 checkpoint: origin, key name, key hint and the
// Ed25519 signature.
func (c *checker) note(what string, data []byte, err error, origin string, pub ed25519.PublicKey, id []byte) {
	err = func() error {
		if err != nil {
			return err
		}
		text, sigs, err := splitNote(string(data))
		if err != nil {
			return err
		}
		if first := strings.SplitN(text, "\n", 2)[0]; first != origin {
			return fmt.Errorf("origin %q, want %q", first, origin)
		}
		for _, s := range sigs {
			if s.name == origin && bytes.Equal(s.hint, id[:4]) && ed25519.Verify(pub, []byte(text), s.sig) {
				return nil
			}
		}
		return fmt.Errorf("no signature line named %q with hint %x verifies", origin, id[:4])
	}()
	c.result(what, err)
}

// sth verifies ct_server's signed tree head (RFC 6962 section 3.5) with the
// CT log key.
func (c *checker) sth(base string, k trustconfig.Key) {
	err := func() error {
		data, err := get(base + "/ct/v1/get-sth")
		if err != nil {
			return err
		}
		var sth struct {
			TreeSize  uint64 `json:"tree_size"`
			Timestamp uint64 `json:"timestamp"`
			RootHash  []byte `json:"sha256_root_hash"`
			Signature []byte `json:"tree_head_signature"`
		}
		if err := json.Unmarshal(data, &sth); err != nil {
			return err
		}
		// DigitallySigned: hash alg (4 = sha256), sig alg (3 = ecdsa), uint16 length, signature.
		s := sth.Signature
		if len(s) < 4 || s[0] != 4 || s[1] != 3 || int(binary.BigEndian.Uint16(s[2:4])) != len(s)-4 {
			return fmt.Errorf("unexpected tree_head_signature header %x", s[:min(4, len(s))])
		}
		msg := []byte{0, 1} // version v1, signature type tree_hash
		msg = binary.BigEndian.AppendUint64(msg, sth.Timestamp)
		msg = binary.BigEndian.AppendUint64(msg, sth.TreeSize)
		msg = append(msg, sth.RootHash...)
		digest := sha256.Sum256(msg)
		if !ecdsa.VerifyASN1(k.Public.(*ecdsa.PublicKey), digest[:], s[4:]) {
			return errors.New("STH signature does not verify with pki/ct.pub")
		}
		return nil
	}()
	c.result("CT log STH", err)
}
