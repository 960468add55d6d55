package checkpoint_test

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"

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
	log := checkpoint.Log{BaseURL: baseURL, KeyID: [4]byte(logID), Key: key}

	s, err := checkpoint.Open(envelope, log)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Origin)
	fmt.Println(s.Size)
	fmt.Printf("%x\n", s.RootHash)
	for _, sig := range s.Note.UnverifiedSigs {
		fmt.Println("not checked:", sig.Name) // no trusted witness key given
	}

	// The same envelope does not verify for a log at another host.
	log.BaseURL = "https://log2025-alpha2.rekor.sigstage.dev"
	_, err = checkpoint.Open(envelope, log)
	fmt.Println(err)
	// Output:
	// log2025-alpha1.rekor.sigstage.dev
	// 736
	// aecd583d8d3274057497181faeae69138a11a54270a37b327a9b39f9e1944c32
	// not checked: witness.example
	// checkpoint: origin is not the log's: origin "log2025-alpha1.rekor.sigstage.dev", key "log2025-alpha1.rekor.sigstage.dev" (key ID f30d5a99)
}
