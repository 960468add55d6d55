package verify

import (
	"crypto"
	"fmt"
	"io"
)

// Artifact is what a bundle's signature must cover: the artifact's bytes as a
// reader, or its digest. For DSSE bundles carrying an in-toto statement, the
// artifact must match one of the statement's subjects.
type Artifact struct {
	r      io.Reader
	alg    crypto.Hash
	digest []byte
	none   bool
}

// ArtifactReader verifies against the bytes read from r. The reader is read
// once, to its end, in constant memory: the artifact is hashed as it streams.
// An Artifact from ArtifactReader is good for one Verify call.
func ArtifactReader(r io.Reader) Artifact { return Artifact{r: r} }

// ArtifactDigest verifies against a precomputed digest (SHA-256, SHA-384 or
// SHA-512) of the artifact.
func ArtifactDigest(alg crypto.Hash, digest []byte) Artifact {
	return Artifact{alg: alg, digest: digest}
}

// UnsafeNoArtifact verifies the bundle without checking what it signed: the
// signature, signer and log entries are verified, but the artifact is not.
func UnsafeNoArtifact() Artifact { return Artifact{none: true} }

func (a Artifact) check() error {
	switch {
	case a.none:
		return nil
	case a.r != nil:
		return nil
	case a.alg == crypto.SHA256 || a.alg == crypto.SHA384 || a.alg == crypto.SHA512:
		if len(a.digest) != a.alg.Size() {
			return fmt.Errorf("%d-byte digest for %v", len(a.digest), a.alg)
		}
		return nil
	case a.alg == 0 && a.digest == nil:
		return fmt.Errorf("no artifact given (use ArtifactReader, ArtifactDigest or UnsafeNoArtifact)")
	}
	return fmt.Errorf("unsupported digest algorithm %v", a.alg)
}
