// Package tlogcheck holds the transparency-log checks that both the verifier
// (package verify) and the Rekor clients (package sign) run on a
// log entry: the signed entry timestamp (SET, Rekor v1's inclusion promise)
// and the inclusion proof with its signed checkpoint.
//
// The functions are pure: every input is explicit, the trusted key and
// checkpoint verifier come from a trusted root, never from the entry. They
// do not compare the entry's body with anything; callers do that.
package tlogcheck

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/checkpoint"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/witness"
)

// Check names one of the checks of this package.
type Check string

// The checks an Error reports.
const (
	// CheckSET is the signed entry timestamp (inclusion promise).
	CheckSET Check = "inclusion promise"
	// CheckCheckpoint is the checkpoint's signature by the log, and its
	// agreement with the inclusion proof's tree size and root hash.
	CheckCheckpoint Check = "checkpoint"
	// CheckInclusionProof is the Merkle inclusion proof of the entry's body.
	CheckInclusionProof Check = "inclusion proof"
)

// Error is a failed check. Its message is that of Err, which it wraps.
type Error struct {
	Check Check
	Err   error
}

// Error implements error.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// CheckpointLog returns the checkpoint key of a trusted log: its base URL,
// its key, and the key ID of its signature lines (the first four bytes of the
// checkpoint key ID, or of the log ID when the root gives none). The origin
// rules of checkpoint.Open bind its checkpoints to it.
func CheckpointLog(l *trustroot.TrustedLog) checkpoint.Log {
	id := l.CheckpointKeyID
	if len(id) == 0 {
		id = l.LogID
	}
	cl := checkpoint.Log{BaseURL: l.BaseURL, Key: l.PublicKey}
	copy(cl.KeyID[:], id)
	return cl
}

// VerifySET checks e's signed entry timestamp with the log's key pub and
// algorithm alg, over the entry's body, integrated time, log ID and log
// index. e.SET must be set. A failure is an *Error with Check CheckSET.
func VerifySET(alg sigalg.Algorithm, pub crypto.PublicKey, e *bundle.TlogEntry) error {
	payload := rekor.SETPayload(e.Body, e.IntegratedTime, e.LogID, e.LogIndex)
	if err := alg.Verify(pub, payload, e.SET); err != nil {
		return &Error{CheckSET, fmt.Errorf("inclusion promise: %w", err)}
	}
	return nil
}

// VerifyLogIndex checks a Rekor v2 entry's top-level log index against the
// index its inclusion proof proves: a Rekor v2 log is one tree and signs no
// inclusion promise, so the proof is all that verifies the index, and they
// must be equal. Entries of Rekor v1 kinds pass: their index counts across
// the log's shards, their proof's within the shard's tree, and their
// inclusion promise (when present) signs the first. A failure is an *Error
// with Check CheckInclusionProof.
func VerifyLogIndex(e *bundle.TlogEntry) error {
	if !rekor.RekorV2Kind(e.Kind, e.KindVersion) {
		return nil
	}
	if e.Proof == nil {
		return &Error{CheckInclusionProof, errors.New("entry of a Rekor v2 kind without an inclusion proof")}
	}
	if e.Proof.LogIndex != e.LogIndex {
		return &Error{CheckInclusionProof, fmt.Errorf("log index %d is not the one the inclusion proof proves (%d)", e.LogIndex, e.Proof.LogIndex)}
	}
	return nil
}

// VerifyInclusion opens e's checkpoint as one of log, checking the
// cosignatures of the given trusted witnesses, checks that it states the
// inclusion proof's tree size and root hash, and verifies the RFC 6962
// inclusion proof of e's body at the proof's log index. e.Proof must be
// set. It returns the verified checkpoint; a failure is an *Error with Check
// CheckCheckpoint or CheckInclusionProof.
func VerifyInclusion(log *checkpoint.Verifier, e *bundle.TlogEntry, witnesses ...*witness.Key) (*checkpoint.Signed, error) {
	p := e.Proof
	c, err := log.Open(p.Checkpoint, witnesses...)
	if err != nil {
		return nil, &Error{CheckCheckpoint, err}
	}
	if c.Size != uint64(p.TreeSize) || !bytes.Equal(c.RootHash, p.RootHash) {
		return nil, &Error{CheckCheckpoint, fmt.Errorf("checkpoint (size %d) does not match the inclusion proof (size %d) or its root hash", c.Size, p.TreeSize)}
	}
	leaf := rfc6962.DefaultHasher.HashLeaf(e.Body)
	if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(p.LogIndex), uint64(p.TreeSize), leaf, p.Hashes, p.RootHash); err != nil {
		var rm proof.RootMismatchError
		if errors.As(err, &rm) {
			return nil, &Error{CheckInclusionProof, fmt.Errorf("inclusion proof: calculated root %x, checkpoint root %x", rm.CalculatedRoot, rm.ExpectedRoot)}
		}
		return nil, &Error{CheckInclusionProof, fmt.Errorf("inclusion proof: %w", err)}
	}
	return c, nil
}
