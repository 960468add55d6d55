package checkpoint

import (
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/witness"
)

// A Log is a trusted transparency log's checkpoint key, taken from the
// trusted root (never from a bundle). A Log is a plain value; [Open] checks
// it before use.
type Log struct {
	// BaseURL is the log's base URL in the trusted root. Its host names the
	// log's Rekor v2 checkpoints (see [Open]).
	BaseURL string
	// KeyID is the 4-byte key ID of the log's signature lines: the first 4
	// bytes of the trusted root's checkpoint key ID or log ID. For ECDSA logs
	// that is SHA-256 of the PKIX DER public key; for Ed25519 note keys it is
	// SHA-256(origin || "\n" || 0x01 || 32-byte key).
	KeyID [4]byte
	// Key is the log's public key: an *ecdsa.PublicKey on P-256, P-384 or
	// P-521 (signatures are ASN.1 DER over SHA-256, SHA-384 or SHA-512 of the
	// note text, matching the curve) or an ed25519.PublicKey.
	Key crypto.PublicKey
}

// ErrInvalidLog is wrapped by the error [Open] returns when the [Log] itself
// is unusable: a base URL without a host, or a missing or unsupported key.
// It reports a configuration error, not a property of the envelope, and is
// checked before the envelope is looked at.
var ErrInvalidLog = errors.New("checkpoint: invalid log")

// Reason says why a checkpoint failed verification.
type Reason int

const (
	// WrongOrigin means that the checkpoint's origin is not one the log
	// signs (see [Open]): it is another log's checkpoint.
	WrongOrigin Reason = iota + 1
	// NoLogSignature means that no signature line has both the log's key
	// name and its key ID.
	NoLogSignature
	// InvalidSignature means that a signature line with the log's key name
	// and key ID does not verify with the log's key.
	InvalidSignature
	// InvalidCosignature means that a signature line with a trusted
	// witness's key name and key ID does not verify with its key.
	InvalidCosignature
)

// String returns a short lowercase description of r.
func (r Reason) String() string {
	switch r {
	case WrongOrigin:
		return "origin is not the log's"
	case NoLogSignature:
		return "no signature from log"
	case InvalidSignature:
		return "invalid signature from log"
	case InvalidCosignature:
		return "invalid cosignature from trusted witness"
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// A VerificationError reports a well-formed envelope that is not a
// checkpoint of the log, or carries a bad signature from a trusted key: the
// envelope was checked and must not be trusted.
type VerificationError struct {
	// Reason says which check failed.
	Reason Reason
	// Origin is the checkpoint's (unverified) origin line.
	Origin string
	// Name and KeyID identify the key whose check failed: the log's (the key
	// name the origin implies), or a witness's for InvalidCosignature.
	Name  string
	KeyID [4]byte
}

// Error implements error.
func (e *VerificationError) Error() string {
	return fmt.Sprintf("checkpoint: %v: origin %q, key %q (key ID %x)", e.Reason, e.Origin, e.Name, e.KeyID[:])
}

// A Signed is a checkpoint verified by its log.
type Signed struct {
	Checkpoint
	// Note is the whole signed note as golang.org/x/mod/sumdb/note opened
	// it: its Sigs are the verified lines (the log's, then trusted
	// witnesses' in note order), its UnverifiedSigs every other line (keys
	// not asked for, identical repeats dropped).
	Note *note.Note
	// Cosignatures are the verified cosignatures of the trusted witnesses
	// given to Open, in note order, one per witness.
	Cosignatures []Cosignature
}

// A Cosignature is a verified witness cosignature.
type Cosignature struct {
	// Witness is the trusted key that made it.
	Witness *witness.Key
	// Time is the time the witness states it cosigned the checkpoint.
	Time time.Time
}

// Open parses a checkpoint envelope and verifies it as a checkpoint of log,
// checking the cosignature lines of the given trusted witnesses too. All
// signature lines go through one code path: golang.org/x/mod/sumdb/note's
// Open, with the log's key (an adapter for Rekor v1's ECDSA lines) and the
// witnesses' keys as its Verifiers.
//
// The origin line binds the checkpoint to the log before any signature is
// looked at, in one of two forms:
//   - Rekor v1: "<name> - <tree ID>" (decimal). The log signs as <name>, the
//     hostname its server was configured with; that name is not tied to the
//     base URL (real deployments sign as a pod name), so the key name must
//     equal <name> and the key ID and signature must be the log's.
//   - Rekor v2 (rekor-tiles, whose origin and key name are both its
//     --hostname): the origin must be the host name of log.BaseURL without
//     the port (what sigstore-go and cosign expect, and what rekor-tiles
//     signs when --hostname is that name) or, only when the base URL has an
//     explicit port, host:port (what rekor-tiles signs when --hostname
//     carries the port; other clients reject such checkpoints). The key name
//     must equal the origin.
//
// Then the log's line (key name as above, key ID log.KeyID) must verify, and
// so must every line that has a trusted witness's key name and key ID. Lines
// of other keys are ignored. Repeated lines of one key are verified once, as
// note.Open does. Only then is the text parsed as a checkpoint.
//
// Errors, checked in this order:
//   - log is unusable, or two keys given share a name and key ID: the error
//     wraps [ErrInvalidLog];
//   - the envelope is not a well-formed signed note within the bounds: the
//     error wraps [ErrMalformed];
//   - the origin is not the log's, no line is the log's, or a line of the
//     log or of a trusted witness does not verify: a *[VerificationError];
//   - the signed text is not a well-formed checkpoint: the error wraps
//     [ErrMalformed].
//
// Open never returns a Signed together with an error. It does not compare
// the size or root hash with anything, nor judge the cosignatures against a
// policy.
func Open(envelope []byte, log Log, witnesses ...*witness.Key) (*Signed, error) {
	return NewVerifier(log).Open(envelope, witnesses...)
}

// A Verifier is a Log prepared once, for opening many of its checkpoints:
// its signature algorithm and Rekor v2 origins are worked out when it is
// made, not for every envelope. It is immutable and safe for concurrent use.
type Verifier struct {
	log   Log
	alg   sigalg.Algorithm
	hosts []string
	err   error // why the log is unusable, returned by every Open
}

// NewVerifier prepares log. An unusable log is reported by every Open of
// the Verifier, exactly as [Open] reports it.
func NewVerifier(log Log) *Verifier {
	v := &Verifier{log: log}
	v.alg, v.hosts, v.err = log.check()
	return v
}

// Open is [Open] with the Verifier's log.
func (v *Verifier) Open(envelope []byte, witnesses ...*witness.Key) (*Signed, error) {
	if v.err != nil {
		return nil, v.err
	}
	log, alg, hosts := v.log, v.alg, v.hosts
	if err := checkBounds(envelope); err != nil {
		return nil, err
	}
	origin, _, _ := strings.Cut(string(envelope), "\n")
	name, ok := keyName(origin, hosts)
	verr := func(r Reason) error {
		return &VerificationError{Reason: r, Origin: origin, Name: name, KeyID: log.KeyID}
	}
	if !ok {
		return nil, verr(WrongOrigin)
	}
	lv := &logVerifier{name: name, hash: be32(log.KeyID), key: log.Key, alg: alg}
	known := make(verifiers, 1+len(witnesses))
	known[nameHash{lv.name, lv.hash}] = lv
	for _, w := range witnesses {
		k := nameHash{w.Name(), w.KeyHash()}
		if _, dup := known[k]; dup {
			return nil, fmt.Errorf("%w: two keys named %q with key ID %08x", ErrInvalidLog, k.name, k.hash)
		}
		known[k] = w
	}

	n, err := note.Open(envelope, known)
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			if inv.Name == lv.name && inv.Hash == lv.hash {
				return nil, verr(InvalidSignature)
			}
			return nil, &VerificationError{Reason: InvalidCosignature, Origin: origin, Name: inv.Name, KeyID: [4]byte{byte(inv.Hash >> 24), byte(inv.Hash >> 16), byte(inv.Hash >> 8), byte(inv.Hash)}}
		case errors.As(err, &unv):
			return nil, verr(NoLogSignature)
		}
		return nil, malformed("not a signed note")
	}
	s := &Signed{Note: n}
	logSigned := false
	for _, sig := range n.Sigs {
		if sig.Name == lv.name && sig.Hash == lv.hash {
			logSigned = true
			continue
		}
		w, _ := known[nameHash{sig.Name, sig.Hash}].(*witness.Key)
		t, err := witness.CosignatureTime(sig.Base64)
		if w == nil || err != nil { // cannot happen: the key verified the line
			return nil, malformed("unexpected verified signature")
		}
		s.Cosignatures = append(s.Cosignatures, Cosignature{Witness: w, Time: t})
	}
	if !logSigned {
		return nil, verr(NoLogSignature)
	}
	cp, err := parseBody([]byte(n.Text))
	if err != nil {
		return nil, err
	}
	s.Checkpoint = *cp
	return s, nil
}

// keyName returns the key name the log signs a checkpoint with this origin
// under, and whether the origin is one the log may sign (see Open).
func keyName(origin string, hosts []string) (string, bool) {
	if name, tree, ok := strings.Cut(origin, " - "); ok {
		_, treeOK := parseSize([]byte(tree))
		return name, treeOK && validNameString(name)
	}
	for _, h := range hosts {
		if origin == h {
			return origin, true
		}
	}
	return origin, false
}

// Origins returns the Rekor v2 origins a log with this base URL may sign:
// the host name without the port, then host:port if the URL has an explicit
// port. It returns nil if the URL has no host.
func Origins(baseURL string) []string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	hosts := []string{u.Hostname()}
	if u.Port() != "" {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

// check reports whether l can be used at all, and returns its algorithm and
// Rekor v2 origins.
func (l *Log) check() (sigalg.Algorithm, []string, error) {
	hosts := Origins(l.BaseURL)
	if hosts == nil {
		return sigalg.Algorithm{}, nil, fmt.Errorf("%w: base URL %q has no host", ErrInvalidLog, l.BaseURL)
	}
	alg, err := sigalg.ForKey(l.Key)
	if err != nil {
		return sigalg.Algorithm{}, nil, fmt.Errorf("%w: %v", ErrInvalidLog, err)
	}
	return alg, hosts, nil
}

// checkBounds bounds the envelope before note.Open looks at it: its size,
// its number of lines on each side of the last blank line, and the length of
// every line.
func checkBounds(env []byte) error {
	if len(env) > MaxNoteSize {
		return malformed("note larger than 128 KiB")
	}
	split := strings.LastIndex(string(env), "\n\n")
	if split < 0 {
		return malformed("no blank line before signatures")
	}
	if err := checkLines(env[:split+1], MaxTextLines, "too many text lines"); err != nil {
		return err
	}
	sigs := env[split+2:]
	if len(sigs) == 0 || sigs[len(sigs)-1] != '\n' {
		return malformed("no signature lines, or data after the last one")
	}
	return checkLines(sigs, MaxSignatures, "too many signature lines")
}

func be32(b [4]byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

type nameHash struct {
	name string
	hash uint32
}

// verifiers implements note.Verifiers over a fixed set of keys.
type verifiers map[nameHash]note.Verifier

func (m verifiers) Verifier(name string, hash uint32) (note.Verifier, error) {
	if v, ok := m[nameHash{name, hash}]; ok {
		return v, nil
	}
	return nil, &note.UnknownVerifierError{Name: name, KeyHash: hash}
}

// logVerifier adapts a log key to note.Verifier: Ed25519 over the text
// (Rekor v2), or ECDSA over the curve's hash of the text (Rekor v1, and
// rekor-tiles with an ECDSA key), by sigil's one algorithm allow-list.
type logVerifier struct {
	name string
	hash uint32
	key  crypto.PublicKey
	alg  sigalg.Algorithm
}

func (v *logVerifier) Name() string    { return v.name }
func (v *logVerifier) KeyHash() uint32 { return v.hash }
func (v *logVerifier) Verify(msg, sig []byte) bool {
	return v.alg.Verify(v.key, msg, sig) == nil
}
