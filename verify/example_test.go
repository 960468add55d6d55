package verify_test

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

// Verify a real CPython release bundle offline, against sigil's embedded
// snapshot of the public-good trusted root, given the artifact's digest.
func ExampleVerifier_Verify() {
	root, err := trustroot.PublicGood()
	if err != nil {
		panic(err)
	}
	v, err := verify.New(root) // one Verifier, reused for every bundle
	if err != nil {
		panic(err)
	}
	data, err := os.ReadFile("../testdata/conformance/real-bundles/cpython-release-tracker/bundles/Python-3.12.5.tgz.sigstore.json")
	if err != nil {
		panic(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		panic(err)
	}
	digest, _ := hex.DecodeString("38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405")
	res, err := v.Verify(b, verify.ArtifactDigest(crypto.SHA256, digest),
		policy.Identity("https://accounts.google.com", "thomas@python.org"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("signer:", res.Signer.SubjectAlternativeNames, "via", res.Signer.Issuer)
	for _, e := range res.TlogEntries {
		fmt.Println("log entry:", e.BaseURL, e.LogIndex, e.Kind, "proof:", e.InclusionProof)
	}
	for _, t := range res.Timestamps {
		fmt.Println("observed:", t.Kind, t.Time.Format(time.RFC3339))
	}
	// Output:
	// signer: [thomas@python.org] via https://accounts.google.com
	// log entry: https://rekor.sigstore.dev 118981923 hashedrekord/0.0.1 proof: true
	// observed: integrated-time 2024-08-06T20:32:47Z
}

// A failed verification names the step that failed.
func ExampleError() {
	root, _ := trustroot.PublicGood()
	v, _ := verify.New(root)
	data, _ := os.ReadFile("../testdata/conformance/real-bundles/cpython-release-tracker/bundles/Python-3.12.5.tgz.sigstore.json")
	b, _ := bundle.Parse(data)
	digest, _ := hex.DecodeString("38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405")

	_, err := v.Verify(b, verify.ArtifactDigest(crypto.SHA256, digest),
		policy.Identity("https://accounts.google.com", "someone-else@python.org"))
	var verr *verify.Error
	if errors.As(err, &verr) {
		fmt.Println("failed at:", verr.Step)
	}
	var pv *policy.ViolationError
	fmt.Println("policy violation:", errors.As(err, &pv))
	// Output:
	// failed at: policy
	// policy violation: true
}

// Thresholds default to what the trusted root can provide; options raise or
// lower them, and New rejects combinations the root cannot satisfy.
func ExampleNew() {
	root, err := trustroot.FromFile("../testdata/conformance/trusted_roots/production.trusted_root.json")
	if err != nil {
		panic(err)
	}
	if _, err := verify.New(root, verify.RequireTlogEntries(1), verify.RequireTimestamps(2)); err != nil {
		panic(err)
	}
	_, err = verify.New(root, verify.RequireSCTs(5))
	fmt.Println(err)
	_, err = verify.New(root, verify.RequireSCTs(1), verify.UnsafeNoSCTs())
	fmt.Println(err)
	// Output:
	// verify: RequireSCTs(5), but the trusted root lists 2 independent CT logs
	// verify: UnsafeNoSCTs() conflicts with RequireSCTs(1)
}

// Stage 1 and 2 of adoption: a bundle signed with a long-lived key, verified
// with the key the caller trusts (here with the public-good root, which also
// asks for the bundle's transparency-log entry and a timestamp).
func ExampleWithPublicKey() {
	dir := "../testdata/conformance/bundle-verify/managed-key-happy-path/"
	pemKey, _ := os.ReadFile(dir + "key.pub")
	blk, _ := pem.Decode(pemKey)
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		panic(err)
	}
	root, _ := trustroot.PublicGood()
	v, err := verify.New(root, verify.WithPublicKey("", pub))
	if err != nil {
		panic(err)
	}
	data, _ := os.ReadFile(dir + "bundle.sigstore.json")
	b, _ := bundle.Parse(data)
	artifact, _ := os.Open("../testdata/conformance/bundle-verify/a.txt")
	defer artifact.Close()
	res, err := v.Verify(b, verify.ArtifactReader(artifact), policy.PublicKey(pub))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("certificate:", res.Signer.Certificate != nil)
	fmt.Println("log entries:", len(res.TlogEntries), "timestamps:", len(res.Timestamps))
	// Output:
	// certificate: false
	// log entries: 1 timestamps: 2
}

// The artifact can be streamed: it is hashed once, in constant memory,
// whatever its size.
func ExampleArtifactReader() {
	root, _ := trustroot.PublicGood()
	v, _ := verify.New(root)
	data, _ := os.ReadFile("../testdata/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json")
	b, _ := bundle.Parse(data)
	f, err := os.Open("../testdata/conformance/bundle-verify/a.txt")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	_, err = v.Verify(b, verify.ArtifactReader(f), policy.Identity(
		"https://token.actions.githubusercontent.com",
		"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"))
	fmt.Println("verified:", err == nil)

	_, err = v.Verify(b, verify.ArtifactReader(strings.NewReader("not the artifact")), policy.UnsafeAnySigner())
	var verr *verify.Error
	errors.As(err, &verr)
	fmt.Println("other artifact fails at:", verr.Step)
	// Output:
	// verified: true
	// other artifact fails at: artifact
}
