package sign_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/verify"
)

// mutate returns a copy of b changed by f.
func mutate(t *testing.T, b *bundle.Bundle, f func(pb *protobundle.Bundle)) *bundle.Bundle {
	t.Helper()
	pb := b.Proto()
	f(pb)
	m, err := bundle.FromProto(pb)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func verifyArtifact(f *fixture, b *bundle.Bundle, data []byte) error {
	_, err := f.v.Verify(b, verify.ArtifactReader(bytes.NewReader(data)), f.policy)
	return err
}

// TestWrongKey: a key bundle verified with a key that did not sign it.
func TestWrongKey(t *testing.T) {
	f := newFixture(t, "p256", matKey, rootSpec{})
	bun := signContent(t, f.builder(t), "message")
	other := key("p256-other").Public()

	// The verifier trusts another key for the bundle's hint... no: it trusts
	// another key under that key's own hint. The bundle's hint names no key
	// the verifier knows, so verification stops before any signature check:
	// StepKey.
	o := newFixture(t, "p256-other", matKey, rootSpec{})
	_, err := o.v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	assertStep(t, err, verify.StepKey)

	// A verifier that trusts another key for every public-key bundle (empty
	// hint) tries it, and the signature does not verify: StepSignature.
	v, err := verify.New(trustedRoot(t, rootSpec{}), verify.WithPublicKey("", other))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	assertStep(t, err, verify.StepSignature)

	// The same for DSSE.
	dbun := signContent(t, f.builder(t), "dsse")
	_, err = v.Verify(dbun, verify.ArtifactReader(bytes.NewReader(artifact)), policy.UnsafeAnySigner())
	assertStep(t, err, verify.StepSignature)
}

// TestWrongChain: a certificate bundle verified against a trusted root whose
// CA did not issue the certificate.
func TestWrongChain(t *testing.T) {
	for _, mat := range []string{matCert, matChain} {
		t.Run(mat, func(t *testing.T) {
			f := newFixture(t, "p384", mat, rootSpec{})
			bun := signContent(t, f.builder(t), "message")
			// Another enterprise PKI with the same names, different keys.
			other := newPKI(t, "enterprise", true)
			v, err := verify.New(trustedRoot(t, rootSpec{cas: []*pki{other}}))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
			assertStep(t, err, verify.StepCertificate)
			// No CA at all.
			v, _ = verify.New(trustedRoot(t, rootSpec{}))
			_, err = v.Verify(bun, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
			assertStep(t, err, verify.StepCertificate)
		})
	}
}

// TestTampered mutates each signed part of the output and checks the step
// that catches it.
func TestTampered(t *testing.T) {
	for _, alg := range []string{"p256", "ed25519", "rsa2048"} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, alg, matKey, rootSpec{})
			msg := signContent(t, f.builder(t), "message")
			env := signContent(t, f.builder(t), "dsse")

			// The message signature: the signature check fails.
			bad := mutate(t, msg, func(pb *protobundle.Bundle) { pb.GetMessageSignature().Signature[5] ^= 1 })
			assertStep(t, verifyArtifact(f, bad, artifact), verify.StepSignature)
			// The message digest: it no longer matches the artifact.
			bad = mutate(t, msg, func(pb *protobundle.Bundle) { pb.GetMessageSignature().MessageDigest.Digest[0] ^= 1 })
			assertStep(t, verifyArtifact(f, bad, artifact), verify.StepArtifact)
			// ... and with the artifact taken from the bundle, the signature
			// over the changed digest fails.
			_, err := f.v.Verify(bad, verify.UnsafeNoArtifact(), f.policy)
			assertStep(t, err, verify.StepSignature)
			// The DSSE signature, payload and payload type.
			bad = mutate(t, env, func(pb *protobundle.Bundle) { pb.GetDsseEnvelope().Signatures[0].Sig[3] ^= 1 })
			assertStep(t, verifyArtifact(f, bad, artifact), verify.StepSignature)
			bad = mutate(t, env, func(pb *protobundle.Bundle) {
				pb.GetDsseEnvelope().Payload = bytes.Replace(pb.GetDsseEnvelope().Payload, []byte("sigil tests"), []byte("sigil tesTs"), 1)
			})
			assertStep(t, verifyArtifact(f, bad, artifact), verify.StepSignature)
			bad = mutate(t, env, func(pb *protobundle.Bundle) { pb.GetDsseEnvelope().PayloadType += "x" })
			assertStep(t, verifyArtifact(f, bad, artifact), verify.StepSignature)
		})
	}
}

// TestTamperedWithServices: with a timestamp and a log entry, a changed
// signature is caught by the first check that covers it.
func TestTamperedWithServices(t *testing.T) {
	tsa, log := newTSA(t), newLog(t)
	f := newFixture(t, "p256", matChain, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{log}})
	bun := signContent(t, f.builder(t, withServices(tsa, log)...), "message")
	// The signature: the log entry records it, and log entries are checked
	// before the timestamp threshold.
	bad := mutate(t, bun, func(pb *protobundle.Bundle) { pb.GetMessageSignature().Signature[5] ^= 1 })
	assertStep(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog)
	// Without a log, the timestamp covering the signature no longer
	// verifies, so too few timestamps did.
	ft := newFixture(t, "p256", matChain, rootSpec{tsas: []*testTSA{tsa}})
	tbun := signContent(t, ft.builder(t, sign.WithTimestamper(tsa)), "message")
	bad = mutate(t, tbun, func(pb *protobundle.Bundle) { pb.GetMessageSignature().Signature[5] ^= 1 })
	assertStep(t, verifyArtifact(ft, bad, artifact), verify.StepTimestamp)
	// The log entry's body (its leaf hash no longer matches the proof).
	bad = mutate(t, bun, func(pb *protobundle.Bundle) {
		e := pb.GetVerificationMaterial().GetTlogEntries()[0]
		e.CanonicalizedBody = bytes.Replace(e.CanonicalizedBody, []byte(`"0.0.2"`), []byte(`"0.0.2" `), 1)
	})
	assertStep(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog)
	// The checkpoint.
	bad = mutate(t, bun, func(pb *protobundle.Bundle) {
		cp := pb.GetVerificationMaterial().GetTlogEntries()[0].GetInclusionProof().GetCheckpoint()
		cp.Envelope = "other." + cp.Envelope
	})
	assertStep(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog)
	// The timestamp itself.
	bad = mutate(t, bun, func(pb *protobundle.Bundle) {
		ts := pb.GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps()[0]
		ts.SignedTimestamp[len(ts.SignedTimestamp)-3] ^= 1
	})
	assertStep(t, verifyArtifact(f, bad, artifact), verify.StepTimestamp)
}

// TestWrongArtifact: the signature is good, the artifact is another one.
func TestWrongArtifact(t *testing.T) {
	for _, content := range []string{"message", "dsse"} {
		t.Run(content, func(t *testing.T) {
			f := newFixture(t, "p521", matCert, rootSpec{})
			bun := signContent(t, f.builder(t), content)
			assertStep(t, verifyArtifact(f, bun, []byte("another artifact")), verify.StepArtifact)
			sum := sha256.Sum256([]byte("another artifact"))
			_, err := f.v.Verify(bun, verify.ArtifactDigest(cryptoSHA256, sum[:]), f.policy)
			assertStep(t, err, verify.StepArtifact)
		})
	}
}

// TestSelfCheckFails: a builder whose self-check verifier does not trust its
// key returns an error wrapping ErrSelfCheck and the verify.Error, and no
// bundle.
func TestSelfCheckFails(t *testing.T) {
	f := newFixture(t, "p256", matKey, rootSpec{})
	other := newFixture(t, "p256-other", matKey, rootSpec{})
	b, err := signNewBuilder(f, other.v.SelfCheck())
	if err != nil {
		t.Fatal(err)
	}
	for _, content := range []string{"message", "dsse"} {
		var bun *bundle.Bundle
		if content == "message" {
			bun, err = b.SignArtifact(context.Background(), bytes.NewReader(artifact))
		} else {
			bun, err = b.SignStatement(context.Background(), artifactStatement())
		}
		if bun != nil {
			t.Fatal("bundle returned with a failed self-check")
		}
		if !isSelfCheck(err) {
			t.Fatalf("%s: got %v, want ErrSelfCheck", content, err)
		}
		assertStep(t, err, verify.StepKey)
	}
}
