package trustroot_test

import (
	"fmt"
	"os"

	"github.com/sigil-dev/sigil/trustroot"
)

// ParseJSON reads a private deployment's trusted root from bytes the caller
// fetched or embedded, and lookups find its logs by ID.
func ExampleParseJSON() {
	data, err := os.ReadFile("../testdata/conformance/bundle-verify/rekor2-happy-path/trusted_root.json")
	if err != nil {
		panic(err)
	}
	root, err := trustroot.ParseJSON(data)
	if err != nil {
		panic(err)
	}
	for _, l := range root.TransparencyLogs() {
		fmt.Printf("log %s (%s) valid from %s\n", l.Name(), l.KeyDetails, l.ValidFor.Start.Format("2006-01-02"))
	}
	for _, tsa := range root.TimestampAuthorities() {
		fmt.Println("TSA", tsa.URI, "chain of", len(tsa.Certificates))
	}
	_, snapshot := root.Snapshot()
	fmt.Println("embedded snapshot:", snapshot)
	// Output:
	// log rekor.sigstage.dev (PKIX_ECDSA_P256_SHA_256) valid from 2021-01-12
	// log log2025-alpha1.rekor.sigstage.dev (PKIX_ED25519) valid from 2025-04-16
	// TSA https://timestamp.sigstage.dev/api/v1/timestamp chain of 2
	// embedded snapshot: false
}
