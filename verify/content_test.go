package verify

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/policy"
)

func wantStep(t *testing.T, err error, step Step, substr string) {
	t.Helper()
	var verr *Error
	if !errors.As(err, &verr) {
		t.Fatalf("want a *verify.Error at %v, got %v", step, err)
	}
	if verr.Step != step {
		t.Fatalf("failed at %v, want %v: %v", verr.Step, step, err)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("error %q does not mention %q", err, substr)
	}
}

var artifactA = []byte("artifact A\n")

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%x", s[:])
}

func statementJSON(subjects ...string) string {
	return `{"_type":"https://in-toto.io/Statement/v1","subject":[` + strings.Join(subjects, ",") +
		`],"predicateType":"https://sigil.test/p","predicate":{"k":"v"}}`
}

func subjectJSON(name string, content []byte) string {
	return `{"name":"` + name + `","digest":{"sha256":"` + sha256Hex(content) + `"}}`
}

// TestPayloadTypes: DSSE payloads that are not in-toto verify only when the
// Verifier accepts their type by name, and the Result reports the type.
func TestPayloadTypes(t *testing.T) {
	k := newKit(t)
	const spdx = "application/spdx+json"
	b := k.dsse(t, spdx, artifactA)

	_, err := k.verifier(t).Verify(b, ArtifactReader(bytes.NewReader(artifactA)), k.policy())
	wantStep(t, err, StepSignature, `DSSE payload type "application/spdx+json" is not in-toto`)

	v := k.verifier(t, AllowPayloadType(spdx))
	res, err := v.Verify(b, ArtifactReader(bytes.NewReader(artifactA)), k.policy())
	if err != nil {
		t.Fatal(err)
	}
	if res.PayloadType != spdx || res.Statement != nil {
		t.Fatalf("payload type %q, statement %v", res.PayloadType, res.Statement)
	}
	_, err = v.Verify(b, ArtifactReader(strings.NewReader("other")), k.policy())
	wantStep(t, err, StepArtifact, "does not match the DSSE payload")
	// SelfCheck, for the bundle's own signer, accepts the type it chose.
	if err := k.verifier(t).SelfCheck()(b, crypto.SHA256, sha256Sum(artifactA)); err != nil {
		t.Fatalf("SelfCheck: %v", err)
	}
	// Another non-in-toto type is still refused.
	_, err = v.Verify(k.dsse(t, "text/plain", artifactA), UnsafeNoArtifact(), k.policy())
	wantStep(t, err, StepSignature, "is not in-toto")

	st := k.dsse(t, InTotoPayloadType, []byte(statementJSON(subjectJSON("a", artifactA))))
	res, err = k.verifier(t).Verify(st, ArtifactReader(bytes.NewReader(artifactA)), k.policy())
	if err != nil {
		t.Fatal(err)
	}
	if res.PayloadType != InTotoPayloadType || res.Statement == nil || res.Statement.Subject[0].Name != "a" {
		t.Fatalf("%+v", res)
	}

	for _, opt := range []Option{AllowPayloadType(""), AllowPayloadType(InTotoPayloadType)} {
		if _, err := New(k.root, opt); err == nil {
			t.Error("New accepted a bad AllowPayloadType")
		}
	}
}

// TestStrictStatement: statements other decoders could read differently
// from sigil fail, naming what is ambiguous.
func TestStrictStatement(t *testing.T) {
	k := newKit(t)
	v := k.verifier(t)
	a, b := subjectJSON("a", artifactA), subjectJSON("b", []byte("other"))
	head := `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://sigil.test/p",`
	for _, c := range []struct{ name, payload, err string }{
		{"repeated subject", head + `"subject":[` + b + `],"subject":[` + a + `]}`, `repeated field "subject"`},
		{"case-variant subject", head + `"subject":[` + b + `],"SUBJECT":[` + a + `]}`, `field "SUBJECT" differs from "subject" only by case`},
		{"case-variant first", head + `"Subject":[` + a + `],"subject":[` + b + `]}`, `field "Subject" differs`},
		{"escaped key", head + `"subject":[` + b + `],"\u0053ubject":[` + a + `]}`, `field "Subject" differs`},
		{"folded long s", head + `"subject":[` + b + `],"ſubject":[` + a + `]}`, `differs from "subject" only by case`},
		{"repeated _type", head + `"subject":[` + a + `],"_type":"https://in-toto.io/Statement/v1"}`, `repeated field "_type"`},
		{"repeated predicateType", head + `"subject":[` + a + `],"predicateType":"x"}`, `repeated field "predicateType"`},
		{"repeated digest", head + `"subject":[{"name":"a","digest":{"sha256":"00"},"digest":{"sha256":"` + sha256Hex(artifactA) + `"}}]}`, `repeated subject field "digest"`},
		{"case-variant digest", head + `"subject":[{"name":"a","Digest":{"sha256":"` + sha256Hex(artifactA) + `"}}]}`, `field "Digest" differs`},
		{"repeated algorithm", head + `"subject":[{"digest":{"sha256":"00","sha256":"` + sha256Hex(artifactA) + `"}}]}`, `digest algorithm "sha256" repeated`},
		{"case-variant algorithm", head + `"subject":[{"digest":{"sha256":"00","SHA256":"` + sha256Hex(artifactA) + `"}}]}`, `digest algorithm "sha256" repeated`},
		{"trailing data", head + `"subject":[` + a + `]} {}`, "data after the statement"},
		{"invalid UTF-8", head + `"subject":[{"name":"` + "\xff" + `","digest":{}}]}`, "invalid UTF-8"},
		{"lone surrogate", head + `"subject":[{"name":"\ud800","digest":{}}]}`, "lone surrogate"},
		{"predicate not an object", head + `"subject":[` + a + `],"predicate":[1]}`, "predicate is not an object"},
		{"no subject", head + `"subject":[]}`, "no subject"},
		{"unknown type", `{"_type":"x","subject":[` + a + `]}`, `unknown _type "x"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			bun := k.dsse(t, InTotoPayloadType, []byte(c.payload))
			_, err := v.Verify(bun, ArtifactReader(bytes.NewReader(artifactA)), k.policy())
			wantStep(t, err, StepSignature, c.err)
		})
	}
}

// TestStatementSubjectLimit: the decoder stops at the first subject beyond
// the limit.
func TestStatementSubjectLimit(t *testing.T) {
	k := newKit(t)
	v := k.verifier(t)
	sub := subjectJSON("a", artifactA)
	for _, n := range []int{limits.MaxStatementSubjects, limits.MaxStatementSubjects + 1} {
		subs := strings.Repeat(sub+",", n-1) + sub
		bun := k.dsse(t, InTotoPayloadType, []byte(statementJSON(subs)))
		res, err := v.Verify(bun, ArtifactDigest(crypto.SHA256, sha256Sum(artifactA)), k.policy())
		if n == limits.MaxStatementSubjects {
			if err != nil || len(res.Statement.Subject) != n {
				t.Fatalf("%d subjects: %v", n, err)
			}
			continue
		}
		wantStep(t, err, StepSignature, fmt.Sprintf("more than %d subjects", limits.MaxStatementSubjects))
	}
}

func sha256Sum(b []byte) []byte { s := sha256.Sum256(b); return s[:] }

// TestPolicyBeforeContent: a signer the policy rejects fails at StepPolicy
// even when the content is also wrong; the content is not examined.
func TestPolicyBeforeContent(t *testing.T) {
	k := newKit(t)
	other := newKit(t)
	bun := k.dsse(t, InTotoPayloadType, []byte(`{"subject":[],"SUBJECT":[]}`))
	_, err := k.verifier(t).Verify(bun, ArtifactReader(bytes.NewReader(artifactA)), policy.PublicKey(other.key.Public()))
	wantStep(t, err, StepPolicy, "")
}

// TestDecodeStatementAgreesWithEncodingJSON: whatever the strict decoder
// accepts, encoding/json reads the same way.
func TestDecodeStatementAgreesWithEncodingJSON(t *testing.T) {
	for _, p := range statementSeeds() {
		checkStatementAgreement(t, []byte(p))
	}
}

func checkStatementAgreement(t *testing.T, payload []byte) {
	st, err := decodeStatement(payload)
	if err != nil {
		return
	}
	var want Statement
	if err := json.Unmarshal(payload, &want); err != nil {
		t.Fatalf("strict decoder accepted what encoding/json rejects (%v): %q", err, payload)
	}
	got, _ := json.Marshal(st)
	exp, _ := json.Marshal(&want)
	if !bytes.Equal(got, exp) {
		t.Fatalf("decoders disagree on %q:\nstrict %s\njson   %s", payload, got, exp)
	}
}

func statementSeeds() []string {
	a := subjectJSON("a", artifactA)
	return []string{
		statementJSON(a),
		statementJSON(a, subjectJSON("b\u00e9\\u00e9\\n", []byte("x"))),
		`{"_type":"https://in-toto.io/Statement/v0.1","subject":[{"name":"x","digest":{"sha512":"00","gitCommit":"ab"},"uri":"u","annotations":{"a":[1,-2.5e3,true,null]}}],"predicateType":"p","extra":{"x":1}}`,
		` { "_type" : "https://in-toto.io/Statement/v1" , "subject" : [ ` + a + ` ] , "predicate" : { "a" : { "b" : [ ] } } } `,
		`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"\ud83d\ude00","digest":{"sha256":"x"}}]}`,
	}
}
