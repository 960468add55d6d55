package checkpoint_test

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"

	"github.com/sigil-dev/sigil/internal/checkpoint"
)

// A Rekor v2 checkpoint cosigned by a witness, verified with the log's entry
// in the trusted root (baseUrl, logId.keyId and publicKey.rawBytes).
func ExampleOpen() {
	envelope := []byte("log2025-alpha1.rekor.sigstage.dev\n" +
		"736\n" +
		"rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n" +
		"\n" +
		"— log2025-alpha1.rekor.sigstage.dev 8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=\n" +
		"— witness.example O8PH5AAAAABopO8+4O9uzScQrNEnGdKLYXSPoUjH1Se4n92W+wT/j5Kel/4J2XWE4bEe9bpIVUD6EGOeUDFkSWz/rbDhvVcJ/2OrDw==\n")

	// From the trusted root.
	baseURL := "https://log2025-alpha1.rekor.sigstage.dev"
	logID, _ := base64.StdEncoding.DecodeString("8w1amZ2S5mJIQkQmPxdMuOrL/oJkvFg9MnQXmeOCXck=")
	der, _ := base64.StdEncoding.DecodeString("MCowBQYDK2VwAyEAPn+AREHoBaZ7wgS1zBqpxmLSGnyhxXj4lFxSdWVB8o8=")
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		panic(err)
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		panic(err)
	}

	cp, err := checkpoint.Open(envelope, checkpoint.Verifier{Name: u.Host, Hint: [4]byte(logID), Key: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cp.Origin)
	fmt.Println(cp.Size)
	fmt.Printf("%x\n", cp.RootHash)

	// The same envelope does not verify for another log.
	_, err = checkpoint.Open(envelope, checkpoint.Verifier{Name: "rekor.sigstore.dev", Hint: [4]byte(logID), Key: key})
	fmt.Println(err)
	// Output:
	// log2025-alpha1.rekor.sigstage.dev
	// 736
	// aecd583d8d3274057497181faeae69138a11a54270a37b327a9b39f9e1944c32
	// checkpoint: no signature from log "rekor.sigstore.dev" (key hint f30d5a99)
}
