package intoto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sigil-dev/sigil/internal/limits"
)

// The strict decoder; see the package documentation for its rules.

// maxSubjectDigests bounds the entries of one subject's digest set (the
// in-toto digest set registry names fewer algorithms).
const maxSubjectDigests = 16

// maxStatementDepth bounds the nesting of a statement, predicate included.
const maxStatementDepth = 128

var (
	statementFields = []string{"_type", "subject", "predicateType", "predicate"}
	subjectFields   = []string{"name", "digest", "uri", "content", "downloadLocation", "mediaType", "annotations"}
)

// errStatement makes a decoding error, wrapping ErrInvalidStatement.
func errStatement(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidStatement}, args...)...)
}

type stmtDecoder struct {
	data    []byte
	pos     int
	scratch []byte // decoded escaped strings
}

// Unmarshal decodes payload as an in-toto statement (v1 or v0.1), strictly
// (see the package documentation), and checks its type and that it has a
// subject. The returned Predicate shares memory with payload. Errors wrap
// ErrInvalidStatement.
func Unmarshal(payload []byte) (*Statement, error) {
	d := &stmtDecoder{data: payload}
	st, err := d.statement()
	if err != nil {
		return nil, err
	}
	switch st.Type {
	case StatementTypeV1, StatementTypeV01:
	default:
		return nil, errStatement("unknown _type %q", truncate(st.Type))
	}
	if len(st.Subject) == 0 {
		return nil, errStatement("no subject")
	}
	return st, nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

func (d *stmtDecoder) errorf(format string, args ...any) error {
	return errStatement("offset %d: "+format, append([]any{d.pos}, args...)...)
}

func (d *stmtDecoder) statement() (*Statement, error) {
	st := &Statement{}
	var seen [4]bool
	err := d.object(func(key []byte) error {
		i, err := field(key, statementFields)
		if err != nil || i < 0 {
			if err == nil {
				err = d.skip(1)
			}
			return err
		}
		if seen[i] {
			return d.errorf("repeated field %q", statementFields[i])
		}
		seen[i] = true
		switch i {
		case 0:
			st.Type, err = d.stringValue()
		case 1:
			st.Subject, err = d.subjects()
		case 2:
			st.PredicateType, err = d.stringValue()
		case 3:
			d.ws()
			if d.peek() != '{' {
				return d.errorf("predicate is not an object")
			}
			start := d.pos
			if err := d.skip(1); err != nil {
				return err
			}
			st.Predicate = d.data[start:d.pos:d.pos]
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.pos != len(d.data) {
		return nil, d.errorf("data after the statement")
	}
	return st, nil
}

// field returns the index of key in fields, -1 for an unknown key, or an
// error for a key that differs from a field only by case.
func field(key []byte, fields []string) (int, error) {
	for i, f := range fields {
		if string(key) == f {
			return i, nil
		}
	}
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return -1, errStatement("field %q differs from %q only by case", truncate(string(key)), f)
		}
	}
	return -1, nil
}

func (d *stmtDecoder) subjects() ([]Subject, error) {
	d.ws()
	if d.peek() != '[' {
		return nil, d.errorf("subject is not an array")
	}
	d.pos++
	var subs []Subject
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return subs, nil
	}
	for {
		if len(subs) == limits.MaxStatementSubjects {
			return nil, errStatement("more than %d subjects", limits.MaxStatementSubjects)
		}
		s, err := d.subject()
		if err != nil {
			return nil, err
		}
		subs = append(subs, s)
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return subs, nil
		default:
			return nil, d.errorf("expected , or ] in subject list")
		}
	}
}

func (d *stmtDecoder) subject() (Subject, error) {
	var s Subject
	var seen [7]bool
	d.ws()
	if d.peek() != '{' {
		return s, d.errorf("subject is not an object")
	}
	err := d.object(func(key []byte) error {
		i, err := field(key, subjectFields)
		if err != nil || i < 0 {
			if err == nil {
				err = d.skip(1)
			}
			return err
		}
		if seen[i] {
			return d.errorf("repeated subject field %q", subjectFields[i])
		}
		seen[i] = true
		switch i {
		case 0:
			s.Name, err = d.stringValue()
		case 1:
			s.Digest, err = d.digestSet()
		case 6:
			d.ws()
			if d.peek() != '{' {
				return d.errorf("subject annotations are not an object")
			}
			err = d.skip(2)
		default:
			_, err = d.stringValue()
		}
		return err
	})
	return s, err
}

func (d *stmtDecoder) digestSet() (map[string]string, error) {
	d.ws()
	if d.peek() != '{' {
		return nil, d.errorf("subject digest is not an object")
	}
	m := map[string]string{}
	err := d.object(func(key []byte) error {
		if len(m) == maxSubjectDigests {
			return d.errorf("more than %d digests in a subject", maxSubjectDigests)
		}
		for k := range m {
			if bytes.EqualFold(key, []byte(k)) {
				return d.errorf("digest algorithm %q repeated", truncate(k))
			}
		}
		name := digestName(key)
		v, err := d.stringValue()
		if err != nil {
			return err
		}
		m[name] = v
		return nil
	})
	return m, err
}

// digestName returns key as a string, without allocating for the names of
// the digests sigil checks.
func digestName(key []byte) string {
	for _, n := range [...]string{"sha256", "sha384", "sha512"} {
		if string(key) == n {
			return n
		}
	}
	return string(key)
}

// object decodes an object, calling member for each key with the decoder
// positioned before the value, which member must consume. key is valid only
// during the call.
func (d *stmtDecoder) object(member func(key []byte) error) error {
	d.ws()
	if d.peek() != '{' {
		return d.errorf("expected an object")
	}
	d.pos++
	d.ws()
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if d.peek() != ':' {
			return d.errorf("expected :")
		}
		d.pos++
		if err := member(key); err != nil {
			return err
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.errorf("expected , or }")
		}
	}
}

func (d *stmtDecoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *stmtDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *stmtDecoder) stringValue() (string, error) {
	d.ws()
	if d.peek() != '"' {
		return "", d.errorf("expected a string")
	}
	b, err := d.str()
	return string(b), err
}

// str decodes the string at the decoder's position. The result aliases the
// input or the decoder's scratch buffer: it is valid until the next call.
func (d *stmtDecoder) str() ([]byte, error) {
	start, end, escaped, err := d.scanString()
	if err != nil {
		return nil, err
	}
	if !escaped {
		return d.data[start:end], nil
	}
	d.scratch = unescape(d.scratch[:0], d.data[start:end])
	return d.scratch, nil
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// plain reports whether none of the eight bytes of x ends or escapes a
// JSON string or is a control character ('"', '\\', < 0x20).
func plain(x uint64) bool {
	q := x ^ (lsb * '"')
	b := x ^ (lsb * '\\')
	return ((q-lsb)&^q|(b-lsb)&^b|(x-lsb*0x20)&^x)&msb == 0
}

// scanString checks the string at the decoder's position and moves past
// it: its content is data[start:end], which holds escapes if escaped.
func (d *stmtDecoder) scanString() (start, end int, escaped bool, err error) {
	data := d.data
	if d.peek() != '"' {
		return 0, 0, false, d.errorf("expected a string")
	}
	start = d.pos + 1
	var high uint64 // the bytes' high bits, ORed: non-zero for non-ASCII
	for i := start; ; {
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			if !plain(x) {
				break
			}
			high |= x
			i += 8
		}
		if i >= len(data) {
			d.pos = len(data)
			return 0, 0, false, d.errorf("unterminated string")
		}
		switch c := data[i]; {
		case c == '"':
			if high&msb != 0 && !utf8.Valid(data[start:i]) {
				d.pos = start
				return 0, 0, false, d.errorf("invalid UTF-8 in string")
			}
			d.pos = i + 1
			return start, i, escaped, nil
		case c == '\\':
			n, ok := escapeLen(data[i:])
			if !ok {
				d.pos = i
				return 0, 0, false, d.errorf("invalid escape or lone surrogate in string")
			}
			escaped = true
			i += n
		case c < 0x20:
			d.pos = i
			return 0, 0, false, d.errorf("control character in string")
		default:
			high |= uint64(c)
			i++
		}
	}
}

// escapeLen returns the length of the valid escape b starts with: two
// bytes, six for \uXXXX, twelve for a surrogate pair.
func escapeLen(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, false
		}
		if !utf16.IsSurrogate(r) {
			return 6, true
		}
		if len(b) < 12 || b[6] != '\\' || b[7] != 'u' {
			return 0, false
		}
		r2, ok := hex4(b[8:])
		if !ok || utf16.DecodeRune(r, r2) == utf8.RuneError {
			return 0, false
		}
		return 12, true
	}
	return 0, false
}

// unescape appends the decoded form of s, a string's content that
// scanString checked, to out.
func unescape(out, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch e := s[i+1]; e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2, _ := hex4(s[i+2:])
				r = utf16.DecodeRune(r, r2)
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, e)
		}
		i += 2
	}
	return out
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// skip checks and consumes one JSON value, found at nesting depth depth. It
// keeps its own stack instead of recursing and its position in a local
// variable: predicates are skipped, not decoded, and this is where large
// ones spend their time.
func (d *stmtDecoder) skip(depth int) error {
	var stack [maxStatementDepth]bool // true: in an object
	n := 0
	data := d.data
	i := d.pos
	for {
		// A value, or (inObject) a member.
		inObject := false
		for i < len(data) && data[i] <= ' ' && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
			i++
		}
		if i >= len(data) {
			return d.failAt(i, "expected a value")
		}
		switch c := data[i]; {
		case c == '{' || c == '[':
			if depth+n >= maxStatementDepth {
				return d.failAt(i, "nested too deep")
			}
			stack[n] = c == '{'
			n++
			i++
			for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
				i++
			}
			if i < len(data) && data[i] == c+2 { // '}' or ']'
				i++
				n--
				break
			}
			if c == '[' {
				continue
			}
			inObject = true
		case c == '"':
			var err error
			if i, err = d.skipString(i); err != nil {
				return err
			}
		case c == 't' || c == 'f' || c == 'n':
			lit := "null"
			if c == 't' {
				lit = "true"
			} else if c == 'f' {
				lit = "false"
			}
			if !bytes.HasPrefix(data[i:], []byte(lit)) {
				return d.failAt(i, "expected a value")
			}
			i += len(lit)
		case c == '-' || c >= '0' && c <= '9':
			var ok bool
			if i, ok = skipNumber(data, i); !ok {
				return d.failAt(i, "invalid number")
			}
		default:
			return d.failAt(i, "expected a value")
		}
		// After a value: close containers, or go on to the next element.
		for !inObject {
			if n == 0 {
				d.pos = i
				return nil
			}
			for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
				i++
			}
			if i >= len(data) {
				return d.failAt(i, "unexpected end of statement")
			}
			c := data[i]
			if c == ',' {
				i++
				inObject = stack[n-1]
				if !inObject {
					break
				}
				continue
			}
			if stack[n-1] && c == '}' || !stack[n-1] && c == ']' {
				i++
				n--
				continue
			}
			return d.failAt(i, "expected , or a closing bracket")
		}
		if inObject {
			// A member: its key and colon; the loop goes on with its value.
			for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
				i++
			}
			if i >= len(data) || data[i] != '"' {
				return d.failAt(i, "expected a string")
			}
			var err error
			if i, err = d.skipString(i); err != nil {
				return err
			}
			for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
				i++
			}
			if i >= len(data) || data[i] != ':' {
				return d.failAt(i, "expected :")
			}
			i++
		}
	}
}

// skipString checks the string at data[i] and returns the index after it.
// Short plain strings are scanned here; scanString checks the others.
func (d *stmtDecoder) skipString(i int) (int, error) {
	data := d.data
	for j := i + 1; j < len(data) && j < i+32; j++ {
		c := data[j]
		if c == '"' {
			return j + 1, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	d.pos = i
	if _, _, _, err := d.scanString(); err != nil {
		return 0, err
	}
	return d.pos, nil
}

// skipNumber returns the index after the number at data[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(data []byte, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(data) && data[j] >= '0' && data[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if j, ok := digits(i); ok {
		i = j
	} else {
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		j, ok := digits(i + 1)
		if !ok {
			return j, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j, ok := digits(i)
		if !ok {
			return j, false
		}
		i = j
	}
	return i, true
}

func (d *stmtDecoder) failAt(i int, msg string) error {
	d.pos = i
	return d.errorf("%s", msg)
}
