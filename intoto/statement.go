package intoto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// In-toto names.
const (
	// PayloadType is the DSSE payload type of in-toto statements.
	PayloadType = "application/vnd.in-toto+json"
	// StatementTypeV1 is the _type of an in-toto v1 statement.
	StatementTypeV1 = "https://in-toto.io/Statement/v1"
	// StatementTypeV01 is the _type of its predecessor, v0.1, which
	// Unmarshal accepts (older signers write it) and Marshal does not write.
	StatementTypeV01 = "https://in-toto.io/Statement/v0.1"
)

// ErrInvalidStatement is wrapped by every error of Marshal and Unmarshal.
var ErrInvalidStatement = errors.New("in-toto statement")

// Statement is an in-toto statement: what was made (its subjects) and a
// claim about it (the predicate). Its JSON encoding is the in-toto one.
//
// In a Statement Unmarshal returned, Predicate shares memory with the
// decoded payload (for a verified bundle, the envelope's) and must not be
// modified.
type Statement struct {
	// Type is StatementTypeV1 (or, decoded, StatementTypeV01); empty means
	// StatementTypeV1 to Marshal.
	Type string `json:"_type"`
	// Subject lists the artifacts the statement is about; at least one.
	Subject []Subject `json:"subject"`
	// PredicateType is a URI naming the predicate's schema; required to
	// Marshal.
	PredicateType string `json:"predicateType"`
	// Predicate is the claim, a JSON object exactly as signed, or nil when
	// the statement has none.
	Predicate json.RawMessage `json:"predicate,omitempty"`
}

// Subject is an in-toto subject: a name and its digests, keyed by algorithm
// name ("sha256", ...), hex-encoded.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Marshal checks st (see the package documentation) and returns its JSON
// encoding, with Type StatementTypeV1 when it is empty. Errors wrap
// ErrInvalidStatement.
func Marshal(st *Statement) ([]byte, error) {
	if st == nil {
		return nil, errStatement("nil statement")
	}
	s := *st
	switch s.Type {
	case "":
		s.Type = StatementTypeV1
	case StatementTypeV1:
	default:
		return nil, errStatement("_type %q, want %q", s.Type, StatementTypeV1)
	}
	if s.PredicateType == "" {
		return nil, errStatement("no predicateType")
	}
	if n := len(s.Subject); n == 0 || n > limits.MaxStatementSubjects {
		return nil, errStatement("%d subjects, want 1 to %d", n, limits.MaxStatementSubjects)
	}
	for i, sub := range s.Subject {
		if len(sub.Digest) == 0 {
			return nil, errStatement("subject %d (%q) has no digest", i, sub.Name)
		}
		if len(sub.Digest) > maxSubjectDigests {
			return nil, errStatement("subject %d (%q) has %d digests, at most %d", i, sub.Name, len(sub.Digest), maxSubjectDigests)
		}
		for name, v := range sub.Digest {
			for other := range sub.Digest {
				if other != name && strings.EqualFold(other, name) {
					return nil, errStatement("subject %d (%q): digest names %q and %q differ only by case", i, sub.Name, name, other)
				}
			}
			if v == "" {
				return nil, errStatement("subject %d (%q): empty %s digest", i, sub.Name, name)
			}
			if h, ok := sigalg.DigestByName(name); ok {
				raw, err := hex.DecodeString(v)
				if err != nil || len(raw) != h.Size() || hex.EncodeToString(raw) != v {
					return nil, errStatement("subject %d (%q): %s digest is not %d lowercase hex characters", i, sub.Name, name, 2*h.Size())
				}
			}
		}
	}
	if len(s.Predicate) > 0 {
		if trimmed := bytes.TrimLeft(s.Predicate, " \t\r\n"); !json.Valid(s.Predicate) || len(trimmed) == 0 || trimmed[0] != '{' {
			return nil, errStatement("predicate is not a JSON object")
		}
	}
	out, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding: %v", ErrInvalidStatement, err)
	}
	return out, nil
}
