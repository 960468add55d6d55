package verify

import (
	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
)

// Report is the outcome of Audit: every check that failed, in the order
// Verify would have met them, and the Result when none did.
type Report struct {
	// Failures lists every failed check. Empty means the bundle verified.
	Failures []*Error
	// Result is what Verify would have returned: non-nil only when Failures
	// is empty. Facts gathered around failed checks are never exposed.
	Result *Result
}

// Verified reports whether every check passed: exactly when Verify would
// have succeeded.
func (r *Report) Verified() bool { return len(r.Failures) == 0 && r.Result != nil }

// Audit runs the checks of Verify without stopping at the first failure, for
// fail-open deployments (rolling out verification in audit mode, then
// enforcing it): the caller sees everything that is wrong with a bundle and
// decides. A check that cannot run because an earlier one failed (no
// signing key, say) is not reported twice. Audit never weakens Verify: its
// Report holds a Result only when the bundle fully verified.
func (v *Verifier) Audit(b *bundle.Bundle, artifact Artifact, p policy.Policy) *Report {
	r := &run{v: v}
	res := r.verify(b, artifact, p)
	rep := &Report{Failures: r.failed}
	if len(r.failed) == 0 {
		rep.Result = res
	}
	return rep
}
