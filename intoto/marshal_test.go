package intoto

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestMarshal: what Marshal writes, Unmarshal reads back the same; what
// Unmarshal would refuse, Marshal refuses first, naming the rule.
func TestMarshal(t *testing.T) {
	good := func() *Statement {
		return &Statement{
			Subject:       []Subject{{Name: "a", Digest: map[string]string{"sha256": sha256Hex(artifactA), "gitCommit": "ab"}}},
			PredicateType: "https://sigil.test/p",
			Predicate:     []byte(`{"k":"v"}`),
		}
	}
	out, err := Marshal(good())
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(out)
	if err != nil || back.Type != StatementTypeV1 || back.Subject[0].Digest["gitCommit"] != "ab" || string(back.Predicate) != `{"k":"v"}` {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	many := map[string]string{}
	for i := range maxSubjectDigests + 1 {
		many[fmt.Sprintf("alg%d", i)] = "00"
	}
	for _, tc := range []struct {
		name, want string
		edit       func(s *Statement)
	}{
		{"v0.1 type", "_type", func(s *Statement) { s.Type = StatementTypeV01 }},
		{"no predicate type", "predicateType", func(s *Statement) { s.PredicateType = "" }},
		{"no subject", "0 subjects", func(s *Statement) { s.Subject = nil }},
		{"no digest", "no digest", func(s *Statement) { s.Subject[0].Digest = nil }},
		{"empty digest", "empty sha512", func(s *Statement) { s.Subject[0].Digest["sha512"] = "" }},
		{"uppercase hex", "lowercase hex", func(s *Statement) { s.Subject[0].Digest["sha256"] = strings.ToUpper(sha256Hex(artifactA)) }},
		{"short sha384", "96 lowercase hex", func(s *Statement) { s.Subject[0].Digest["sha384"] = "00" }},
		{"names differing by case", "differ only by case", func(s *Statement) { s.Subject[0].Digest["SHA256"] = sha256Hex(artifactA) }},
		{"too many digests", "at most 16", func(s *Statement) { s.Subject[0].Digest = many }},
		{"array predicate", "not a JSON object", func(s *Statement) { s.Predicate = []byte(`[1]`) }},
		{"invalid predicate", "not a JSON object", func(s *Statement) { s.Predicate = []byte(`{`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.edit(s)
			out, err := Marshal(s)
			if out != nil || !errors.Is(err, ErrInvalidStatement) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, %v; want ErrInvalidStatement naming %q", out, err, tc.want)
			}
		})
	}
	if _, err := Marshal(nil); !errors.Is(err, ErrInvalidStatement) {
		t.Errorf("nil: %v", err)
	}
}
