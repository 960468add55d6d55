package trustroot_test

import (
	"fmt"
	"log"

	"github.com/sigil-dev/sigil/trustroot"
)

func ExampleFromFile() {
	root, err := trustroot.FromFile("../testdata/conformance/trusted_roots/production.trusted_root.json")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("certificate authorities:", len(root.CertificateAuthorities()))
	fmt.Println("transparency logs:", len(root.TransparencyLogs()))
	for _, l := range root.TransparencyLogs() {
		fmt.Printf("  %s (%s, from %s)\n", l.BaseURL, l.KeyDetails, l.ValidFor.Start.Format("2006-01-02"))
	}
	fmt.Println("CT logs:", len(root.CTLogs()))
	fmt.Println("timestamp authorities:", len(root.TimestampAuthorities()))
	// Output:
	// certificate authorities: 2
	// transparency logs: 2
	//   https://rekor.sigstore.dev (PKIX_ECDSA_P256_SHA_256, from 2021-01-12)
	//   https://log2025-1.rekor.sigstore.dev (PKIX_ED25519, from 2025-09-23)
	// CT logs: 2
	// timestamp authorities: 1
}

func ExamplePublicGood() {
	root, err := trustroot.PublicGood()
	if err != nil {
		log.Fatal(err)
	}
	if date, ok := root.Snapshot(); ok {
		fmt.Println("embedded snapshot of", date.Format("2006-01-02"))
	}
	for _, l := range root.TransparencyLogs() {
		fmt.Printf("%s signs checkpoints as %s\n", trustroot.LogIDString(l.LogID)[:16], l.Name())
	}
	fmt.Printf("CAs: %d, CT logs: %d, TSAs: %d\n", len(root.CertificateAuthorities()), len(root.CTLogs()), len(root.TimestampAuthorities()))
	// Output:
	// embedded snapshot of 2026-08-21
	// c0d23d6ad406973f signs checkpoints as rekor.sigstore.dev
	// cf1199155bddd051 signs checkpoints as log2025-1.rekor.sigstore.dev
	// CAs: 2, CT logs: 2, TSAs: 1
}
