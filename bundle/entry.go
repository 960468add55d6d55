package bundle

import (
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxEntryJSON bounds the input of ParseTlogEntry: a body of
// limits.MaxEntryBodySize in base64, its checkpoint and proof, and room
// for the rest.
const maxEntryJSON = 2 << 20

var entryUnmarshalOptions = protojson.UnmarshalOptions{DiscardUnknown: true}

// ParseTlogEntry parses one transparency-log entry in the JSON encoding of
// protobuf-specs' TransparencyLogEntry, the answer of a Rekor v2 log to an
// append, with the structural checks Parse applies to the entries of a
// version 0.3 bundle: an inclusion proof with its checkpoint is required,
// sizes are bounded. Fields it does not know are ignored, since a log may
// add some. Nothing cryptographic is checked. Errors wrap ErrMalformed;
// input larger than 2 MiB is rejected.
func ParseTlogEntry(data []byte) (*TlogEntry, error) {
	if len(data) > maxEntryJSON {
		return nil, malformed("entry of %d bytes exceeds the %d-byte limit", len(data), maxEntryJSON)
	}
	var pe protorekor.TransparencyLogEntry
	if err := entryUnmarshalOptions.Unmarshal(data, &pe); err != nil {
		return nil, malformed("%s", protojsonError(err))
	}
	b := Bundle{version: V03}
	return b.parseEntry(&pe)
}
