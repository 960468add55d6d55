package testservices_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// samples is the directory of request/response samples recorded from a real
// run of the stack by scripts/services/smoke.sh (SIGIL_SERVICES_SAMPLES).
var samples = filepath.Join("..", "..", "scripts", "services", "samples")

// TestSamples checks, offline, that the recorded samples are consistent with
// the trust configuration recorded in the same run, so client code can be
// written and tested against them: the Fulcio leaf chains to the CA and
// carries an SCT of the CT log; the Rekor v1 entry's SET, checkpoint and
// inclusion proof and the Rekor v2 entries' checkpoints and inclusion proofs
// verify with the logs' keys and log IDs.
func TestSamples(t *testing.T) {
	read := func(name string) []byte { return readFile(t, filepath.Join(samples, name)) }
	checkDocuments(t, read("trusted_root.json"), read("signing_config.v0.2.json"), read("trust_config.json"))
	root, err := trustroot.ParseJSON(read("trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rekor1, rekor2 *trustroot.TrustedLog
	for _, l := range root.TransparencyLogs() {
		if l.KeyDetails == "PKIX_ED25519" {
			rekor2 = l
		} else {
			rekor1 = l
		}
	}

	var cert struct {
		SignedCertificateEmbeddedSct struct {
			Chain struct {
				Certificates []string `json:"certificates"`
			} `json:"chain"`
		} `json:"signedCertificateEmbeddedSct"`
	}
	if err := json.Unmarshal(read("fulcio-csr-response.json"), &cert); err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(cert.SignedCertificateEmbeddedSct.Chain.Certificates[0]))
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	checkFulcioLeaf(t, root, leaf, leaf.NotBefore.Add(time.Minute))

	checkRekorV1Entry(t, rekor1, read("rekor1-response.json"))
	// The samples were recorded with rekor-tiles --hostname 127.0.0.1:3003
	// (start.sh now passes 127.0.0.1, the form sigstore-go expects); sigil
	// accepts both forms for a base URL with that port.
	origin := "127.0.0.1:3003"
	checkRekorV2Entry(t, rekor2, origin, read("rekor2-response.json"))
	checkRekorV2Entry(t, rekor2, origin, read("rekor2-pubkey-response.json"))
}
