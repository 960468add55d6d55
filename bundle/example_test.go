package bundle_test

import (
	"bytes"
	"crypto"
	"fmt"
	"log"
	"os"

	"github.com/sigil-dev/sigil/bundle"
)

func ExampleParse() {
	data, err := os.ReadFile("../testdata/conformance/bundle-verify/happy-path-intoto-in-dsse-v3/bundle.sigstore.json")
	if err != nil {
		log.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		// errors.Is(err, bundle.ErrMalformed) holds for every error.
		log.Fatal(err)
	}
	content := "message signature"
	if env := b.Envelope(); env != nil {
		content = "DSSE envelope of " + env.PayloadType
	}
	fmt.Println("version:", b.Version())
	fmt.Println("media type:", b.MediaType())
	fmt.Println("content:", content)
	fmt.Println("tlog entries:", len(b.TlogEntries()))
	for _, e := range b.TlogEntries() {
		fmt.Printf("  %s/%s at index %d\n", e.Kind, e.KindVersion, e.LogIndex)
	}
	fmt.Println("timestamps:", len(b.RFC3161Timestamps()))
	// Output:
	// version: 0.3
	// media type: application/vnd.dev.sigstore.bundle.v0.3+json
	// content: DSSE envelope of application/vnd.in-toto+json
	// tlog entries: 1
	//   dsse/0.0.1 at index 155690850
	// timestamps: 0
}

func ExampleBundle_MarshalJSON() {
	data, err := os.ReadFile("../testdata/conformance/bundle-verify/happy-path-v0.1/bundle.sigstore.json")
	if err != nil {
		log.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("read:", b.Version(), b.MediaType(), len(b.Certificates()), "certificate(s)")

	out, err := b.MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	b, err = bundle.Parse(out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote:", b.Version(), b.MediaType(), len(b.Certificates()), "certificate(s)")
	// Output:
	// read: 0.1 application/vnd.dev.sigstore.bundle+json;version=0.1 1 certificate(s)
	// wrote: 0.3 application/vnd.dev.sigstore.bundle.v0.3+json 1 certificate(s)
}

func ExampleBundle_UsesPublicKey() {
	for _, name := range []string{"managed-key-happy-path", "happy-path-v0.1"} {
		data, err := os.ReadFile("../testdata/conformance/bundle-verify/" + name + "/bundle.sigstore.json")
		if err != nil {
			log.Fatal(err)
		}
		b, err := bundle.Parse(data)
		if err != nil {
			log.Fatal(err)
		}
		if b.UsesPublicKey() {
			// The hint is untrusted: verify matches it against the keys
			// the caller trusts (verify.WithPublicKey).
			fmt.Printf("%s: public key, hint %q\n", name, b.PublicKeyHint())
		} else {
			fmt.Printf("%s: %d certificate(s)\n", name, len(b.Certificates()))
		}
	}
	// Output:
	// managed-key-happy-path: public key, hint "TLMsSDfG3ajPsWge+z/vX5T/zluXnmvbkTkwLIV68Tk="
	// happy-path-v0.1: 1 certificate(s)
}

// Build a bundle from sigil's model values, as package sign does: here a
// key-only message signature.
func ExampleNew() {
	b, err := bundle.New(bundle.Parts{
		MessageSignature: &bundle.MessageSignature{
			DigestAlgorithm: crypto.SHA256,
			Digest:          bytes.Repeat([]byte{0xab}, 32),
			Signature:       []byte("signature bytes"),
		},
		PublicKeyHint: "release-key-2026",
	})
	if err != nil {
		log.Fatal(err)
	}
	data, _ := b.MarshalJSON()
	fmt.Println(b.Version(), b.UsesPublicKey(), b.PublicKeyHint())
	fmt.Println(len(data) > 0)
	// Output:
	// 0.3 true release-key-2026
	// true
}

// ParseTlogEntry reads the entry a Rekor v2 log returns for an append, with
// the structural checks of a bundle's entries; a client then verifies it
// against the trusted log (sign.NewRekorV2 does).
func ExampleParseTlogEntry() {
	data, err := os.ReadFile("../scripts/services/samples/rekor2-response.json")
	if err != nil {
		log.Fatal(err)
	}
	e, err := bundle.ParseTlogEntry(data)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Kind, e.KindVersion, e.LogIndex, e.Proof.TreeSize, e.SET == nil)
	// Output:
	// hashedrekord 0.0.2 0 1 true
}
