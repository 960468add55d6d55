package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/internal/streamhash"
	"github.com/sigil-dev/sigil/intoto"
)

func (r *run) verifyContent(b *bundle.Bundle, s *signer, a Artifact, entryDigests []rekor.Digest, res *Result) error {
	if m := b.MessageSignature(); m != nil {
		return verifyMessage(m, s, a, entryDigests)
	}
	env := b.Envelope()
	st, err := r.verifyEnvelope(env, s, a)
	if err != nil {
		return err
	}
	res.PayloadType, res.Statement = env.PayloadType, st
	return nil
}

// messageAlg is the algorithm with which the signer signs a message digest.
func messageAlg(s *signer) sigalg.Algorithm { return s.alg.ForDigests() }

func verifyMessage(m *bundle.MessageSignature, s *signer, a Artifact, entryDigests []rekor.Digest) error {
	// The digest algorithm: the one the caller's digest uses, else the one the
	// bundle or its log entry names, else the key's own. The allow-list
	// decides whether the key may sign it.
	h := messageAlg(s).Hash()
	switch {
	case a.r == nil && !a.none:
		h = a.alg
	case m.Digest != nil:
		h = m.DigestAlgorithm
	case len(entryDigests) > 0:
		h = entryDigests[0].Alg
	}
	alg, err := messageAlg(s).WithHash(h)
	if err != nil {
		return fail(StepSignature, err)
	}
	var digest []byte
	switch {
	case a.r != nil:
		d, err := streamhash.Sum(context.Background(), a.r, h)
		if err != nil {
			return fail(StepArtifact, fmt.Errorf("reading artifact: %w", err))
		}
		digest = d[h]
	case a.none:
		switch {
		case m.Digest != nil:
			digest = m.Digest
		case len(entryDigests) > 0:
			digest = entryDigests[0].Value
		default:
			return fail(StepArtifact, errors.New("no artifact and no digest in the bundle to verify the signature over"))
		}
	default:
		digest = a.digest
	}
	// What the bundle claims was signed must be the artifact: checked first,
	// so a wrong artifact is reported as such and not as a bad signature.
	if m.Digest != nil && (m.DigestAlgorithm != h || subtle.ConstantTimeCompare(m.Digest, digest) != 1) {
		return fail(StepArtifact, errors.New("artifact digest does not match the bundle's message digest"))
	}
	for _, d := range entryDigests {
		if d.Alg != h || subtle.ConstantTimeCompare(d.Value, digest) != 1 {
			return fail(StepArtifact, errors.New("artifact digest does not match the transparency-log entry"))
		}
	}
	if err := alg.VerifyDigest(s.pub, digest, m.Signature); err != nil {
		if s.alg == sigalg.Ed25519 {
			err = fmt.Errorf("%w (Ed25519 message signatures verify as Ed25519ph over the SHA-512 digest; pure Ed25519 over the artifact is not accepted)", err)
		}
		return fail(StepSignature, err)
	}
	return nil
}

func (r *run) verifyEnvelope(env *bundle.Envelope, s *signer, a Artifact) (*intoto.Statement, error) {
	inToto := env.PayloadType == intoto.PayloadType
	if !inToto && !r.anyPayloadType && !r.v.cfg.payloadTypes[env.PayloadType] {
		// Checked first: a Verifier that does not expect this payload type
		// has no reason to hash it.
		return nil, fail(StepSignature, fmt.Errorf("DSSE payload type %q is not in-toto (%s); accept it with AllowPayloadType", truncate(env.PayloadType), intoto.PayloadType))
	}
	if err := verifyPAE(s, env); err != nil {
		return nil, fail(StepSignature, fmt.Errorf("DSSE envelope: %w", err))
	}
	if !inToto {
		// Not a statement: the payload itself is the artifact.
		if a.none {
			return nil, nil
		}
		if err := matchPayload(env.Payload, a); err != nil {
			return nil, fail(StepArtifact, err)
		}
		return nil, nil
	}
	st, err := intoto.Unmarshal(env.Payload)
	if err != nil {
		return nil, fail(StepSignature, err)
	}
	if a.none {
		return st, nil
	}
	if err := matchSubject(st, a); err != nil {
		return nil, fail(StepArtifact, err)
	}
	return st, nil
}

// verifyPAE checks the envelope's signature over its pre-authentication
// encoding, hashing the payload in place where the algorithm signs a digest.
func verifyPAE(s *signer, env *bundle.Envelope) error {
	if !s.alg.Prehashed() {
		return s.alg.Verify(s.pub, dsse.PAE(env.PayloadType, env.Payload), env.Signature)
	}
	return s.alg.VerifyDigest(s.pub, dsse.Digest(s.alg.Hash(), env.PayloadType, env.Payload), env.Signature)
}

func matchSubject(st *intoto.Statement, a Artifact) error {
	var want map[crypto.Hash][]byte
	if a.r != nil {
		var algs []crypto.Hash
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			name := sigalg.DigestName(h)
			for _, s := range st.Subject {
				if _, ok := s.Digest[name]; ok {
					algs = append(algs, h)
					break
				}
			}
		}
		if len(algs) == 0 {
			return errors.New("no statement subject has a SHA-2 digest")
		}
		d, err := streamhash.Sum(context.Background(), a.r, algs...)
		if err != nil {
			return fmt.Errorf("reading artifact: %w", err)
		}
		want = d
	} else {
		want = map[crypto.Hash][]byte{a.alg: a.digest}
	}
	for h, d := range want {
		name := sigalg.DigestName(h)
		for _, s := range st.Subject {
			got, ok := s.Digest[name]
			if !ok {
				continue
			}
			raw, err := hex.DecodeString(got)
			if err == nil && subtle.ConstantTimeCompare(raw, d) == 1 {
				return nil
			}
		}
	}
	return errors.New("artifact digest matches no subject of the in-toto statement")
}

func matchPayload(payload []byte, a Artifact) error {
	if a.r != nil {
		d, err := streamhash.Sum(context.Background(), a.r, crypto.SHA256)
		if err != nil {
			return fmt.Errorf("reading artifact: %w", err)
		}
		sum := sha256.Sum256(payload)
		if !bytes.Equal(d[crypto.SHA256], sum[:]) {
			return errors.New("artifact does not match the DSSE payload")
		}
		return nil
	}
	var sum []byte
	switch a.alg {
	case crypto.SHA256:
		s := sha256.Sum256(payload)
		sum = s[:]
	case crypto.SHA384:
		s := sha512.Sum384(payload)
		sum = s[:]
	case crypto.SHA512:
		s := sha512.Sum512(payload)
		sum = s[:]
	}
	if subtle.ConstantTimeCompare(sum, a.digest) != 1 {
		return errors.New("artifact digest does not match the DSSE payload")
	}
	return nil
}

// truncate shortens an attacker-chosen string quoted in an error.
func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}
