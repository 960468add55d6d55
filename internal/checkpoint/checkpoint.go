package checkpoint

import (
	"bytes"
	"strconv"
	"strings"
)

// HashSize is the length in bytes of a checkpoint root hash. Only SHA-256
// (RFC 6962) logs are supported.
const HashSize = 32

// A Checkpoint is the parsed text of a checkpoint (c2sp.org/tlog-checkpoint).
// One returned by [Open] was signed by the log; one returned by
// [ParseCheckpoint] is unverified.
type Checkpoint struct {
	// Origin identifies the log; it is non-empty.
	Origin string
	// Size is the number of leaves in the tree.
	Size uint64
	// RootHash is the Merkle tree root hash, HashSize bytes.
	RootHash []byte
	// Extra holds the extension lines after the root hash (for Rekor v1,
	// "Timestamp: <nanoseconds>"), verbatim, without their newlines. It is
	// nil when there are none.
	Extra []string
}

// ParseCheckpoint parses a checkpoint text, such as a note.Note's Text, without
// verifying anything. The text must satisfy the note-text rules of
// signed notes (UTF-8, no control characters but newline, ends in a newline,
// within the bounds) and consist of at least three non-empty lines: the
// origin, the tree size in decimal (no sign, no leading zeros unless it is
// "0", at most 2^64-1), the root hash in padded standard base64 decoding to
// [HashSize] bytes, then optional non-empty extension lines.
//
// The result does not alias text. On error the Checkpoint is nil and the
// error wraps [ErrMalformed].
func ParseCheckpoint(text []byte) (*Checkpoint, error) {
	if len(text) > MaxNoteSize {
		return nil, malformed("checkpoint larger than 128 KiB")
	}
	if err := checkChars(text); err != nil {
		return nil, err
	}
	if len(text) == 0 || text[len(text)-1] != '\n' {
		return nil, malformed("checkpoint text does not end in a newline")
	}
	if err := checkLines(text, MaxTextLines, "too many text lines"); err != nil {
		return nil, err
	}
	return parseBody(text)
}

// parseBody parses a checkpoint text already checked by checkChars and
// checkLines, and ending in '\n'.
func parseBody(text []byte) (*Checkpoint, error) {
	// Validate first so that nothing is allocated for bad input.
	rest := text
	next := func() []byte {
		i := bytes.IndexByte(rest, '\n')
		line := rest[:i]
		rest = rest[i+1:]
		return line
	}
	if len(rest) == 0 {
		return nil, malformed("missing origin")
	}
	origin := next()
	if len(origin) == 0 {
		return nil, malformed("empty origin")
	}
	if len(rest) == 0 {
		return nil, malformed("missing tree size")
	}
	size, ok := parseSize(next())
	if !ok {
		return nil, malformed("invalid tree size")
	}
	if len(rest) == 0 {
		return nil, malformed("missing root hash")
	}
	hashLine := next()
	// Padded base64 of HashSize bytes is exactly 44 characters.
	if len(hashLine) != b64.EncodedLen(HashSize) {
		return nil, malformed("invalid root hash")
	}
	var hash [HashSize + 1]byte // DecodedLen(44) == 33
	if n, err := b64.Decode(hash[:], hashLine); err != nil || n != HashSize {
		return nil, malformed("invalid root hash")
	}
	extraStart := len(text) - len(rest)
	nextra := 0
	for len(rest) > 0 {
		if len(next()) == 0 {
			return nil, malformed("empty extension line")
		}
		nextra++
	}

	// One allocation for the struct and the hash, one for all strings, one
	// for the extension slice if there are extension lines.
	a := new(struct {
		c Checkpoint
		h [HashSize]byte
	})
	a.h = [HashSize]byte(hash[:HashSize])
	s := string(text)
	a.c = Checkpoint{
		Origin:   s[:len(origin)],
		Size:     size,
		RootHash: a.h[:],
	}
	if nextra > 0 {
		a.c.Extra = make([]string, 0, nextra)
		for s := s[extraStart:]; len(s) > 0; {
			i := strings.IndexByte(s, '\n')
			a.c.Extra = append(a.c.Extra, s[:i])
			s = s[i+1:]
		}
	}
	return &a.c, nil
}

// parseSize parses a canonical decimal uint64: ASCII digits only, no leading
// zeros unless the value is 0.
func parseSize(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// Marshal encodes c as a checkpoint text: origin, size, root hash and
// extension lines, each followed by a newline. It does not validate c; for
// any Checkpoint returned by ParseCheckpoint, Marshal returns exactly the
// bytes that were parsed.
func (c *Checkpoint) Marshal() []byte {
	size := len(c.Origin) + 1 + 20 + 1 + b64.EncodedLen(len(c.RootHash)) + 1
	for _, e := range c.Extra {
		size += len(e) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, c.Origin...)
	out = append(out, '\n')
	out = strconv.AppendUint(out, c.Size, 10)
	out = append(out, '\n')
	out = b64.AppendEncode(out, c.RootHash)
	out = append(out, '\n')
	for _, e := range c.Extra {
		out = append(out, e...)
		out = append(out, '\n')
	}
	return out
}
