package verify

import "errors"

// Step names a stage of verification. An *Error carries the step that failed.
type Step int

// The verification steps, in the order Verify runs them, but for
// StepPolicy (see there).
const (
	// StepBundle: the bundle or an argument to Verify is unusable.
	StepBundle Step = iota + 1
	// StepKey: a public-key bundle names no key the verifier trusts.
	StepKey
	// StepTimestamp: an RFC 3161 timestamp did not verify, or too few
	// observer timestamps did.
	StepTimestamp
	// StepTransparencyLog: a log entry did not verify (inclusion promise,
	// checkpoint, inclusion proof, or its body does not match the bundle), or
	// too few entries did.
	StepTransparencyLog
	// StepCertificate: the signing certificate does not chain to a trusted
	// CA valid at every verified signing time, or is not fit for code signing.
	StepCertificate
	// StepRevocation: a certificate of the signing certificate's path was
	// revoked before the signing time (or for a compromise of its key), or
	// its revocation status could not be established: a CRL that applies is
	// stale or not signed by the issuer's key, no source covers it, or the
	// revocation checker failed. Only with WithCRLs, WithCRLFiles or
	// WithRevocationChecker.
	StepRevocation
	// StepSCT: too few signed certificate timestamps verified.
	StepSCT
	// StepSignature: the signature over the artifact or DSSE envelope is
	// invalid, or the envelope holds what the Verifier does not accept: a
	// payload type other than in-toto's that AllowPayloadType did not name,
	// or an in-toto statement that does not decode strictly.
	StepSignature
	// StepArtifact: the signature is valid but the artifact is not the one signed.
	StepArtifact
	// StepPolicy: the signer verified but is not the expected one. The
	// policy runs before the signature and artifact checks (so a bundle can
	// fail here with a bad signature too), after every other step.
	StepPolicy
)

var stepNames = [...]string{
	StepBundle:          "bundle",
	StepKey:             "key",
	StepTimestamp:       "timestamp",
	StepTransparencyLog: "transparency log",
	StepCertificate:     "certificate",
	StepRevocation:      "revocation",
	StepSCT:             "certificate transparency",
	StepSignature:       "signature",
	StepArtifact:        "artifact",
	StepPolicy:          "policy",
}

func (s Step) String() string {
	if s > 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return "unknown step"
}

// Error is the error Verify returns: the step that failed and why. Use
// errors.As to obtain it. Err may wrap bundle.ErrMalformed (StepBundle),
// ErrThreshold, or a *policy.ViolationError (StepPolicy).
type Error struct {
	Step Step
	Err  error
}

func (e *Error) Error() string { return "verify: " + e.Step.String() + ": " + e.Err.Error() }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrThreshold is wrapped when fewer independent witnesses (SCTs, log
// entries, observer timestamps) verified than the Verifier requires.
var ErrThreshold = errors.New("threshold not met")

func fail(step Step, err error) *Error { return &Error{Step: step, Err: err} }
