package bundle_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

// partsOf returns the model values of b, as New takes them.
func partsOf(b *bundle.Bundle) bundle.Parts {
	return bundle.Parts{
		MessageSignature: b.MessageSignature(), Envelope: b.Envelope(),
		Certificates: b.Certificates(), PublicKeyHint: b.PublicKeyHint(),
		TlogEntries: b.TlogEntries(), RFC3161Timestamps: b.RFC3161Timestamps(),
	}
}

// TestNewRebuildsCorpus rebuilds every real version 0.3 bundle of the
// corpus from its model values: the JSON New's bundle marshals to is the
// JSON of the parsed one, byte for byte, so New maps sigil's model to
// protobuf-specs exactly as Parse maps it back.
func TestNewRebuildsCorpus(t *testing.T) {
	n := 0
	for _, rel := range corpusBundles(t) {
		b, err := bundle.Parse(readCorpus(t, rel))
		if err != nil || b.Version() != bundle.V03 || b.MediaType() != bundle.MediaTypeV03 {
			continue
		}
		if env := b.Envelope(); env != nil && len(b.Proto().GetDsseEnvelope().GetSignatures()) != 1 {
			continue
		}
		if b.Proto().GetVerificationMaterial().GetX509CertificateChain() != nil && len(b.Certificates()) == 1 {
			continue // a one-certificate chain: New writes the single-certificate form
		}
		want, err := b.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		// An empty timestampVerificationData object is the document's
		// spelling of "no timestamps", which the model does not keep.
		want = bytes.Replace(want, []byte(`,"timestampVerificationData":{}`), nil, 1)
		nb, err := bundle.New(partsOf(b))
		if err != nil {
			t.Errorf("%s: New: %v", rel, err)
			continue
		}
		got, err := nb.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: New's bundle marshals to\n%s\nwant\n%s", rel, got, want)
		}
		n++
	}
	if n < 20 {
		t.Fatalf("only %d version 0.3 bundles rebuilt", n)
	}
	t.Logf("%d bundles rebuilt", n)
}

// TestNewRejects: New validates its parts as Parse validates a document.
func TestNewRejects(t *testing.T) {
	msg := &bundle.MessageSignature{DigestAlgorithm: crypto.SHA256, Digest: bytes.Repeat([]byte{1}, 32), Signature: []byte{2}}
	env := &bundle.Envelope{PayloadType: "application/vnd.in-toto+json", Payload: []byte("{}"), Signature: []byte{3}}
	for name, tc := range map[string]struct {
		p    bundle.Parts
		want string
	}{
		"no content":         {bundle.Parts{}, "exactly one"},
		"both contents":      {bundle.Parts{MessageSignature: msg, Envelope: env}, "exactly one"},
		"hint and cert":      {bundle.Parts{MessageSignature: msg, PublicKeyHint: "k", Certificates: []*x509.Certificate{{Raw: []byte{1}}}}, "both"},
		"nil certificate":    {bundle.Parts{MessageSignature: msg, Certificates: []*x509.Certificate{nil}}, "certificate 0 is empty"},
		"nil entry":          {bundle.Parts{MessageSignature: msg, TlogEntries: []*bundle.TlogEntry{nil}}, "nil transparency log entry"},
		"payload type UTF-8": {bundle.Parts{Envelope: &bundle.Envelope{PayloadType: "\xff", Payload: []byte("{}"), Signature: []byte{3}}}, "UTF-8"},
		"empty digest":       {bundle.Parts{MessageSignature: &bundle.MessageSignature{DigestAlgorithm: crypto.SHA256, Signature: []byte{2}}}, ""},
	} {
		_, err := bundle.New(tc.p)
		if !errors.Is(err, bundle.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrMalformed mentioning %q", name, err, tc.want)
		}
	}
}
