// Package witness holds the trusted material for checking witness
// cosignatures of transparency-log checkpoints: witness keys
// (c2sp.org/tlog-cosignature: cosignature/v1 over Ed25519, and subtree/v1
// over ML-DSA-44) and witness
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

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
)

// Signature-type bytes of c2sp.org/signed-note verifier keys.
const (
	algEd25519       = 0x01 // plain Ed25519 note signatures
	algCosignatureV1 = 0x04 // timestamped cosignature/v1 (Ed25519)
	algMLDSA44       = 0x06 // timestamped subtree/v1 cosignatures (ML-DSA-44)
)

// CosignatureSize is the size of a cosignature/v1 signature, after the 4-byte
// key ID of its signature line: an 8-byte big-endian timestamp (seconds since
// the Unix epoch) and a 64-byte Ed25519 signature.
const CosignatureSize = 8 + ed25519.SignatureSize

// MLDSACosignatureSize is the size of an ML-DSA-44 cosignature, after the
// 4-byte key ID of its signature line: an 8-byte big-endian timestamp and a
// 2420-byte ML-DSA-44 signature.
const MLDSACosignatureSize = 8 + mldsa44.SignatureSize

// MLDSAPublicKeySize is the size of an encoded ML-DSA-44 public key.
const MLDSAPublicKeySize = mldsa44.PublicKeySize

// A Key is a trusted witness's cosignature key: Ed25519 (cosignature/v1) or
// ML-DSA-44. It implements golang.org/x/mod/sumdb/note's Verifier interface,
// so a checkpoint's cosignature lines are checked by note.Open like any
// other signature line, whichever the algorithm. A Key is immutable and
// safe for concurrent use.
type Key struct {
	name  string
	alg   byte              // algCosignatureV1 or algMLDSA44
	pub   ed25519.PublicKey // Ed25519 keys
	mldsa *mldsa44.PublicKey
	raw   []byte // the key material of the vkey encoding
	hash  uint32
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
	k := &Key{name: name, alg: algCosignatureV1, pub: append(ed25519.PublicKey(nil), pub...)}
	k.raw = k.pub
	k.hash = keyHash(name, algCosignatureV1, k.pub)
	return k, nil
}

// NewMLDSAKey returns the ML-DSA-44 cosignature key of the witness called
// name, from its 1312-byte encoded public key (FIPS 204 pkEncode). Its
// cosignatures are c2sp.org/tlog-cosignature ML-DSA-44 signatures: of the
// subtree/v1 cosigned_message, which commits to the witness's name, the
// timestamp, the log's origin and the tree [0, size) with its root hash
// (not to extension lines).
func NewMLDSAKey(name string, pub []byte) (*Key, error) {
	if !validName(name) || len(name) > 255 {
		return nil, fmt.Errorf("witness: invalid key name %q", name)
	}
	if len(pub) != mldsa44.PublicKeySize {
		return nil, fmt.Errorf("witness: ML-DSA-44 public key of %d bytes", len(pub))
	}
	pk := new(mldsa44.PublicKey)
	if err := pk.UnmarshalBinary(pub); err != nil {
		return nil, fmt.Errorf("witness: ML-DSA-44 public key: %w", err)
	}
	k := &Key{name: name, alg: algMLDSA44, mldsa: pk, raw: append([]byte(nil), pub...)}
	k.hash = keyHash(name, algMLDSA44, k.raw)
	return k, nil
}

// ParseVerifierKey parses a witness key in the signed-note verifier-key
// ("vkey") encoding "<name>+<hex key ID>+<base64(type || key)>". The type
// is 0x04 (cosignature/v1), 0x01 (plain Ed25519, the form witnesses such as
// omniwitness print; its key is then used for cosignature/v1, whose key ID
// differs), each with a 32-byte Ed25519 key, or 0x06 (ML-DSA-44) with a
// 1312-byte ML-DSA-44 key. The key ID in the encoding must be the one the
// name, type and key give.
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
	if len(key64) > base64.StdEncoding.EncodedLen(1+mldsa44.PublicKeySize) {
		return nil, errors.New("witness: malformed verifier key")
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key64)
	if err != nil || len(raw) == 0 {
		return nil, errors.New("witness: malformed verifier key")
	}
	size := map[byte]int{algEd25519: ed25519.PublicKeySize, algCosignatureV1: ed25519.PublicKeySize, algMLDSA44: mldsa44.PublicKeySize}[raw[0]]
	if size == 0 {
		return nil, fmt.Errorf("witness: verifier key of unsupported type 0x%02x", raw[0])
	}
	if len(raw) != 1+size {
		return nil, errors.New("witness: malformed verifier key")
	}
	if keyHash(name, raw[0], raw[1:]) != uint32(hash) {
		return nil, fmt.Errorf("witness: verifier key %q: key ID does not match the key", name)
	}
	if raw[0] == algMLDSA44 {
		return NewMLDSAKey(name, raw[1:])
	}
	return NewKey(name, raw[1:])
}

// Name returns the witness's key name. It implements note.Verifier.
func (k *Key) Name() string { return k.name }

// KeyHash returns the key ID of the witness's cosignature lines: the first
// 4 bytes, big-endian, of SHA-256(name || "\n" || type || key), where type
// is 0x04 for Ed25519 (cosignature/v1) and 0x06 for ML-DSA-44. It
// implements note.Verifier.
func (k *Key) KeyHash() uint32 { return k.hash }

// PublicKey returns the witness's Ed25519 key, or nil for an ML-DSA-44 key
// (whose public form is its VerifierKey).
func (k *Key) PublicKey() ed25519.PublicKey { return k.pub }

// IsMLDSA reports whether k is an ML-DSA-44 key.
func (k *Key) IsMLDSA() bool { return k.alg == algMLDSA44 }

// VerifierKey returns k in the vkey encoding, with type 0x04 (Ed25519) or
// 0x06 (ML-DSA-44).
func (k *Key) VerifierKey() string {
	return fmt.Sprintf("%s+%08x+%s", k.name, k.hash, base64.StdEncoding.EncodeToString(append([]byte{k.alg}, k.raw...)))
}

// Verify reports whether sig (a cosignature line's signature, after its key
// ID) is k's cosignature of the note text msg. Both forms are an 8-byte
// big-endian timestamp t, at most 2^63-1, and a signature:
//   - Ed25519 (cosignature/v1): of "cosignature/v1\ntime <t>\n" || msg;
//   - ML-DSA-44 (FIPS 204, pure, empty context): of the subtree/v1
//     cosigned_message of k's name, t, and the checkpoint msg's origin, tree
//     [0, size) and root hash. msg must be a checkpoint (origin, size and
//     root hash lines, in c2sp.org/tlog-checkpoint syntax); its extension
//     lines are not signed.
//
// It implements note.Verifier.
func (k *Key) Verify(msg, sig []byte) bool {
	if len(sig) < 8 {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	if k.alg == algMLDSA44 {
		if len(sig) != MLDSACosignatureSize {
			return false
		}
		origin, size, root, ok := checkpointHead(msg)
		if !ok {
			return false
		}
		m, ok := subtreeMessage(k.name, t, origin, 0, size, root)
		return ok && mldsa44.Verify(k.mldsa, m, nil, sig[8:])
	}
	if len(sig) != CosignatureSize {
		return false
	}
	return ed25519.Verify(k.pub, CosignedMessage(t, msg), sig[8:])
}

// subtreeMessage returns the c2sp.org/tlog-cosignature cosigned_message an
// ML-DSA-44 cosignature signs: the label "subtree/v1\n\0", the cosigner's
// name and the log's origin (each 1..255 bytes, with a 1-byte length), the
// timestamp, start and end (big-endian uint64s) and the subtree's root
// hash. A checkpoint is the subtree [0, size). ok is false for names or
// origins out of bounds, and for a non-zero start with a non-zero
// timestamp (which the format forbids).
func subtreeMessage(name string, t uint64, origin string, start, end uint64, root [32]byte) ([]byte, bool) {
	if len(name) < 1 || len(name) > 255 || len(origin) < 1 || len(origin) > 255 || start != 0 && t != 0 {
		return nil, false
	}
	m := make([]byte, 0, 12+1+len(name)+8+1+len(origin)+8+8+32)
	m = append(m, "subtree/v1\n\x00"...)
	m = append(m, byte(len(name)))
	m = append(m, name...)
	m = binary.BigEndian.AppendUint64(m, t)
	m = append(m, byte(len(origin)))
	m = append(m, origin...)
	m = binary.BigEndian.AppendUint64(m, start)
	m = binary.BigEndian.AppendUint64(m, end)
	return append(m, root[:]...), true
}

// checkpointHead parses the first three lines of a checkpoint's note text
// (c2sp.org/tlog-checkpoint): a non-empty origin, the tree size in decimal
// without leading zeros, and the root hash in standard, canonical base64,
// each ending in a newline. Extension lines may follow; they are not read.
func checkpointHead(text []byte) (origin string, size uint64, root [32]byte, ok bool) {
	lines := strings.SplitN(string(text), "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return "", 0, root, false
	}
	if lines[1] == "" || len(lines[1]) > 1 && lines[1][0] == '0' {
		return "", 0, root, false
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return "", 0, root, false
	}
	h, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(h) != 32 {
		return "", 0, root, false
	}
	return lines[0], size, [32]byte(h), true
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

// CosignatureTime returns the timestamp of an Ed25519 or ML-DSA-44
// cosignature (the base64 field of its signature line: key ID, timestamp,
// signature), or the zero time.Time for a timestamp of 0: a cosignature
// that makes no statement about when it was made (which ML-DSA-44
// cosigners may send; the Unix epoch is no time a witness cosigned at). It
// does not verify anything.
func CosignatureTime(b64 string) (time.Time, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != 4+CosignatureSize && len(raw) != 4+MLDSACosignatureSize {
		return time.Time{}, errors.New("witness: not a cosignature")
	}
	t := binary.BigEndian.Uint64(raw[4:])
	if t > 1<<63-1 {
		return time.Time{}, errors.New("witness: cosignature timestamp out of range")
	}
	if t == 0 {
		return time.Time{}, nil
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
