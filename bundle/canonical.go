package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// checkCanonical checks that data, which protojson has decoded as a bundle,
// uses the bundle's canonical JSON form: field names as their JSON names
// (camelCase), enum values by name, and bytes in standard base64. protojson
// also accepts proto field names (snake_case), enum numbers and URL-safe
// base64; no Sigstore client writes them, and clients that do not decode
// with protojson may reject or misread them, so a bundle that uses them
// could verify for some verifiers and not others.
func checkCanonical(data []byte, md protoreflect.MessageDescriptor) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return walkMessage(dec, md)
}

func walkMessage(dec *json.Decoder, md protoreflect.MessageDescriptor) error {
	tok, err := dec.Token()
	if err != nil || tok == nil { // null: an unset message
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			if fd := md.Fields().ByName(protoreflect.Name(key)); fd != nil {
				return fmt.Errorf("field %q of %s is spelled as in the protobuf schema, not %q", key, md.Name(), fd.JSONName())
			}
			// protojson rejects unknown fields before this check runs.
			return fmt.Errorf("unknown field %q in %s", key, md.Name())
		}
		if err := walkField(dec, fd); err != nil {
			return err
		}
	}
	_, err = dec.Token() // '}'
	return err
}

func walkField(dec *json.Decoder, fd protoreflect.FieldDescriptor) error {
	if !fd.IsList() {
		return walkValue(dec, fd)
	}
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err
	}
	for dec.More() {
		if err := walkValue(dec, fd); err != nil {
			return err
		}
	}
	_, err = dec.Token() // ']'
	return err
}

func walkValue(dec *json.Decoder, fd protoreflect.FieldDescriptor) error {
	if fd.Kind() == protoreflect.MessageKind {
		return walkMessage(dec, fd.Message())
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch fd.Kind() {
	case protoreflect.EnumKind:
		if _, ok := tok.(json.Number); ok {
			return fmt.Errorf("enum field %q is the number %v, not a name", fd.JSONName(), tok)
		}
	case protoreflect.BytesKind:
		if s, ok := tok.(string); ok && strings.ContainsAny(s, "-_") {
			return fmt.Errorf("bytes field %q is URL-safe base64, not standard base64", fd.JSONName())
		}
	}
	return nil
}
