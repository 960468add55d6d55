package verify

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// InTotoPayloadType is the DSSE payload type of in-toto statements.
const InTotoPayloadType = "application/vnd.in-toto+json"

func (v *Verifier) verifyContent(b *bundle.Bundle, s *signer, a Artifact, entryDigests []rekor.Digest, res *Result) error {
	if m := b.MessageSignature(); m != nil {
		return verifyMessage(m, s, a, entryDigests)
	}
	st, err := verifyEnvelope(b.Envelope(), s, a)
	if err != nil {
		return err
	}
	res.Statement = st
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
		d, err := hashReader(a.r, h)
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
		return fail(StepSignature, err)
	}
	return nil
}

func verifyEnvelope(env *bundle.Envelope, s *signer, a Artifact) (*Statement, error) {
	if err := s.alg.Verify(s.pub, dsse.PAE(env.PayloadType, env.Payload), env.Signature); err != nil {
		return nil, fail(StepSignature, fmt.Errorf("DSSE envelope: %w", err))
	}
	if env.PayloadType != InTotoPayloadType {
		// Not a statement: the payload itself is the artifact.
		if a.none {
			return nil, nil
		}
		if err := matchPayload(env.Payload, a); err != nil {
			return nil, fail(StepArtifact, err)
		}
		return nil, nil
	}
	st, err := parseStatement(env.Payload)
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

func parseStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	switch st.Type {
	case "https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1":
	default:
		return nil, fmt.Errorf("in-toto statement: unknown _type %q", st.Type)
	}
	if len(st.Subject) == 0 || len(st.Subject) > limits.MaxStatementSubjects {
		return nil, fmt.Errorf("in-toto statement: %d subjects", len(st.Subject))
	}
	return &st, nil
}

func matchSubject(st *Statement, a Artifact) error {
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
		d, err := hashReader(a.r, algs...)
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
		d, err := hashReader(a.r, crypto.SHA256)
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

// hashReader reads r to its end once, computing each requested digest.
func hashReader(r io.Reader, algs ...crypto.Hash) (map[crypto.Hash][]byte, error) {
	hs := make([]hash.Hash, len(algs))
	ws := make([]io.Writer, len(algs))
	for i, a := range algs {
		if !a.Available() {
			return nil, fmt.Errorf("hash %v unavailable", a)
		}
		hs[i] = a.New()
		ws[i] = hs[i]
	}
	w := ws[0]
	if len(ws) > 1 {
		w = io.MultiWriter(ws...)
	}
	buf := copyBuffers.Get().(*[]byte)
	_, err := io.CopyBuffer(w, onlyReader{r}, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return nil, err
	}
	out := make(map[crypto.Hash][]byte, len(algs))
	for i, a := range algs {
		out[a] = hs[i].Sum(nil)
	}
	return out, nil
}

// copyBuffers recycles the buffers artifacts stream through, so a Verify
// call does not allocate one.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// onlyReader hides WriterTo/ReaderFrom so CopyBuffer uses our buffer.
type onlyReader struct{ io.Reader }
