package trustroot_test

import (
	"fmt"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// A ClientTrustConfig carries the trusted root and the signing
// configuration together; Services returns the latter, from which a client
// picks the services to sign with.
func ExampleTrustedRoot_SigningConfig() {
	root, err := trustroot.FromFile("testdata/private/trust_config.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg, err := root.SigningConfig()
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ca, err := cfg.Fulcio(at)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Fulcio:", ca.URL)
	logs, err := cfg.RekorLogs(at, 1) // a client that speaks Rekor v1 only
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range logs {
		fmt.Println("Rekor:", l.URL, "v", l.MajorAPIVersion)
	}
	// Output:
	// Fulcio: http://127.0.0.1:5555
	// Rekor: http://127.0.0.1:3000 v 1
}
