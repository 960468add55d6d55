package verify

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
)

// embeddedProduction is the public-good root trustroot.PublicGood embeds.
const embeddedProduction = "../trustroot/embedded/production.trusted_root.json"

// parseFloor is the work any loader of a trusted root does: decoding the
// JSON document and parsing each certificate and log key it holds, with no
// checks.
func parseFloor(tb testing.TB, data []byte) {
	var tr prototrust.TrustedRoot
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &tr); err != nil {
		tb.Fatal(err)
	}
	for _, l := range append(tr.GetTlogs(), tr.GetCtlogs()...) {
		if _, err := x509.ParsePKIXPublicKey(l.GetPublicKey().GetRawBytes()); err != nil {
			tb.Fatal(err)
		}
	}
	for _, ca := range append(tr.GetCertificateAuthorities(), tr.GetTimestampAuthorities()...) {
		for _, c := range ca.GetCertChain().GetCertificates() {
			if _, err := x509.ParseCertificate(c.GetRawBytes()); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

// bundleFloor is the work any verifier does to read a bundle: decoding its
// JSON and parsing its signing certificate.
func bundleFloor(tb testing.TB, data []byte) {
	var pb protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &pb); err != nil {
		tb.Fatal(err)
	}
	if _, err := x509.ParseCertificate(pb.GetVerificationMaterial().GetCertificate().GetRawBytes()); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkNew prepares a Verifier for the embedded public-good root:
// "parse+new" from the document's bytes (what a process pays to load the
// root), "new" from an already parsed root, beside the floor of decoding the
// document and parsing its certificates and keys.
func BenchmarkNew(b *testing.B) {
	data, err := os.ReadFile(embeddedProduction)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse+new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			root, err := trustroot.ParseJSON(data)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := New(root); err != nil {
				b.Fatal(err)
			}
		}
	})
	root, err := trustroot.ParseJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New(root); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parseFloor(b, data)
		}
	})
}

// BenchmarkLoadAndVerify is a process verifying one real public-good bundle
// (Rekor v1 hashedrekord) from nothing: parsing the embedded root, preparing
// the Verifier, parsing the bundle and verifying it, so every check done once
// on first use is paid on every iteration. Its floor is the root's parse
// floor, the bundle's decoding floor, its signature checks (BenchmarkLowerBound) and the one
// check of the trusted chain's static link (intermediate by root).
func BenchmarkLoadAndVerify(b *testing.B) {
	rootData, err := os.ReadFile(embeddedProduction)
	if err != nil {
		b.Fatal(err)
	}
	bundleData, err := os.ReadFile(filepath.Join(td, "bundle-verify/happy-path-v0.3/bundle.sigstore.json"))
	if err != nil {
		b.Fatal(err)
	}
	artifact, err := os.ReadFile(filepath.Join(td, "bundle-verify/a.txt"))
	if err != nil {
		b.Fatal(err)
	}
	p := policy.Identity("https://token.actions.githubusercontent.com", beacon)
	b.Run("public-good-v1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			root, err := trustroot.ParseJSON(rootData)
			if err != nil {
				b.Fatal(err)
			}
			v, err := New(root)
			if err != nil {
				b.Fatal(err)
			}
			bun, err := bundle.Parse(bundleData)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := v.Verify(bun, ArtifactReader(bytes.NewReader(artifact)), p); err != nil {
				b.Fatal(err)
			}
		}
	})
	c := loadBench(b, "public-good-v1", "bundle-verify/happy-path-v0.3/bundle.sigstore.json",
		"trusted_roots/production.trusted_root.json", "bundle-verify/a.txt",
		"https://token.actions.githubusercontent.com", beacon)
	checks := lowerBound(b, c)
	var inter, anchor *x509.Certificate
	for _, ca := range c.v.root.CertificateAuthorities() {
		if n := len(ca.Certificates); n == 2 {
			inter, anchor = ca.Certificates[0], ca.Certificates[1]
		}
	}
	if inter == nil {
		b.Fatal("no two-certificate CA in the public-good root")
	}
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			parseFloor(b, rootData)
			bundleFloor(b, bundleData)
			for _, chk := range checks {
				if err := chk(); err != nil {
					b.Fatal(err)
				}
			}
			if err := inter.CheckSignatureFrom(anchor); err != nil {
				b.Fatal(err)
			}
		}
	})
}
