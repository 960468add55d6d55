package checkpoint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"unicode"
	"unicode/utf8"
)

// Bounds on attacker-controlled input. Inputs over any bound are malformed.
const (
	// MaxNoteSize is the largest envelope, in bytes, that is parsed.
	MaxNoteSize = 64 << 10
	// MaxTextLines is the largest number of lines in the note text (for a
	// checkpoint: origin, size, root hash and extension lines).
	MaxTextLines = 100
	// MaxSignatures is the largest number of signature lines in a note. The
	// signed-note specification asks verifiers to accept at least 16.
	MaxSignatures = 32
	// MaxLineLength is the longest line, in bytes without its newline, in the
	// text or the signature block.
	MaxLineLength = 8 << 10
)

// ErrMalformed is wrapped by every error reporting that an envelope or a
// checkpoint text does not follow the signed-note or checkpoint syntax, or
// exceeds a bound.
var ErrMalformed = errors.New("checkpoint: malformed")

// malformedError is an ErrMalformed with a fixed detail message.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return "checkpoint: malformed: " + e.msg }
func (e *malformedError) Unwrap() error { return ErrMalformed }

func malformed(msg string) error { return &malformedError{msg} }

// sigPrefix starts every signature line: U+2014 EM DASH, then a space.
const sigPrefix = "\u2014 "

// b64 is standard base64 with padding, rejecting non-zero padding bits, so
// that every accepted string is the canonical encoding of its bytes.
var b64 = base64.StdEncoding.Strict()

// A Signature is one signature line of a note. Nothing about it is verified.
type Signature struct {
	// Name is the key name of the signer.
	Name string
	// KeyHint is the 4-byte key ID that starts the base64 signature field.
	KeyHint [4]byte
	// Sig is the signature proper, without the key hint; at least 1 byte.
	Sig []byte
}

// A Note is a syntactically valid signed note. Nothing about it is verified.
type Note struct {
	// Text is the signed message: the note text up to and including the
	// newline before the separating blank line.
	Text []byte
	// Sigs are the signature lines, in order. There is at least one.
	Sigs []Signature
}

// ParseNote parses a signed note (c2sp.org/signed-note) without verifying
// any signature. The envelope must be valid UTF-8 without ASCII control
// characters other than newline, at most [MaxNoteSize] bytes, and consist of a
// text ending in a newline, a blank line, and 1 to [MaxSignatures] lines
// "— <name> <base64>\n", with nothing after the last newline. The text is
// separated from the signatures by the last blank line, so it may itself
// contain blank lines. Names must be non-empty and contain no Unicode space
// or '+'; the base64 (standard alphabet, padded, canonical) must decode to at
// least 5 bytes: a 4-byte key hint and the signature.
//
// The result does not alias envelope. On error the Note is nil and the error
// wraps [ErrMalformed].
func ParseNote(envelope []byte) (*Note, error) {
	text, sigs, err := splitNote(envelope)
	if err != nil {
		return nil, err
	}
	// One pass to validate and size everything, one to fill the result:
	// all names share one string and all signatures one byte slice.
	var scratch [512]byte
	var big []byte
	nsigs, blobBytes := 0, 0
	for rest := sigs; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		_, _, blob, err := parseSigLine(rest[:i], scratch[:], &big)
		if err != nil {
			return nil, err
		}
		nsigs++
		blobBytes += len(blob) - 4
		rest = rest[i+1:]
	}
	n := &Note{
		Text: append([]byte(nil), text...),
		Sigs: make([]Signature, 0, nsigs),
	}
	sigText := string(sigs)
	sigBytes := make([]byte, 0, blobBytes)
	off := 0
	for rest := sigs; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		line := rest[:i]
		name, _, blob, _ := parseSigLine(line, scratch[:], &big)
		nameOff := off + len(sigPrefix)
		s := Signature{Name: sigText[nameOff : nameOff+len(name)]}
		copy(s.KeyHint[:], blob)
		start := len(sigBytes)
		sigBytes = append(sigBytes, blob[4:]...)
		s.Sig = sigBytes[start:len(sigBytes):len(sigBytes)]
		n.Sigs = append(n.Sigs, s)
		off += i + 1
		rest = rest[i+1:]
	}
	return n, nil
}

// Marshal encodes n as a signed note: the text, a blank line, and one line
// per signature. It does not validate n; for any Note returned by ParseNote,
// Marshal returns exactly the bytes that were parsed.
func (n *Note) Marshal() []byte {
	size := len(n.Text) + 1
	maxSig := 0
	for _, s := range n.Sigs {
		size += len(sigPrefix) + len(s.Name) + 1 + b64.EncodedLen(4+len(s.Sig)) + 1
		maxSig = max(maxSig, len(s.Sig))
	}
	out := make([]byte, 0, size)
	out = append(out, n.Text...)
	out = append(out, '\n')
	blob := make([]byte, 0, 4+maxSig)
	for _, s := range n.Sigs {
		out = append(out, sigPrefix...)
		out = append(out, s.Name...)
		out = append(out, ' ')
		blob = append(append(blob[:0], s.KeyHint[:]...), s.Sig...)
		out = b64.AppendEncode(out, blob)
		out = append(out, '\n')
	}
	return out
}

// splitNote checks the envelope-wide rules and the text, and splits the
// envelope into the text (ending in '\n') and the signature block (one or
// more lines, ending in '\n'). Signature lines are not parsed.
func splitNote(env []byte) (text, sigs []byte, err error) {
	if len(env) > MaxNoteSize {
		return nil, nil, malformed("note larger than 64 KiB")
	}
	if err := checkChars(env); err != nil {
		return nil, nil, err
	}
	split := bytes.LastIndex(env, []byte("\n\n"))
	if split < 0 {
		return nil, nil, malformed("no blank line before signatures")
	}
	text, sigs = env[:split+1], env[split+2:]
	if len(sigs) == 0 {
		return nil, nil, malformed("no signature lines")
	}
	if sigs[len(sigs)-1] != '\n' {
		return nil, nil, malformed("data after the last signature line")
	}
	if err := checkLines(text, MaxTextLines, "too many text lines"); err != nil {
		return nil, nil, err
	}
	if err := checkLines(sigs, MaxSignatures, "too many signature lines"); err != nil {
		return nil, nil, err
	}
	return text, sigs, nil
}

// checkChars reports whether b is valid UTF-8 without ASCII control
// characters other than newline.
func checkChars(b []byte) error {
	for _, c := range b {
		if c < 0x20 && c != '\n' {
			if c == '\r' {
				return malformed("carriage return")
			}
			return malformed("control character")
		}
	}
	if !utf8.Valid(b) {
		return malformed("invalid UTF-8")
	}
	return nil
}

// checkLines checks that b, which ends in '\n', has at most maxLines lines of
// at most MaxLineLength bytes each.
func checkLines(b []byte, maxLines int, tooMany string) error {
	lines := 0
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i > MaxLineLength {
			return malformed("line longer than 8 KiB")
		}
		if lines++; lines > maxLines {
			return malformed(tooMany)
		}
		b = b[i+1:]
	}
	return nil
}

// parseSigLine parses one signature line (without its newline) of a note
// whose characters were already checked by checkChars. It returns the key
// name, the base64 field and the decoded hint||signature, which is at least 5
// bytes long and lives in scratch if it fits, else in *big (grown as needed).
func parseSigLine(line, scratch []byte, big *[]byte) (name, enc, blob []byte, err error) {
	rest, ok := bytes.CutPrefix(line, []byte(sigPrefix))
	if !ok {
		return nil, nil, nil, malformed("signature line does not start with \"— \"")
	}
	name, enc, ok = bytes.Cut(rest, []byte(" "))
	if !ok {
		return nil, nil, nil, malformed("signature line has no signature")
	}
	if !validName(name) {
		return nil, nil, nil, malformed("invalid key name in signature line")
	}
	dst := scratch
	if need := b64.DecodedLen(len(enc)); need > len(dst) {
		if need > cap(*big) {
			*big = make([]byte, need)
		}
		dst = (*big)[:need]
	}
	n, err := b64.Decode(dst, enc)
	if err != nil {
		return nil, nil, nil, malformed("invalid base64 in signature line")
	}
	if n < 5 {
		return nil, nil, nil, malformed("signature shorter than 5 bytes")
	}
	return name, enc, dst[:n], nil
}

// validName reports whether name, known to be valid UTF-8, is a valid key
// name: non-empty, without Unicode spaces or '+'.
func validName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for i := 0; i < len(name); {
		r, size := rune(name[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(name[i:])
		}
		if badNameRune(r) {
			return false
		}
		i += size
	}
	return true
}

// validNameString is validName for a string that may not be valid UTF-8.
func validNameString(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if badNameRune(r) {
			return false
		}
	}
	return true
}

func badNameRune(r rune) bool { return r == '+' || unicode.IsSpace(r) }
