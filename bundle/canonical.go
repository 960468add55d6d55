package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// checkCanonical checks that data, which protojson has decoded as a bundle
// (so it is valid JSON of the bundle's schema), uses the bundle's canonical
// JSON form: field names as their JSON names (camelCase), enum values by
// name, and bytes in standard base64. protojson also accepts proto field
// names (snake_case), enum numbers and URL-safe base64; no Sigstore client
// writes them, and clients that do not decode with protojson may reject or
// misread them, so a bundle that uses them could verify for some verifiers
// and not others.
//
// The walk is a scan over data that never copies a value it does not need:
// bundles are mostly large base64 strings.
func checkCanonical(data []byte, md protoreflect.MessageDescriptor) error {
	w := &canonWalker{data: data}
	return w.message(md)
}

type canonWalker struct {
	data []byte
	pos  int
}

func (w *canonWalker) ws() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

func (w *canonWalker) peek() byte {
	w.ws()
	if w.pos < len(w.data) {
		return w.data[w.pos]
	}
	return 0
}

// expect consumes c, which protojson has already found there.
func (w *canonWalker) expect(c byte) error {
	if w.peek() != c {
		return fmt.Errorf("offset %d: expected %q", w.pos, c)
	}
	w.pos++
	return nil
}

// str consumes a string and returns its decoded content. Only strings with
// escapes are decoded (copied); others alias data.
func (w *canonWalker) str() ([]byte, error) {
	if err := w.expect('"'); err != nil {
		return nil, err
	}
	start := w.pos
	for i := start; ; {
		j := bytes.IndexByte(w.data[i:], '"')
		if j < 0 {
			return nil, fmt.Errorf("offset %d: unterminated string", start)
		}
		end := i + j
		n := 0 // backslashes before the quote
		for k := end - 1; k >= start && w.data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 1 {
			i = end + 1
			continue
		}
		w.pos = end + 1
		raw := w.data[start:end]
		if bytes.IndexByte(raw, '\\') < 0 {
			return raw, nil
		}
		var s string
		if err := json.Unmarshal(w.data[start-1:end+1], &s); err != nil {
			return nil, err
		}
		return []byte(s), nil
	}
}

// skip consumes a scalar value: a string, number, true, false or null.
func (w *canonWalker) skip() error {
	if w.peek() == '"' {
		_, err := w.str()
		return err
	}
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return nil
		}
		w.pos++
	}
	return nil
}

func (w *canonWalker) null() bool {
	if w.peek() == 'n' {
		w.pos += len("null")
		return true
	}
	return false
}

func (w *canonWalker) message(md protoreflect.MessageDescriptor) error {
	if w.null() {
		return nil
	}
	if w.peek() != '{' {
		return w.skip() // a well-known type in its string form
	}
	w.pos++
	if w.peek() == '}' {
		w.pos++
		return nil
	}
	for {
		key, err := w.str()
		if err != nil {
			return err
		}
		fd := md.Fields().ByJSONName(string(key))
		if fd == nil {
			if fd := md.Fields().ByName(protoreflect.Name(key)); fd != nil {
				return fmt.Errorf("field %q of %s is spelled as in the protobuf schema, not %q", key, md.Name(), fd.JSONName())
			}
			return fmt.Errorf("unknown field %q in %s", key, md.Name())
		}
		if err := w.expect(':'); err != nil {
			return err
		}
		if err := w.field(fd); err != nil {
			return err
		}
		switch w.peek() {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return nil
		default:
			return fmt.Errorf("offset %d: expected , or }", w.pos)
		}
	}
}

func (w *canonWalker) field(fd protoreflect.FieldDescriptor) error {
	if !fd.IsList() {
		return w.value(fd)
	}
	if w.null() {
		return nil
	}
	if err := w.expect('['); err != nil {
		return err
	}
	if w.peek() == ']' {
		w.pos++
		return nil
	}
	for {
		if err := w.value(fd); err != nil {
			return err
		}
		switch w.peek() {
		case ',':
			w.pos++
		case ']':
			w.pos++
			return nil
		default:
			return fmt.Errorf("offset %d: expected , or ]", w.pos)
		}
	}
}

func (w *canonWalker) value(fd protoreflect.FieldDescriptor) error {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return w.message(fd.Message())
	case protoreflect.EnumKind:
		if c := w.peek(); c == '-' || c >= '0' && c <= '9' {
			start := w.pos
			w.skip()
			return fmt.Errorf("enum field %q is the number %s, not a name", fd.JSONName(), w.data[start:w.pos])
		}
	case protoreflect.BytesKind:
		if w.peek() == '"' {
			s, err := w.str()
			if err != nil {
				return err
			}
			if bytes.ContainsAny(s, "-_") {
				return fmt.Errorf("bytes field %q is URL-safe base64, not standard base64", fd.JSONName())
			}
			return nil
		}
	}
	return w.skip()
}
