package verify_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/verify"
)

const conformanceDir = "../testdata/conformance"

// conformanceCase is one entry of testdata/conformance/cases.json.
type conformanceCase struct {
	Name            string `json:"name"`
	Bundle          string `json:"bundle"`
	Artifact        string `json:"artifact"`
	ArtifactDigest  string `json:"artifact_digest"`
	TrustedRoot     string `json:"trusted_root"`
	TrustedRootFile string `json:"trusted_root_file"`
	Identity        string `json:"identity"`
	Issuer          string `json:"issuer"`
	Key             string `json:"key"`
	Expect          string `json:"expect"`
	PolicyDependent bool   `json:"policy_dependent"`
}

func loadCases(t testing.TB) []conformanceCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(conformanceDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// wantStep is the step at which each failing case must fail: the cause, not
// just the verdict. A fail case missing here fails the test.
var wantStep = map[string]verify.Step{
	// Structure: rejected by bundle.Parse before any check runs.
	"conformance/bundle-empty-certificate-chain_fail":       verify.StepBundle, // empty chain (also: proof without checkpoint)
	"conformance/bundle-invalid-base64-signature_fail":      verify.StepBundle,
	"conformance/bundle-malformed-json_fail":                verify.StepBundle,
	"conformance/bundle-negative-log-index_fail":            verify.StepBundle,
	"conformance/bundle-unknown-version_fail":               verify.StepBundle,
	"conformance/bundle-with-root-cert_fail":                verify.StepBundle, // inclusion proof without checkpoint (see cases.json caveat)
	"conformance/intoto-missing-inclusion-proof_fail":       verify.StepBundle, // v0.2 requires an inclusion proof
	"conformance/invalid-inclusion-proof_fail":              verify.StepBundle, // proof without checkpoint
	"conformance/rekor2-no-inclusion-proof_fail":            verify.StepBundle,
	"conformance/rekor2-timestamp-with-incorrect-time_fail": verify.StepBundle, // signedTimestamp is not valid base64
	"sigstore-go/dsse-2sigs_fail":                           verify.StepBundle, // bundles carry exactly one DSSE signature
	"sigstore-python/bundle_invalid_version_fail":           verify.StepBundle,
	"sigstore-python/bundle_no_cert_v1_fail":                verify.StepBundle,
	"sigstore-python/bundle_no_checkpoint_fail":             verify.StepBundle,
	"sigstore-python/Python-3.12.5.tgz-no-checkpoint":       verify.StepBundle,
	"sigstore-python/tsa-duplicate_fail":                    verify.StepBundle, // duplicate timestamp
	"sigstore-python/tsa-many-timestamps_fail":              verify.StepBundle, // 33 > limits.MaxTimestamps

	// Trusted material.
	"conformance/managed-key-no-key_fail":    verify.StepKey,
	"conformance/managed-key-wrong-key_fail": verify.StepKey, // key.pub is not a valid P-256 point

	// Timestamps.
	"conformance/rekor2-no-timestamp_fail":                                  verify.StepTimestamp,
	"conformance/rekor2-timestamp-outside-trust-root-tsa-validity_fail":     verify.StepTimestamp,
	"conformance/rekor2-timestamp-outside-tsa-cert-validity_fail":           verify.StepTimestamp,
	"conformance/rekor2-timestamp-payload-mismatch_fail":                    verify.StepTimestamp,
	"conformance/rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail":    verify.StepTimestamp,
	"conformance/rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": verify.StepTimestamp,
	"sigstore-python/bundle_v3_no_signed_time_fail":                         verify.StepTimestamp, // proof but no SET: no observer time

	// Transparency log.
	"conformance/bundle-from-wrong-instance_fail":              verify.StepTransparencyLog, // staging log, production root
	"conformance/checkpoint-bad-keyhint_fail":                  verify.StepTransparencyLog,
	"conformance/checkpoint-wrong-roothash_fail":               verify.StepTransparencyLog,
	"conformance/dsse-invalid-sig_fail":                        verify.StepTransparencyLog, // entry records another signature
	"conformance/dsse-mismatch-envelope_fail":                  verify.StepTransparencyLog,
	"conformance/dsse-mismatch-sig_fail":                       verify.StepTransparencyLog,
	"conformance/inclusion-proof-corrupted-hash_fail":          verify.StepTransparencyLog,
	"conformance/incorrect-public-key_fail":                    verify.StepTransparencyLog, // SET does not verify
	"conformance/intoto-log-entry-mismatch_fail":               verify.StepTransparencyLog,
	"conformance/invalid-checkpoint-signature_fail":            verify.StepTransparencyLog,
	"conformance/message-digest-mismatch_fail":                 verify.StepTransparencyLog, // entry digest differs from bundle digest
	"conformance/rekor2-checkpoint-missing-log-signature_fail": verify.StepTransparencyLog,
	"conformance/rekor2-checkpoint-missing-origin_fail":        verify.StepTransparencyLog,
	"conformance/rekor2-checkpoint-missing-root-hash_fail":     verify.StepTransparencyLog,
	"conformance/rekor2-checkpoint-missing-size_fail":          verify.StepTransparencyLog,
	"conformance/rekor2-checkpoint-no-matching-signature_fail": verify.StepTransparencyLog,
	"conformance/rekor2-dsse-invalid-sig_fail":                 verify.StepTransparencyLog,
	"conformance/rekor2-dsse-mismatch-envelope_fail":           verify.StepTransparencyLog,
	"conformance/rekor2-dsse-mismatch-sig_fail":                verify.StepTransparencyLog,
	"conformance/set-invalid-signature_fail":                   verify.StepTransparencyLog,
	"conformance/signature-mismatch_fail":                      verify.StepTransparencyLog,
	"conformance/wrong-hashedrekord-artifact_fail":             verify.StepTransparencyLog,
	"conformance/wrong-hashedrekord-cert-and-sig_fail":         verify.StepTransparencyLog,
	"conformance/wrong-hashedrekord-entry_fail":                verify.StepTransparencyLog,
	"sigstore-python/bundle_cve_2022_36056_fail":               verify.StepTransparencyLog,
	"sigstore-python/bundle.txt-wrong-identity_fail":           verify.StepPolicy,
	"sigstore-python/bundle_no_log_entry_fail":                 verify.StepTransparencyLog, // threshold: no entry

	// Certificate.
	"conformance/integrated-time-in-future_fail":                  verify.StepCertificate, // integrated time after the cert expired
	"conformance/intoto-expired-certificate_fail":                 verify.StepCertificate,
	"conformance/intoto-set-outside-signing-cert-validity_fail":   verify.StepCertificate,
	"conformance/intoto-tsa-timestamp-outside-cert-validity_fail": verify.StepCertificate,
	"sigstore-python/tsa-late-timestamp_fail":                     verify.StepCertificate,

	// Certificate transparency.
	"conformance/invalid-ct-key_fail": verify.StepSCT,

	// Signature, artifact, policy.
	"conformance/wrong-material_fail":                              verify.StepArtifact, // the bundle signs another artifact
	"sigstore-go/sigstore.js@2.0.0-provenance-wrong-digest_fail":   verify.StepArtifact,
	"sigstore-go/sigstore.js@2.0.0-provenance-wrong-identity_fail": verify.StepPolicy,
	"sigstore-go/othername-email-identity_fail":                    verify.StepPolicy,
}

// wantRootMalformed lists the cases whose trusted root itself is rejected.
var wantRootMalformed = map[string]bool{
	"conformance/trust-root-tlog-missing-validity-start_fail": true,
}

// policyDependent records sigil's verdict on every case that cases.json
// marks policy_dependent, and why. Every one matches the case's expect.
var policyDependent = map[string]string{
	"sigstore-go/dsse": "pass: a v0.1 chain may repeat certificates of the trusted CA chain, root included; " +
		"sigil accepts extra chain certificates only when each is byte-identical to a certificate of the chain the leaf verified against",
	"sigstore-go/examples-bundle-provenance": "pass: as sigstore-go/dsse (chain of 3 including the trusted root)",
	"sigstore-js/bundleV01-full-cert-chain":  "pass: as sigstore-go/dsse",
	"sigstore-go/public-key-validity": "pass: a key-signed bundle with no log entry verifies with the caller's key when the trusted root " +
		"lists no transparency log (thresholds default to what the root can provide); its RFC 3161 timestamp is verified and counted",
	"sigstore-python/Python-3.12.5.tgz-no-checkpoint": "fail (bundle): an inclusion proof without a checkpoint is malformed; " +
		"sigil does not fall back to the SET alone when a proof is present but unusable",
	"sigstore-python/tsa-bundle": "pass: a timestamp that verifies against no trusted TSA (here one over other data) is not counted, " +
		"and one verified timestamp meets the default threshold",
	"sigstore-python/tsa-duplicate_fail":       "fail (bundle): byte-identical duplicate timestamps are malformed",
	"sigstore-python/tsa-many-timestamps_fail": "fail (bundle): more than limits.MaxTimestamps (32) timestamps",
	"sigstore-python/tsa-late-timestamp_fail": "fail (certificate): the certificate must be valid at every verified signing time, " +
		"timestamps included",
}

func parseDigest(t testing.TB, s string) (crypto.Hash, []byte) {
	t.Helper()
	alg, hexd, ok := strings.Cut(s, ":")
	if !ok {
		t.Fatalf("bad digest %q", s)
	}
	d, err := hex.DecodeString(hexd)
	if err != nil {
		t.Fatal(err)
	}
	switch alg {
	case "sha256":
		return crypto.SHA256, d
	case "sha384":
		return crypto.SHA384, d
	case "sha512":
		return crypto.SHA512, d
	}
	t.Fatalf("bad digest algorithm %q", alg)
	return 0, nil
}

func readKey(t testing.TB, path string) (crypto.PublicKey, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(data)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}

// runCase verifies one case in one mode ("PATH" or "DIGEST").
func runCase(t testing.TB, c conformanceCase, mode string) error {
	t.Helper()
	rootPath := c.TrustedRoot
	if c.TrustedRootFile != "" {
		rootPath = c.TrustedRootFile
	}
	root, err := trustroot.FromFile(filepath.Join(conformanceDir, rootPath))
	if err != nil {
		if !errors.Is(err, trustroot.ErrMalformed) {
			t.Fatal(err)
		}
		// An unusable trusted root fails before any bundle is looked at.
		return err
	}
	var opts []verify.Option
	var p policy.Policy
	if c.Key != "" {
		pub, err := readKey(t, filepath.Join(conformanceDir, c.Key))
		if err != nil {
			// The caller's key does not load: the verification cannot start.
			// Recorded as a key failure, as examples/sigil reports it.
			return &verify.Error{Step: verify.StepKey, Err: err}
		}
		opts = append(opts, verify.WithPublicKey("", pub))
		p = policy.PublicKey(pub)
	} else {
		p = policy.Identity(c.Issuer, c.Identity)
	}
	v, err := verify.New(root, opts...)
	if err != nil {
		t.Fatalf("verify.New: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(conformanceDir, c.Bundle))
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Parse(data)
	if err != nil {
		return &verify.Error{Step: verify.StepBundle, Err: err}
	}
	var a verify.Artifact
	if mode == "PATH" {
		f, err := os.ReadFile(filepath.Join(conformanceDir, c.Artifact))
		if err != nil {
			t.Fatal(err)
		}
		a = verify.ArtifactReader(bytes.NewReader(f))
	} else {
		a = verify.ArtifactDigest(parseDigest(t, c.ArtifactDigest))
	}
	res, err := v.Verify(b, a, p)
	if err == nil && res == nil {
		t.Fatal("nil result without error")
	}
	if err != nil && res != nil {
		t.Fatal("result returned with an error")
	}
	// Audit must agree with Verify: verified exactly when Verify succeeds,
	// and its first failure is Verify's error.
	if mode == "PATH" {
		f, _ := os.ReadFile(filepath.Join(conformanceDir, c.Artifact))
		a = verify.ArtifactReader(bytes.NewReader(f))
	}
	rep := v.Audit(b, a, p)
	switch {
	case rep.Verified() != (err == nil):
		t.Fatalf("Audit verified=%v, Verify error %v", rep.Verified(), err)
	case err != nil && (rep.Result != nil || rep.Failures[0].Error() != err.Error()):
		t.Fatalf("Audit's first failure %v differs from Verify's %v", rep.Failures[0], err)
	}
	return err
}

func TestConformanceCases(t *testing.T) {
	cases := loadCases(t)
	if len(cases) != 187 {
		t.Fatalf("%d cases, want 187", len(cases))
	}
	for _, c := range cases {
		if _, ok := policyDependent[c.Name]; ok != c.PolicyDependent {
			t.Errorf("%s: policy_dependent=%v but policyDependent entry present=%v", c.Name, c.PolicyDependent, ok)
		}
		modes := []string{"DIGEST"}
		if c.Artifact != "" {
			modes = append(modes, "PATH")
		}
		for _, mode := range modes {
			t.Run(c.Name+"/"+mode, func(t *testing.T) {
				err := runCase(t, c, mode)
				if errors.Is(err, trustroot.ErrMalformed) {
					if c.Expect != "fail" || !wantRootMalformed[c.Name] {
						t.Fatalf("trusted root rejected: %v", err)
					}
					return
				}
				var verr *verify.Error
				if err != nil && !errors.As(err, &verr) {
					t.Fatalf("error is not a *verify.Error: %v", err)
				}
				switch c.Expect {
				case "pass":
					if err != nil {
						t.Fatalf("want pass, got %v", err)
					}
				case "fail":
					if err == nil {
						t.Fatal("want failure, verified")
					}
					want, ok := wantStep[c.Name]
					if !ok {
						t.Fatalf("no expected step recorded; failed with: %v", err)
					}
					if verr.Step != want {
						t.Fatalf("failed at step %v, want %v: %v", verr.Step, want, err)
					}
				}
			})
		}
	}
}
