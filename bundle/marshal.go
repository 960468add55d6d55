package bundle

import (
	"bytes"
	"encoding/json"
	"errors"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// MarshalJSON encodes the bundle as version 0.3 JSON, the format every
// current Sigstore client reads, whenever that loses nothing. Older bundles
// are upgraded: the media type becomes MediaTypeV03, and a certificate chain
// of the leaf alone becomes version 0.3's single certificate.
//
// MarshalJSON never drops a certificate. Two kinds of older bundle keep
// their version and content: a version 0.1 bundle with an entry that lacks
// an inclusion proof (version 0.3 cannot express it), and a version 0.1 or
// 0.2 bundle whose chain holds more than the leaf. Those intermediates may be
// what a verifier needs to build a path to its trusted root (BYO-PKI), and
// version 0.3 could carry them only as an x509CertificateChain, which some
// verifiers (sigstore-go by default) reject in version 0.3. A version 0.3
// bundle is written as it is, chain included.
//
// The encoding is deterministic: marshaling a bundle parsed from MarshalJSON's
// output yields the same bytes.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	if b.pb == nil {
		return nil, errors.New("bundle: marshaling a zero Bundle")
	}
	pb := proto.Clone(b.pb).(*protobundle.Bundle)
	if b.upgradable() {
		pb.MediaType = MediaTypeV03
		if c, ok := pb.GetVerificationMaterial().GetContent().(*protobundle.VerificationMaterial_X509CertificateChain); ok && len(b.certs) == 1 {
			pb.VerificationMaterial.Content = &protobundle.VerificationMaterial_Certificate{
				Certificate: &protocommon.X509Certificate{RawBytes: c.X509CertificateChain.GetCertificates()[0].GetRawBytes()},
			}
		}
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		return nil, err
	}
	// protojson randomizes insignificant whitespace; compact it so the
	// encoding is deterministic.
	var buf bytes.Buffer
	if err := json.Compact(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// upgradable reports whether MarshalJSON writes the bundle as version 0.3.
func (b *Bundle) upgradable() bool {
	if b.version == V03 {
		return true
	}
	for _, e := range b.entries {
		if e.Proof == nil {
			return false
		}
	}
	return len(b.certs) <= 1
}
