package checkpoint

import (
	"bytes"
	"errors"
	"golang.org/x/mod/sumdb/note"
	"reflect"
	"strings"
	"testing"
)

// Seeds besides the real envelopes in testdata/fuzz: edge cases of the
// syntax.
var noteSeeds = []string{
	"",
	"\n\n",
	"a\n\n— n " + fiveBytes + "\n",
	"a\n\nb\n\n— n " + fiveBytes + "\n",
	"a\n\n— n " + fiveBytes + "\n— m AAAAAAAAAAA=\n",
	"a\n\n— a+b " + fiveBytes + "\n",
	"a\r\n\n— n " + fiveBytes + "\n",
	"a\n\n— n AAAAAAB=\n",
	testText + "\n— log.example " + fiveBytes + "\n",
}

// FuzzParseCheckpoint checks that ParseCheckpoint never panics, that its
// errors wrap ErrMalformed, and that a parsed checkpoint re-encodes to
// exactly its input and parses again to the same Checkpoint.
func FuzzParseCheckpoint(f *testing.F) {
	for _, s := range []string{
		testText,
		"o\n0\n" + testHash + "\n",
		"o\n18446744073709551615\n" + testHash + "\nTimestamp: 1\n",
		"o\n01\n" + testHash + "\n",
		"o\n1\n" + testHash + "\n\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cp, err := ParseCheckpoint(data)
		if err != nil {
			if cp != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseCheckpoint = %v, %v; want nil, ErrMalformed", cp, err)
			}
			return
		}
		if cp.Origin == "" || len(cp.RootHash) != HashSize {
			t.Fatalf("ParseCheckpoint accepted %q as %+v", data, cp)
		}
		for _, e := range cp.Extra {
			if e == "" || strings.Contains(e, "\n") {
				t.Fatalf("ParseCheckpoint accepted extension %q", e)
			}
		}
		m := cp.Marshal()
		if !bytes.Equal(m, data) {
			t.Fatalf("Marshal = %q, want %q", m, data)
		}
		cp2, err := ParseCheckpoint(m)
		if err != nil {
			t.Fatalf("ParseCheckpoint(Marshal) = %v", err)
		}
		if !reflect.DeepEqual(cp, cp2) {
			t.Fatalf("round trip: %+v, want %+v", cp2, cp)
		}
	})
}

// FuzzOpen checks Open against the real Rekor v1 (ECDSA) and Rekor v2
// (Ed25519) logs, and a fresh Ed25519 log key and witness that signed some
// seeds: it never panics, never returns a checkpoint with an error,
// classifies every error, agrees with the reference note.Open and with
// ParseCheckpoint, and returns only cosignatures from the trusted witness.
func FuzzOpen(f *testing.F) {
	c := loadCorpus(f)
	logs := []Log{
		c.log(f, c.get(f, "conformance/happy-path-v0.3")),
		c.log(f, c.get(f, "conformance/rekor2-happy-path")),
	}
	log := newEd25519Signer(f, testOrigin)
	logs = append(logs, log.log(testBaseURL))
	w := newWitness(f, "witness.example/w1")
	for _, s := range noteSeeds {
		f.Add([]byte(s))
	}
	f.Add(signNote(f, testText, log))
	f.Add(signNote(f, testText, log, w))
	f.Add(envelope(testText, log.line(testText), log.line(testText)))
	f.Add(signNote(f, "hello\n", log))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range logs {
			s, err := Open(data, l, w.key)
			got := classify(t, s, err)
			if got != wantOK {
				continue
			}
			ref, err := note.Open(data, note.VerifierList(w.key))
			var unv *note.UnverifiedNoteError
			if err != nil && !errors.As(err, &unv) {
				t.Fatalf("Open accepted what note.Open rejects: %v", err)
			}
			want, err := ParseCheckpoint([]byte(s.Note.Text))
			if err != nil || !equalCheckpoints(&s.Checkpoint, want) {
				t.Fatalf("Open = %+v, ParseCheckpoint = %+v, %v", s.Checkpoint, want, err)
			}
			if len(s.Note.Sigs) != 1+len(s.Cosignatures) || len(s.Cosignatures) > 1 || (ref != nil) != (len(s.Cosignatures) == 1) {
				t.Fatalf("Open = %+v, note.Open = %+v", s.Note, ref)
			}
		}
	})
}
