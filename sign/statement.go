package sign

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// In-toto constants.
const (
	// InTotoPayloadType is the DSSE payload type of in-toto statements.
	InTotoPayloadType = "application/vnd.in-toto+json"
	// StatementTypeV1 is the _type of an in-toto v1 statement.
	StatementTypeV1 = "https://in-toto.io/Statement/v1"
)

// Statement is an in-toto v1 statement: what was made (its subjects) and a
// claim about it (the predicate). Its JSON encoding is the in-toto one, the
// same as verify.Statement's.
type Statement struct {
	// Type is StatementTypeV1; empty means StatementTypeV1.
	Type string `json:"_type"`
	// Subject lists the artifacts the statement is about; at least one.
	Subject []Subject `json:"subject"`
	// PredicateType is a URI naming the predicate's schema; required.
	PredicateType string `json:"predicateType"`
	// Predicate is the claim, a JSON object; may be empty.
	Predicate json.RawMessage `json:"predicate,omitempty"`
}

// Subject is an in-toto subject: a name and its digests, keyed by algorithm
// name ("sha256", ...), hex-encoded.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// encodeStatement checks st and returns its JSON encoding.
func encodeStatement(st *Statement) ([]byte, error) {
	if st == nil {
		return nil, errors.New("sign: nil statement")
	}
	s := *st
	switch s.Type {
	case "":
		s.Type = StatementTypeV1
	case StatementTypeV1:
	default:
		return nil, fmt.Errorf("sign: statement _type %q, want %q", s.Type, StatementTypeV1)
	}
	if s.PredicateType == "" {
		return nil, errors.New("sign: statement without predicateType")
	}
	if n := len(s.Subject); n == 0 || n > limits.MaxStatementSubjects {
		return nil, fmt.Errorf("sign: statement with %d subjects, want 1 to %d", n, limits.MaxStatementSubjects)
	}
	for i, sub := range s.Subject {
		if len(sub.Digest) == 0 {
			return nil, fmt.Errorf("sign: statement subject %d (%q) has no digest", i, sub.Name)
		}
		for name, v := range sub.Digest {
			if v == "" {
				return nil, fmt.Errorf("sign: statement subject %d (%q): empty %s digest", i, sub.Name, name)
			}
			if h, ok := sigalg.DigestByName(name); ok {
				raw, err := hex.DecodeString(v)
				if err != nil || len(raw) != h.Size() || hex.EncodeToString(raw) != v {
					return nil, fmt.Errorf("sign: statement subject %d (%q): %s digest is not %d lowercase hex characters", i, sub.Name, name, 2*h.Size())
				}
			}
		}
	}
	if len(s.Predicate) > 0 {
		if trimmed := bytes.TrimLeft(s.Predicate, " \t\r\n"); !json.Valid(s.Predicate) || len(trimmed) == 0 || trimmed[0] != '{' {
			return nil, errors.New("sign: statement predicate is not a JSON object")
		}
	}
	out, err := json.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("sign: encoding statement: %w", err)
	}
	return out, nil
}
