package verify

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/intoto"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
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

	st := k.dsse(t, intoto.PayloadType, []byte(statementJSON(subjectJSON("a", artifactA))))
	res, err = k.verifier(t).Verify(st, ArtifactReader(bytes.NewReader(artifactA)), k.policy())
	if err != nil {
		t.Fatal(err)
	}
	if res.PayloadType != intoto.PayloadType || res.Statement == nil || res.Statement.Subject[0].Name != "a" {
		t.Fatalf("%+v", res)
	}

	for _, opt := range []Option{AllowPayloadType(""), AllowPayloadType(intoto.PayloadType)} {
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
			bun := k.dsse(t, intoto.PayloadType, []byte(c.payload))
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
		bun := k.dsse(t, intoto.PayloadType, []byte(statementJSON(subs)))
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
	bun := k.dsse(t, intoto.PayloadType, []byte(`{"subject":[],"SUBJECT":[]}`))
	_, err := k.verifier(t).Verify(bun, ArtifactReader(bytes.NewReader(artifactA)), policy.PublicKey(other.key.Public()))
	wantStep(t, err, StepPolicy, "")
}

// TestEd25519Convention: Ed25519 message signatures verify as Ed25519ph
// over the SHA-512 digest only; a pure Ed25519 signature over the artifact
// fails even when the caller supplies the artifact's bytes. DSSE envelopes
// verify as pure Ed25519, or as Ed25519ph for a key declared so.
func TestEd25519Convention(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	root, err := trustroot.ParseJSON([]byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(root, WithPublicKey("k", pub))
	if err != nil {
		t.Fatal(err)
	}
	vph, err := New(root, WithPublicKeyDetails("k", pub, "PKIX_ED25519_PH"))
	if err != nil {
		t.Fatal(err)
	}
	keyOnly := func(content any) *bundle.Bundle {
		pb := &protobundle.Bundle{MediaType: bundle.MediaTypeV03, VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: "k"}}}}
		switch c := content.(type) {
		case *protocommon.MessageSignature:
			pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: c}
		case *protodsse.Envelope:
			pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: c}
		}
		b, err := bundle.FromProto(pb)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sum := sha512.Sum512(artifactA)
	ph, err := priv.Sign(rand.Reader, sum[:], &ed25519.Options{Hash: crypto.SHA512})
	if err != nil {
		t.Fatal(err)
	}
	pure := ed25519.Sign(priv, artifactA)
	reader := func() Artifact { return ArtifactReader(bytes.NewReader(artifactA)) }
	digest := func() Artifact { return ArtifactDigest(crypto.SHA512, sum[:]) }
	p := policy.PublicKey(pub)

	for _, a := range []func() Artifact{reader, digest} {
		if _, err := v.Verify(keyOnly(&protocommon.MessageSignature{Signature: ph}), a(), p); err != nil {
			t.Fatalf("Ed25519ph message signature: %v", err)
		}
		withDigest := &protocommon.MessageSignature{Signature: ph, MessageDigest: &protocommon.HashOutput{
			Algorithm: protocommon.HashAlgorithm_SHA2_512, Digest: sum[:]}}
		if _, err := v.Verify(keyOnly(withDigest), a(), p); err != nil {
			t.Fatalf("Ed25519ph message signature with digest: %v", err)
		}
		_, err := v.Verify(keyOnly(&protocommon.MessageSignature{Signature: pure}), a(), p)
		wantStep(t, err, StepSignature, "pure Ed25519 over the artifact is not accepted")
	}

	// DSSE: pure Ed25519 over the PAE, unless the key is declared Ed25519ph.
	payload := []byte(statementJSON(subjectJSON("a", artifactA)))
	env := func(sig []byte) *protodsse.Envelope {
		return &protodsse.Envelope{PayloadType: intoto.PayloadType, Payload: payload, Signatures: []*protodsse.Signature{{Sig: sig}}}
	}
	pae := dsse.PAE(intoto.PayloadType, payload)
	pureEnv := keyOnly(env(ed25519.Sign(priv, pae)))
	paeSum := sha512.Sum512(pae)
	phSig, _ := priv.Sign(rand.Reader, paeSum[:], &ed25519.Options{Hash: crypto.SHA512})
	phEnv := keyOnly(env(phSig))
	if _, err := v.Verify(pureEnv, reader(), p); err != nil {
		t.Fatalf("pure Ed25519 DSSE: %v", err)
	}
	_, err = v.Verify(phEnv, reader(), p)
	wantStep(t, err, StepSignature, "DSSE envelope")
	if _, err := vph.Verify(phEnv, reader(), p); err != nil {
		t.Fatalf("Ed25519ph DSSE for a key declared PKIX_ED25519_PH: %v", err)
	}
	_, err = vph.Verify(pureEnv, reader(), p)
	wantStep(t, err, StepSignature, "DSSE envelope")
}
