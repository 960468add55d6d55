package checkpoint

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tformats "github.com/transparency-dev/formats/note"

	"github.com/sigil-dev/sigil/witness"
)

// mldsaWitness is an ML-DSA-44 witness signing with transparency-dev/formats
// (what omniwitness cosigns with), and sigil's key for it.
type mldsaWitness struct {
	key    *witness.Key
	signer *tformats.SubtreeSigner
}

func newMLDSAWitness(tb testing.TB, name string) *mldsaWitness {
	tb.Helper()
	skey, vkey, err := tformats.GenerateMLDSAKey(name)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := tformats.NewMLDSASigner(skey)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := witness.ParseVerifierKey(vkey)
	if err != nil {
		tb.Fatal(err)
	}
	return &mldsaWitness{key: k, signer: s}
}

// line returns w's cosignature line for the checkpoint testText at time ts
// over the subtree [start, 736).
func (w *mldsaWitness) line(tb testing.TB, ts, start uint64) string {
	tb.Helper()
	root, _ := base64.StdEncoding.DecodeString(testHash)
	sig, err := w.signer.SignSubtree(ts, testOrigin, start, 736, root)
	if err != nil {
		tb.Fatal(err)
	}
	return sigLine(w.key.Name(), append(binary.BigEndian.AppendUint32(nil, w.key.KeyHash()), sig...))
}

// TestOpenMLDSACosignatures: ML-DSA-44 cosignature lines are checked by the
// same note.Open path as Ed25519 ones, reported with their times, and
// counted by the same witness policies.
func TestOpenMLDSACosignatures(t *testing.T) {
	log := newEd25519Signer(t, testOrigin)
	good := log.line(testText)
	ed := newWitness(t, "witness.example/ed")
	ml := newMLDSAWitness(t, "witness.example/ml")
	other := newMLDSAWitness(t, "witness.example/ml") // same name, another key
	const ts = 1733313600
	policy := func(tb testing.TB, body string) *witness.Policy {
		p, err := witness.ParsePolicy([]byte(fmt.Sprintf("witness ed %s\nwitness ml %s\n%s\n", ed.key.VerifierKey(), ml.key.VerifierKey(), body)))
		if err != nil {
			tb.Fatal(err)
		}
		return p
	}
	satisfied := func(p *witness.Policy, s *Signed) bool {
		by := map[*witness.Key]bool{}
		for _, c := range s.Cosignatures {
			by[c.Witness] = true
		}
		return p.Satisfied(func(k *witness.Key) bool { return by[k] })
	}
	renamed := strings.Replace(ml.line(t, ts, 0), "— witness.example/ml ", "— witness.example/ml2 ", 1)
	mlTampered := func() string {
		l := ml.line(t, ts, 0)
		i := len(l) / 2
		c := byte('A')
		if l[i] == 'A' {
			c = 'B'
		}
		return l[:i] + string(c) + l[i+1:]
	}()

	for _, tt := range []struct {
		name    string
		lines   []string
		quorum  string
		want    outcome
		cosigs  int
		met     bool
		mlTimes []time.Time
	}{
		{"ML-DSA 1-of-1", []string{good, ml.line(t, ts, 0)}, "quorum ml", wantOK, 1, true, []time.Time{time.Unix(ts, 0)}},
		{"ML-DSA with timestamp 0", []string{good, ml.line(t, 0, 0)}, "quorum ml", wantOK, 1, true, []time.Time{{}}},
		{"mixed all-of-2", []string{good, ed.line(testText), ml.line(t, ts, 0)}, "group both all ed ml\nquorum both", wantOK, 2, true, nil},
		{"mixed all-of-2, ML-DSA missing", []string{good, ed.line(testText)}, "group both all ed ml\nquorum both", wantOK, 1, false, nil},
		{"mixed any-of-2, only ML-DSA", []string{good, ml.line(t, ts, 0)}, "group either any ed ml\nquorum either", wantOK, 1, true, nil},
		{"wrong key: other key's line ignored", []string{good, other.line(t, ts, 0)}, "quorum ml", wantOK, 0, false, nil},
		{"tampered ML-DSA cosignature", []string{good, mlTampered}, "quorum ml", wantInvalidCosignature, 0, false, nil},
		{"non-zero start", []string{good, ml.line(t, 0, 1)}, "quorum ml", wantInvalidCosignature, 0, false, nil},
		{"timestamp beyond 2^63-1", []string{good, ml.line(t, 1<<63, 0)}, "quorum ml", wantInvalidCosignature, 0, false, nil},
		// The name is the witness's: a line relabelled with another
		// name is another key's (ignored), and the signature commits to
		// the name, so it could not verify under it anyway.
		{"relabelled name ignored", []string{good, renamed}, "quorum ml", wantOK, 0, false, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := policy(t, tt.quorum)
			s, err := Open(envelope(testText, tt.lines...), log.log(testBaseURL), p.Witnesses()...)
			if got := classify(t, s, err); got != tt.want {
				t.Fatalf("got %v (%v), want %v", got, err, tt.want)
			}
			if tt.want == wantInvalidCosignature {
				var verr *VerificationError
				if !errors.As(err, &verr) || verr.Reason != InvalidCosignature || verr.Name != ml.key.Name() || binary.BigEndian.Uint32(verr.KeyID[:]) != ml.key.KeyHash() {
					t.Fatalf("error %v does not name the ML-DSA witness", err)
				}
				return
			}
			if len(s.Cosignatures) != tt.cosigs {
				t.Fatalf("%d cosignatures, want %d", len(s.Cosignatures), tt.cosigs)
			}
			if got := satisfied(p, s); got != tt.met {
				t.Fatalf("policy satisfied: %v, want %v", got, tt.met)
			}
			for i, want := range tt.mlTimes {
				c := s.Cosignatures[i]
				if c.Witness.VerifierKey() != ml.key.VerifierKey() || !c.Time.Equal(want) || c.Time.IsZero() != want.IsZero() {
					t.Errorf("cosignature %d: %s at %v, want %s at %v", i, c.Witness.Name(), c.Time, ml.key.Name(), want)
				}
			}
		})
	}
}

// TestOpenMaxMLDSASignatures: an envelope with MaxSignatures ML-DSA-44
// lines is within MaxNoteSize.
func TestOpenMaxMLDSASignatures(t *testing.T) {
	log := newEd25519Signer(t, testOrigin)
	ml := newMLDSAWitness(t, "witness.example/ml")
	lines := []string{log.line(testText)}
	for len(lines) < MaxSignatures {
		lines = append(lines, ml.line(t, 1733313600, 0))
	}
	s, err := Open(envelope(testText, lines...), log.log(testBaseURL), ml.key)
	if err != nil || len(s.Cosignatures) != 1 {
		t.Fatalf("%v, %v", s, err)
	}
}
