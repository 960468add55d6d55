// Package witness holds the trusted material for checking witness
// cosignatures of transparency-log checkpoints: witness keys
// (c2sp.org/tlog-cosignature, cosignature/v1 over Ed25519) and witness
// policies of groups and quorums (the policy file format rekor-tiles and
// Tessera read from --witness-policy-path; see [ParsePolicy]).
//
// A witness is a third party that keeps the latest checkpoint it has seen of
// a log and cosigns a newer one only after checking a consistency proof from
// it. A checkpoint cosigned by witnesses the caller trusts is therefore one
// the log could not show to those witnesses without also showing it to
// everyone else who checks the same witnesses: it rules out split views.
//
// Nothing here does I/O. Keys come from the caller's configuration, never from
// the checkpoint being checked.
package witness

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Signature-type bytes of c2sp.org/signed-note verifier keys.
const (
	algEd25519       = 0x01 // plain Ed25519 note signatures
	algCosignatureV1 = 0x04 // timestamped cosignature/v1 (Ed25519)
)

// CosignatureSize is the size of a cosignature/v1 signature, after the 4-byte
// key ID of its signature line: an 8-byte big-endian timestamp (seconds since
// the Unix epoch) and a 64-byte Ed25519 signature.
const CosignatureSize = 8 + ed25519.SignatureSize

// A Key is a trusted witness's cosignature/v1 key. It implements
// golang.org/x/mod/sumdb/note's Verifier interface, so a checkpoint's
// cosignature lines are checked by note.Open like any other signature line.
// A Key is immutable and safe for concurrent use.
type Key struct {
	name string
	pub  ed25519.PublicKey
	hash uint32
}

// NewKey returns the cosignature/v1 key of the witness called name (its key
// name in signature lines, such as "witness.example/w1"). The name must be a
// valid signed-note key name: non-empty UTF-8 without Unicode spaces or '+'.
func NewKey(name string, pub ed25519.PublicKey) (*Key, error) {
	if !validName(name) {
		return nil, fmt.Errorf("witness: invalid key name %q", name)
	}
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("witness: Ed25519 public key of %d bytes", len(pub))
	}
	k := &Key{name: name, pub: append(ed25519.PublicKey(nil), pub...)}
	k.hash = keyHash(name, algCosignatureV1, k.pub)
	return k, nil
}

// ParseVerifierKey parses a witness key in the signed-note verifier-key
// ("vkey") encoding "<name>+<hex key ID>+<base64(type || key)>". The type
// is 0x04 (cosignature/v1) or 0x01 (plain Ed25519, the form witnesses such as
// omniwitness print; its key is then used for cosignature/v1, whose key ID
// differs). The key ID in the encoding must be the one the name, type and key
// give.
func ParseVerifierKey(vkey string) (*Key, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || len(hash16) != 8 {
		return nil, errors.New("witness: malformed verifier key")
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil {
		return nil, errors.New("witness: malformed verifier key ID")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize {
		return nil, errors.New("witness: malformed verifier key")
	}
	if raw[0] != algEd25519 && raw[0] != algCosignatureV1 {
		return nil, fmt.Errorf("witness: verifier key of unsupported type 0x%02x", raw[0])
	}
	if keyHash(name, raw[0], raw[1:]) != uint32(hash) {
		return nil, fmt.Errorf("witness: verifier key %q: key ID does not match the key", name)
	}
	return NewKey(name, raw[1:])
}

// Name returns the witness's key name. It implements note.Verifier.
func (k *Key) Name() string { return k.name }

// KeyHash returns the key ID of the witness's cosignature/v1 lines:
// the first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x04 || key). It
// implements note.Verifier.
func (k *Key) KeyHash() uint32 { return k.hash }

// PublicKey returns the witness's Ed25519 key.
func (k *Key) PublicKey() ed25519.PublicKey { return k.pub }

// VerifierKey returns k in the vkey encoding, with type 0x04.
func (k *Key) VerifierKey() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, k.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, k.pub...)))
}

// Verify reports whether sig (a cosignature line's signature, after its key
// ID) is k's cosignature/v1 of the note text msg: an 8-byte timestamp t
// followed by the Ed25519 signature of "cosignature/v1\ntime <t>\n" || msg.
// It implements note.Verifier.
func (k *Key) Verify(msg, sig []byte) bool {
	if len(sig) != CosignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	return ed25519.Verify(k.pub, CosignedMessage(t, msg), sig[8:])
}

// CosignedMessage returns the message a cosignature/v1 signature with
// timestamp t signs over the note text: "cosignature/v1\ntime <t>\n" || text.
func CosignedMessage(t uint64, text []byte) []byte {
	m := make([]byte, 0, 32+len(text))
	m = append(m, "cosignature/v1\ntime "...)
	m = strconv.AppendUint(m, t, 10)
	m = append(m, '\n')
	return append(m, text...)
}

// CosignatureTime returns the timestamp of a cosignature/v1 signature (the
// base64 field of its signature line: key ID, timestamp, signature). It does
// not verify anything.
func CosignatureTime(b64 string) (time.Time, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 4+CosignatureSize {
		return time.Time{}, errors.New("witness: not a cosignature/v1 signature")
	}
	t := binary.BigEndian.Uint64(raw[4:])
	if t > 1<<63-1 {
		return time.Time{}, errors.New("witness: cosignature timestamp out of range")
	}
	return time.Unix(int64(t), 0).UTC(), nil
}

func keyHash(name string, alg byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', alg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// validName reports whether name is a valid signed-note key name.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}
