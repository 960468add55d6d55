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
// current Sigstore client reads. Older bundles are upgraded: the media type
// becomes MediaTypeV03 and their certificate chain is reduced to its leaf
// (verifiers take the rest from their trusted root). A version 0.3 bundle
// keeps the certificate chain it carries (BYO-PKI signers write one). A version 0.1 bundle with an entry that lacks an inclusion
// proof cannot be upgraded and is emitted with its original media type and
// content.
//
// The encoding is deterministic: marshaling a bundle parsed from MarshalJSON's
// output yields the same bytes.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	if b.pb == nil {
		return nil, errors.New("bundle: marshaling a zero Bundle")
	}
	pb := proto.Clone(b.pb).(*protobundle.Bundle)
	upgrade := true
	for _, e := range b.entries {
		if e.Proof == nil {
			upgrade = false
		}
	}
	if upgrade {
		pb.MediaType = MediaTypeV03
		if c, ok := pb.GetVerificationMaterial().GetContent().(*protobundle.VerificationMaterial_X509CertificateChain); ok && b.version != V03 {
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
