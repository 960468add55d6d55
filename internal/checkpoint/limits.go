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
	// MaxNoteSize is the largest envelope, in bytes, that is parsed: room
	// for MaxSignatures ML-DSA-44 cosignature lines (about 3.3 KB each).
	MaxNoteSize = 128 << 10
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

// b64 is standard base64 with padding, rejecting non-zero padding bits, so
// that every accepted string is the canonical encoding of its bytes.
var b64 = base64.StdEncoding.Strict()

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

// validNameString reports whether name is a valid signed-note key name:
// non-empty UTF-8 without Unicode spaces or '+'.
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
