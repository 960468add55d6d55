package bundle

import (
	"bytes"
	"encoding/json"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// ProtojsonEncoding is the reference MarshalJSON is held to: the message
// MarshalJSON encodes (media type and certificate upgraded as it upgrades
// them), written by protojson.Marshal and compacted by json.Compact.
func ProtojsonEncoding(b *Bundle) ([]byte, error) {
	pb := proto.Clone(b.pb).(*protobundle.Bundle)
	mediaType, singleCert := b.encoding()
	if mediaType != "" {
		pb.MediaType = mediaType
	}
	if singleCert != nil {
		pb.VerificationMaterial.Content = &protobundle.VerificationMaterial_Certificate{
			Certificate: &protocommon.X509Certificate{RawBytes: singleCert},
		}
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
