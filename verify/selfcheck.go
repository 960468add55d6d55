package verify

import (
	"crypto"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/policy"
)

// SelfCheck returns a function that verifies a bundle its caller just made:
// against the artifact digest it signed (a nil digest skips the artifact
// check, as for a DSSE envelope whose payload the bundle carries), with every
// other check of Verify, accepting any signer the Verifier trusts and a DSSE
// envelope of any payload type (the caller chose it; AllowPayloadType is for
// the consumers of the bundle). Package
// sign calls it on each bundle before returning it (sign.WithSelfCheck); it
// is how sign verifies its output without importing this package. For
// public-key bundles, build the Verifier WithPublicKey.
func (v *Verifier) SelfCheck() func(b *bundle.Bundle, alg crypto.Hash, digest []byte) error {
	return func(b *bundle.Bundle, alg crypto.Hash, digest []byte) error {
		a := ArtifactDigest(alg, digest)
		if digest == nil {
			a = UnsafeNoArtifact()
		}
		r := &run{v: v, failFast: true, anyPayloadType: true}
		r.verify(b, a, policy.UnsafeAnySigner())
		if len(r.failed) > 0 {
			return r.failed[0]
		}
		return nil
	}
}
