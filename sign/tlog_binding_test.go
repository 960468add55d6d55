package sign_test

// Verifier tests of what a transparency-log entry must bind (issue 9, items
// 1, 2, 3, 5 and 7): bundles made by the builder without a self-check,
// against the kit's logs and TSAs, some of them misbehaving, and checked by
// sigil's verifier. Each negative case asserts the failing step and why.

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/verify"
)

// signUnchecked signs content with f's credential and the given services,
// without a self-check: the bundle may be one the verifier must reject.
func signUnchecked(t *testing.T, f *fixture, content string, opts ...sign.Option) *bundle.Bundle {
	t.Helper()
	b, err := sign.NewBundleBuilder(f.cred, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return signContent(t, b, content)
}

// assertFailure checks that err is a *verify.Error at step whose message
// contains substr.
func assertFailure(t *testing.T, err error, step verify.Step, substr string) {
	t.Helper()
	assertStep(t, err, step)
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("error %q does not say %q", err, substr)
	}
}

func logVersion(v1 bool) string {
	if v1 {
		return "v1"
	}
	return "v2"
}

// Item 1: an entry that records only the certificate's key does not bind a
// certificate bundle: Rekor v1 hashedrekord and dsse, Rekor v2 hashedrekord
// (message and DSSE) and dsse.
func TestLogEntryMustRecordCertificate(t *testing.T) {
	for _, v1 := range []bool{true, false} {
		for _, content := range []string{"message", "dsse", "dsse-as-hashedrekord"} {
			if v1 && content == "dsse-as-hashedrekord" {
				continue // not a Rekor v1 mapping (TestDSSEWithRekorV1HashedRekord)
			}
			t.Run(logVersion(v1)+"/"+content, func(t *testing.T) {
				log := newLog(t)
				log.v1, log.envelopeAsHashedRekord = v1, content == "dsse-as-hashedrekord"
				content := strings.TrimSuffix(content, "-as-hashedrekord")
				f := newFixture(t, "p256", matCert, rootSpec{logs: []*testLog{log}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps())
				// The log records the certificate: the bundle verifies.
				good := signUnchecked(t, f, content, sign.WithTransparencyLog(log))
				if err := verifyArtifact(f, good, artifact); err != nil {
					t.Fatalf("entry recording the certificate: %v", err)
				}
				// The log records the certificate's public key only.
				log.recordKey = true
				bad := signUnchecked(t, f, content, sign.WithTransparencyLog(log))
				assertFailure(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog, "records a public key, not the signer's certificate")
			})
		}
	}
}

// Item 5: a Rekor v1 hashedrekord 0.0.1 entry over the digest of a DSSE
// envelope's PAE says a blob was signed; it does not verify a DSSE bundle.
// Rekor v2's hashedrekord 0.0.2 over the same digest does.
func TestDSSEWithRekorV1HashedRekord(t *testing.T) {
	for _, mat := range []string{matKey, matCert} {
		t.Run(mat, func(t *testing.T) {
			v1, v2 := newNamedLog(t, "v1.log.sigil.test"), newNamedLog(t, "v2.log.sigil.test")
			v1.v1, v1.envelopeAsHashedRekord, v2.envelopeAsHashedRekord = true, true, true
			f := newFixture(t, "p256", mat, rootSpec{logs: []*testLog{v1, v2}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps())
			good := signUnchecked(t, f, "dsse", sign.WithTransparencyLog(v2))
			res, err := f.v.Verify(good, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
			if err != nil {
				t.Fatalf("Rekor v2 hashedrekord 0.0.2 entry: %v", err)
			}
			if got := res.TlogEntries[0].Kind; got != "hashedrekord/0.0.2" {
				t.Fatalf("entry kind %s", got)
			}
			bad := signUnchecked(t, f, "dsse", sign.WithTransparencyLog(v1))
			assertFailure(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog, "hashedrekord 0.0.1 entry records a signed blob, not a DSSE envelope")
		})
	}
}

// Item 7(c): a Rekor v2 entry's key details must name the algorithm the
// signer signs with.
func TestRekorV2KeyDetails(t *testing.T) {
	for _, tc := range []struct{ alg, content, details, right string }{
		{"p256", "message", "PKIX_ECDSA_P384_SHA_384", "PKIX_ECDSA_P256_SHA_256"},
		{"p384", "message", "PKIX_ECDSA_P256_SHA_256", "PKIX_ECDSA_P384_SHA_384"},
		{"ed25519", "message", "PKIX_ED25519", "PKIX_ED25519_PH"}, // digests are signed as Ed25519ph
		{"ed25519", "dsse", "PKIX_ED25519_PH", "PKIX_ED25519"},    // envelopes as pure Ed25519
		{"rsa2048", "message", "PKIX_RSA_PKCS1V15_3072_SHA256", "PKIX_RSA_PKCS1V15_2048_SHA256"},
		{"rsa2048", "dsse", "PKIX_RSA_PSS_2048_SHA256", "PKIX_RSA_PKCS1V15_2048_SHA256"},
		{"p256", "dsse", "PKIX_UNKNOWN", "PKIX_ECDSA_P256_SHA_256"},
	} {
		t.Run(tc.alg+"/"+tc.content+"/"+tc.details, func(t *testing.T) {
			log := newLog(t)
			f := newFixture(t, tc.alg, matKey, rootSpec{logs: []*testLog{log}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps())
			if err := verifyArtifact(f, signUnchecked(t, f, tc.content, sign.WithTransparencyLog(log)), artifact); err != nil {
				t.Fatalf("key details the kit derives: %v", err)
			}
			log.keyDetails = tc.right
			if err := verifyArtifact(f, signUnchecked(t, f, tc.content, sign.WithTransparencyLog(log)), artifact); err != nil {
				t.Fatalf("key details %s: %v", tc.right, err)
			}
			log.keyDetails = tc.details
			bad := signUnchecked(t, f, tc.content, sign.WithTransparencyLog(log))
			assertFailure(t, verifyArtifact(f, bad, artifact), verify.StepTransparencyLog, "entry key details "+tc.details)
		})
	}
}

// Item 7(a): a Rekor v2 entry's log index must be the one its inclusion
// proof proves, and the Result reports the verified index. A Rekor v1
// entry's index is signed by its inclusion promise (and may differ from
// its proof's, which counts within a shard).
func TestLogIndexBoundToProof(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		t.Run(logVersion(v1), func(t *testing.T) {
			log := newLog(t)
			log.v1, log.statedIndex = v1, 7
			f := newFixture(t, "p256", matKey, rootSpec{logs: []*testLog{log}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps())
			b := signUnchecked(t, f, "message", sign.WithTransparencyLog(log))
			res, err := f.v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
			if !v1 {
				assertFailure(t, err, verify.StepTransparencyLog, "log index 7 is not the one the inclusion proof proves (0)")
				log.statedIndex = 0
				b = signUnchecked(t, f, "message", sign.WithTransparencyLog(log))
				if res, err = f.v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy); err != nil {
					t.Fatal(err)
				}
				if got := res.TlogEntries[0].LogIndex; got != 0 {
					t.Fatalf("LogIndex %d, want 0", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Rekor v1 entry with a signed index: %v", err)
			}
			if got := res.TlogEntries[0].LogIndex; got != 7 {
				t.Fatalf("LogIndex %d, want the signed 7", got)
			}
		})
	}
}

// Item 2: an entry without an inclusion promise counts only if its log's key
// was valid at every verified time of the bundle or, with none, at the
// verifier's clock.
func TestLogKeyValidityWithoutPromise(t *testing.T) {
	expired := func(tb testing.TB, origin string) *testLog {
		l := newNamedLog(tb, origin)
		l.validFrom, l.validTo = farPast, farPast.AddDate(1, 0, 0)
		return l
	}
	t.Run("no verified time: the clock", func(t *testing.T) {
		// A key bundle, UnsafeNoTimestamps: nothing dates the entry but the
		// verifier's clock, and the log's key expired years before it.
		old := expired(t, "old.log.sigil.test")
		f := newFixture(t, "p256", matKey, rootSpec{logs: []*testLog{old}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps())
		b := signUnchecked(t, f, "message", sign.WithTransparencyLog(old))
		assertFailure(t, verifyArtifact(f, b, artifact), verify.StepTransparencyLog, "outside the log key's validity window")
		// A clock inside the window accepts it.
		inside := func() time.Time { return farPast.AddDate(0, 6, 0) }
		f2 := newFixture(t, "p256", matKey, rootSpec{logs: []*testLog{old}}, verify.RequireTlogEntries(1), verify.UnsafeNoTimestamps(), verify.WithClock(inside))
		if err := verifyArtifact(f2, b, artifact); err != nil {
			t.Fatalf("clock inside the key's window: %v", err)
		}
	})
	t.Run("another entry's integrated time", func(t *testing.T) {
		// A valid Rekor v1 entry dates the bundle by its SET; the Rekor v2
		// entry's log key was not valid then.
		v1, old := newNamedLog(t, "v1.log.sigil.test"), expired(t, "old.log.sigil.test")
		v1.v1 = true
		spec := rootSpec{logs: []*testLog{v1, old}}
		f := newFixture(t, "p256", matCert, spec, verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
		b := signUnchecked(t, f, "message", sign.WithTransparencyLog(v1), sign.WithTransparencyLog(old))
		assertFailure(t, verifyArtifact(f, b, artifact), verify.StepTransparencyLog, "entry 1 (log index 0): entry without an inclusion promise, dated "+time.Unix(mustIntegrated(t, b), 0).UTC().Format(time.RFC3339))
		// In audit mode the expired entry does not count toward the
		// threshold: two entries, one counted.
		f2 := newFixture(t, "p256", matCert, spec, verify.RequireTlogEntries(2), verify.RequireTimestamps(1))
		rep := f2.v.Audit(b, verify.ArtifactReader(bytes.NewReader(artifact)), f2.policy)
		if rep.Verified() || len(rep.Failures) != 2 || rep.Failures[0].Step != verify.StepTransparencyLog || !errors.Is(rep.Failures[1], verify.ErrThreshold) {
			t.Fatalf("want the expired entry and the threshold reported, got %v", rep.Failures)
		}
		if !strings.Contains(rep.Failures[1].Error(), "1 verified entries") {
			t.Fatalf("threshold failure %q does not count 1 entry", rep.Failures[1])
		}
	})
	t.Run("an RFC 3161 time", func(t *testing.T) {
		tsa, old := newTSA(t), expired(t, "old.log.sigil.test")
		f := newFixture(t, "p256", matCert, rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{old}}, verify.RequireTlogEntries(1), verify.RequireTimestamps(1))
		b := signUnchecked(t, f, "message", sign.WithTimestamper(tsa), sign.WithTransparencyLog(old))
		assertFailure(t, verifyArtifact(f, b, artifact), verify.StepTransparencyLog, "outside the log key's validity window")
	})
}

func mustIntegrated(t *testing.T, b *bundle.Bundle) int64 {
	t.Helper()
	for _, e := range b.TlogEntries() {
		if e.SET != nil {
			return e.IntegratedTime
		}
	}
	t.Fatal("no entry with an inclusion promise")
	return 0
}

// Item 3: logs and TSAs of one operator count once toward thresholds; those
// the trusted root names no operator for count by log or authority.
func TestThresholdsCountOperators(t *testing.T) {
	t.Run("logs", func(t *testing.T) {
		a, b, c := newNamedLog(t, "a.log.sigil.test"), newNamedLog(t, "b.log.sigil.test"), newNamedLog(t, "c.log.sigil.test")
		tsa := newTSA(t)
		a.operator, b.operator, c.operator = "one.sigil.test", "one.sigil.test", "two.sigil.test"
		spec := rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{a, b, c}}
		if _, err := verify.New(trustedRoot(t, spec), verify.RequireTlogEntries(3)); err == nil || !strings.Contains(err.Error(), "lists 2 independent transparency logs") {
			t.Fatalf("RequireTlogEntries(3) with two operators: %v", err)
		}
		f := newFixture(t, "p256", matCert, spec, verify.RequireTlogEntries(2), verify.RequireTimestamps(1))
		same := signUnchecked(t, f, "message", sign.WithTimestamper(tsa), sign.WithTransparencyLog(a), sign.WithTransparencyLog(b))
		err := verifyArtifact(f, same, artifact)
		assertFailure(t, err, verify.StepTransparencyLog, "1 verified entries from distinct logs")
		if !errors.Is(err, verify.ErrThreshold) {
			t.Fatalf("%v does not wrap ErrThreshold", err)
		}
		two := signUnchecked(t, f, "message", sign.WithTimestamper(tsa), sign.WithTransparencyLog(a), sign.WithTransparencyLog(c))
		res, err := f.v.Verify(two, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
		if err != nil {
			t.Fatalf("logs of two operators: %v", err)
		}
		if res.TlogEntries[0].Operator != "one.sigil.test" || res.TlogEntries[1].Operator != "two.sigil.test" {
			t.Fatalf("operators reported: %+v", res.TlogEntries)
		}
		// Without operators in the root, a and b are two logs.
		a.operator, b.operator, c.operator = "", "", ""
		fn := newFixture(t, "p256", matCert, spec, verify.RequireTlogEntries(2), verify.RequireTimestamps(1))
		if err := verifyArtifact(fn, same, artifact); err != nil {
			t.Fatalf("two logs without operators: %v", err)
		}
	})
	t.Run("timestamp authorities", func(t *testing.T) {
		x, y, z := newTSA(t), newTSA(t), newTSA(t)
		x.uri, y.uri, z.uri = "https://x.tsa.sigil.test", "https://y.tsa.sigil.test", "https://z.tsa.sigil.test"
		x.operator, y.operator = "one.sigil.test", "one.sigil.test"
		spec := rootSpec{tsas: []*testTSA{x, y, z}}
		if _, err := verify.New(trustedRoot(t, spec), verify.RequireTimestamps(3)); err == nil || !strings.Contains(err.Error(), "lists 2 independent timestamp authorities") {
			t.Fatalf("RequireTimestamps(3) with two operators: %v", err)
		}
		f := newFixture(t, "p256", matCert, spec, verify.RequireTimestamps(2), verify.UnsafeNoTlogEntries())
		same := signUnchecked(t, f, "message", sign.WithTimestamper(x), sign.WithTimestamper(y))
		err := verifyArtifact(f, same, artifact)
		assertFailure(t, err, verify.StepTimestamp, "1 verified observer timestamps")
		if !errors.Is(err, verify.ErrThreshold) {
			t.Fatalf("%v does not wrap ErrThreshold", err)
		}
		res, err := f.v.Verify(signUnchecked(t, f, "message", sign.WithTimestamper(x), sign.WithTimestamper(z)), verify.ArtifactReader(bytes.NewReader(artifact)), f.policy)
		if err != nil {
			t.Fatalf("an operator's TSA and a TSA with no operator: %v", err)
		}
		if res.Timestamps[0].Operator != "one.sigil.test" || res.Timestamps[1].Operator != "" {
			t.Fatalf("operators reported: %+v", res.Timestamps)
		}
	})
	t.Run("a log and a TSA of one operator", func(t *testing.T) {
		l, tsa := newLog(t), newTSA(t)
		l.v1, l.operator, tsa.operator = true, "one.sigil.test", "one.sigil.test"
		spec := rootSpec{tsas: []*testTSA{tsa}, logs: []*testLog{l}}
		if _, err := verify.New(trustedRoot(t, spec), verify.RequireTimestamps(2)); err == nil || !strings.Contains(err.Error(), "lists 1 independent timestamp authorities and transparency logs") {
			t.Fatalf("RequireTimestamps(2) with one operator: %v", err)
		}
		tsa.operator = "two.sigil.test"
		f := newFixture(t, "p256", matCert, spec, verify.RequireTimestamps(2), verify.RequireTlogEntries(1))
		b := signUnchecked(t, f, "message", sign.WithTimestamper(tsa), sign.WithTransparencyLog(l))
		if _, err := f.v.Verify(b, verify.ArtifactReader(bytes.NewReader(artifact)), f.policy); err != nil {
			t.Fatalf("a SET and a timestamp of two operators: %v", err)
		}
	})
}
