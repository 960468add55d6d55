package checkpoint

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/internal/sigalg"
)

// A Verifier is a trusted transparency-log key, taken from the trusted root.
// A Verifier is a plain value; the zero Verifier is invalid and [Open]
// rejects it.
type Verifier struct {
	// Name is the signer name the log uses in its signature lines. For
	// Sigstore logs it is the host (with the port, if any) of the log's base
	// URL: "rekor.sigstore.dev", "log2025-alpha1.rekor.sigstage.dev",
	// "localhost:8000". It must be a valid key name: without Unicode spaces
	// or '+'. An empty Name matches signature lines of any name: Rekor v1
	// signs under the server's own hostname, which clients cannot know; the
	// key hint and the signature still have to match.
	Name string
	// Hint is the 4-byte key ID of the log's signature lines: the first 4
	// bytes of the trusted root's log ID. For ECDSA logs that is SHA-256 of
	// the PKIX DER public key; for Ed25519 note keys it is SHA-256(name ||
	// "\n" || 0x01 || 32-byte key), as in golang.org/x/mod/sumdb/note.
	Hint [4]byte
	// Key is the log's public key: an *ecdsa.PublicKey on P-256, P-384 or
	// P-521 (signatures are ASN.1 DER over SHA-256, SHA-384 or SHA-512 of the
	// note text, matching the curve) or an ed25519.PublicKey.
	Key crypto.PublicKey
}

// ErrInvalidVerifier is wrapped by the error [Open] returns when the
// [Verifier] itself is unusable: an invalid name, or a missing or
// unsupported key. It reports a configuration error, not a property of the
// envelope, and is checked before the envelope is looked at.
var ErrInvalidVerifier = errors.New("checkpoint: invalid verifier")

// Reason says why a checkpoint failed verification.
type Reason int

const (
	// NoLogSignature means that no signature line has both the verifier's
	// name and its key hint.
	NoLogSignature Reason = iota + 1
	// InvalidSignature means that a signature line with the verifier's name
	// and key hint does not verify with the verifier's key.
	InvalidSignature
)

// String returns a short lowercase description of r.
func (r Reason) String() string {
	switch r {
	case NoLogSignature:
		return "no signature from log"
	case InvalidSignature:
		return "invalid signature from log"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// A VerificationError reports a well-formed envelope that is not signed by
// the log: the envelope was checked and must not be trusted.
type VerificationError struct {
	// Reason says which check failed.
	Reason Reason
	// Name and Hint are those of the Verifier that was used.
	Name string
	Hint [4]byte
}

// Error implements error.
func (e *VerificationError) Error() string {
	return fmt.Sprintf("checkpoint: %v %q (key hint %x)", e.Reason, e.Name, e.Hint[:])
}

// Open parses a checkpoint envelope and verifies it with the trusted key v.
//
// The signature lines whose key name equals v.Name and whose key hint equals
// v.Hint are the log's; all other lines are ignored. There must be at least
// one, and each must verify over the note text with v.Key (identical
// duplicate lines are verified once). Only then is the text parsed as a
// checkpoint and returned.
//
// Errors, checked in this order:
//   - v is unusable: the error wraps [ErrInvalidVerifier];
//   - the envelope is not a well-formed signed note (see [ParseNote]): the
//     error wraps [ErrMalformed];
//   - no line is the log's, or one of the log's lines does not verify: the
//     error is a *[VerificationError] with Reason [NoLogSignature] or
//     [InvalidSignature];
//   - the signed text is not a well-formed checkpoint (see
//     [ParseCheckpoint]): the error wraps [ErrMalformed].
//
// Open never returns a Checkpoint together with an error. It does not check
// the origin, the size or the root hash against anything.
func Open(envelope []byte, v Verifier) (*Checkpoint, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	text, sigs, err := splitNote(envelope)
	if err != nil {
		return nil, err
	}

	// First pass: check every signature line and remember the log's.
	var scratch [512]byte
	var big []byte
	var mine [MaxSignatures][]byte // base64 fields of the log's lines
	nmine := 0
	for rest := sigs; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		name, enc, blob, err := parseSigLine(rest[:i], scratch[:], &big)
		if err != nil {
			return nil, err
		}
		if [4]byte(blob) == v.Hint && (v.Name == "" || string(name) == v.Name) {
			mine[nmine] = enc
			nmine++
		}
		rest = rest[i+1:]
	}
	if nmine == 0 {
		return nil, &VerificationError{Reason: NoLogSignature, Name: v.Name, Hint: v.Hint}
	}

	// Second pass: every line of the log's must verify. No supported
	// signature needs more than the scratch buffer.
	for i, enc := range mine[:nmine] {
		if seen(mine[:i], enc) {
			continue
		}
		ok := false
		if b64.DecodedLen(len(enc)) <= len(scratch) {
			n, _ := b64.Decode(scratch[:], enc) // decoded before without error
			ok = v.verify(text, scratch[4:n])
		}
		if !ok {
			return nil, &VerificationError{Reason: InvalidSignature, Name: v.Name, Hint: v.Hint}
		}
	}
	return parseBody(text)
}

// seen reports whether enc is in list.
func seen(list [][]byte, enc []byte) bool {
	for _, e := range list {
		if bytes.Equal(e, enc) {
			return true
		}
	}
	return false
}

// check reports whether v can be used at all.
func (v *Verifier) check() error {
	if v.Name != "" && !validNameString(v.Name) {
		return fmt.Errorf("%w: invalid name %q", ErrInvalidVerifier, v.Name)
	}
	if _, err := sigalg.ForKey(v.Key); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidVerifier, err)
	}
	return nil
}

// verify reports whether sig is v.Key's signature of msg, by sigil's one
// algorithm allow-list (the key's default algorithm). v was checked.
func (v *Verifier) verify(msg, sig []byte) bool {
	alg, err := sigalg.ForKey(v.Key)
	return err == nil && alg.Verify(v.Key, msg, sig) == nil
}
