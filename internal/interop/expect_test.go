package interop_test

import (
	"slices"
	"strings"

	"github.com/sigil-dev/sigil/verify"
)

// expectation is a combination that fails today because of another
// client's bug: its upstream reference and the error it gives (a substring
// of the failing client's output). An empty dimension matches all.
type expectation struct {
	signer, key, payload, mode []string
	// who is the verifier that fails, or "sign" when the signer does.
	who []string
	ref string
	err string
}

func (x *expectation) matches(signer, key, payload, mode, who string) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return in(x.signer, signer) && in(x.key, key) && in(x.payload, payload) && in(x.mode, mode) && in(x.who, who)
}

var (
	keyModes = []string{offline, rekorV1, rekorV2}
	v2Modes  = []string{rekorV2, keyless}
	bigEC    = []string{"p384", "p521"}
	jsAll    = []string{js4, js5}
)

// Upstream references.
const (
	cosignSHA256 = "sigstore/cosign#5091, #5092, #5063: cosign v3.1.3 verify-blob --key and verify-blob-attestation --key hash with SHA-256 whatever the curve " +
		"(P-384 signs SHA-384, P-521 SHA-512), so they reject these bundles, cosign's own too"
	cosignEd25519 = "sigstore/cosign PR 5074 (open): cosign v3.1.3 disagrees with itself about Ed25519: verify --key checks pure Ed25519 " +
		"where message signatures are Ed25519ph (sigstore-go's convention, sigil's), and its own signing fails its self-check"
	jsDSSEHash = "sigstore-js: @sigstore/verify DSSESignatureContent.verifySignature calls crypto.verify without a digest algorithm, " +
		"which Node takes as SHA-256 for ECDSA, so P-384/P-521 envelope signatures (SHA-384/SHA-512) fail (no upstream issue found)"
	jsDSSEv2Hash = "sigstore-js PR 1677 (DSSE bundles with Rekor v2 hashedrekord entries, @sigstore/verify 4.1.x) hard-codes SHA-256 for the PAE digest " +
		"(DSSESignatureContent.compareSignedDigest), which a P-384/P-521 signer logs as SHA-384/SHA-512 (no upstream issue found)"
	jsDSSEv2Old = "sigstore-js PR 1677: @sigstore/verify before 4.1 (sigstore 4.1.1 uses 3.1.1) compares a Rekor v2 hashedrekord entry of a DSSE envelope " +
		"with the payload's digest instead of the PAE's, so every Rekor v2 DSSE bundle fails"
	jsEd25519 = "sigstore-js: MessageSignatureContent.verifySignature calls Node's crypto.verify with the bundle's digest algorithm, " +
		"which cannot verify an Ed25519ph (nor an Ed25519) message signature (no upstream issue found)"
)

// expectedFailures are today's failures of other clients, each with its
// upstream reference and exact error. The first match applies.
var expectedFailures = []expectation{
	// cosign verifying key bundles, whoever signed them.
	{key: bigEC, payload: []string{message}, mode: keyModes, who: []string{cosign}, ref: cosignSHA256,
		err: "could not verify message: invalid signature when validating ASN.1 encoded signature"},
	{key: bigEC, payload: []string{dsse}, mode: keyModes, who: []string{cosign}, ref: cosignSHA256,
		err: "could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1"},
	{signer: []string{sigil}, key: []string{"ed25519"}, payload: []string{message}, mode: keyModes, who: []string{cosign}, ref: cosignEd25519,
		err: "could not verify message: failed to verify signature"},

	// cosign signing with a key: the bundle fails cosign's own check.
	{signer: []string{cosign}, key: bigEC, payload: []string{dsse}, mode: []string{rekorV1}, who: []string{"sign"}, ref: cosignSHA256,
		err: "could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1"},
	{signer: []string{cosign}, key: []string{"ed25519"}, payload: []string{message}, mode: []string{offline}, who: []string{"sign"}, ref: cosignEd25519,
		err: "failed to verify signature: message is missing artifact digest"},
	{signer: []string{cosign}, key: []string{"ed25519"}, payload: []string{message}, mode: keyModes, who: []string{"sign"}, ref: cosignEd25519,
		err: "failed to verify signature: could not verify message: failed to verify signature"},
	{signer: []string{cosign}, key: []string{"ed25519"}, payload: []string{dsse}, mode: keyModes, who: []string{"sign"}, ref: cosignEd25519,
		err: "could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1"},

	// sigstore-js, both versions.
	{payload: []string{dsse}, mode: v2Modes, who: []string{js4}, ref: jsDSSEv2Old, err: "TLOG_BODY_ERROR: digest mismatch"},
	{key: bigEC, payload: []string{dsse}, mode: v2Modes, who: []string{js5}, ref: jsDSSEv2Hash, err: "TLOG_BODY_ERROR: digest mismatch"},
	{key: bigEC, payload: []string{dsse}, who: jsAll, ref: jsDSSEHash, err: "SIGNATURE_ERROR: signature verification failed"},
	{key: []string{"ed25519"}, payload: []string{message}, who: jsAll, ref: jsEd25519, err: "SIGNATURE_ERROR: signature verification failed"},
}

func lookup(signer, key, payload, mode, who string) *expectation {
	for i := range expectedFailures {
		if expectedFailures[i].matches(signer, key, payload, mode, who) {
			return &expectedFailures[i]
		}
	}
	return nil
}

// rejection checks that a verifier rejected a bad variant for the reason
// the variant gives it, and returns what was expected when it did not.
func rejection(verifier, variant string, c *signedCase, o outcome) string {
	switch verifier {
	case sigil:
		want := sigilSteps(variant, c)
		if !slices.Contains(want, o.step) {
			return "sigil steps " + stepNames(want)
		}
	case cosign:
		want := cosignReasons(variant, c)
		for _, w := range want {
			if strings.Contains(o.err, w) {
				return ""
			}
		}
		return "cosign: one of " + strings.Join(want, " | ")
	default:
		want := jsCodes(variant, c)
		for _, w := range want {
			if strings.HasPrefix(o.err, w+":") {
				return ""
			}
		}
		return "sigstore-js: one of " + strings.Join(want, " | ")
	}
	return ""
}

func stepNames(steps []verify.Step) string {
	var s []string
	for _, st := range steps {
		s = append(s, st.String())
	}
	return strings.Join(s, " | ")
}

// sigilSteps are the steps at which sigil must reject a variant.
func sigilSteps(variant string, c *signedCase) []verify.Step {
	switch variant {
	case tamperedArtifact:
		return []verify.Step{verify.StepArtifact}
	case tamperedPayload:
		// The log entry binds the envelope, so with a log its check
		// comes first.
		if c.mode == offline {
			return []verify.Step{verify.StepSignature}
		}
		return []verify.Step{verify.StepTransparencyLog}
	case wrongIdentity:
		switch c.mode {
		case offline:
			return []verify.Step{verify.StepSignature}
		case keyless:
			return []verify.Step{verify.StepPolicy}
		}
		// The log entry records the signer's key.
		return []verify.Step{verify.StepTransparencyLog}
	}
	return nil
}

// cosignReasons are the errors with which cosign must reject a variant
// (substrings of its output).
func cosignReasons(variant string, c *signedCase) []string {
	switch variant {
	case tamperedArtifact:
		if c.payload == dsse {
			return []string{"provided artifact digests do not match digests in statement"}
		}
		return []string{"failed to verify signature: could not verify message"}
	case tamperedPayload:
		if c.mode == offline {
			return []string{"could not verify envelope"}
		}
		return []string{"failed to verify log inclusion"}
	case wrongIdentity:
		switch c.mode {
		case offline:
			return []string{"could not verify message", "could not verify envelope"}
		case keyless:
			return []string{`no matching CertificateIdentity found, last error: expected SAN value "` + wrongSAN + `"`}
		}
		// The entry records another key: Rekor v1's body names it
		// ("transparency log certificate does not match"), a Rekor v2
		// leaf rebuilt with the wrong key is not in the tree.
		return []string{"failed to verify log inclusion"}
	}
	return nil
}

// jsCodes are the sigstore-js error codes with which it must reject a
// variant.
func jsCodes(variant string, c *signedCase) []string {
	switch variant {
	case tamperedArtifact:
		return []string{"SIGNATURE_ERROR"}
	case tamperedPayload:
		if c.mode == offline {
			return []string{"SIGNATURE_ERROR"}
		}
		return []string{"TLOG_BODY_ERROR"}
	case wrongIdentity:
		if c.mode == keyless {
			return []string{"UNTRUSTED_SIGNER_ERROR"}
		}
		return []string{"SIGNATURE_ERROR"}
	}
	return nil
}
