package checkpoint

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
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
	testText + "\n— log.example/test " + fiveBytes + "\n",
}

// FuzzParseNote checks that ParseNote never panics, that its errors wrap
// ErrMalformed, and that a parsed note re-encodes to exactly its input and
// parses again to the same Note.
func FuzzParseNote(f *testing.F) {
	for _, s := range noteSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNote(data)
		if err != nil {
			if n != nil || !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseNote = %v, %v; want nil, ErrMalformed", n, err)
			}
			return
		}
		if len(n.Sigs) < 1 || len(n.Sigs) > MaxSignatures || len(n.Text) == 0 || n.Text[len(n.Text)-1] != '\n' {
			t.Fatalf("ParseNote accepted %q as %+v", data, n)
		}
		for _, s := range n.Sigs {
			if len(s.Sig) < 1 || s.Name == "" || strings.ContainsAny(s.Name, " +\n") || !utf8.ValidString(s.Name) {
				t.Fatalf("ParseNote accepted signature %+v", s)
			}
		}
		m := n.Marshal()
		if !bytes.Equal(m, data) {
			t.Fatalf("Marshal = %q, want %q", m, data)
		}
		n2, err := ParseNote(m)
		if err != nil {
			t.Fatalf("ParseNote(Marshal) = %v", err)
		}
		if !reflect.DeepEqual(n, n2) {
			t.Fatalf("round trip: %+v, want %+v", n2, n)
		}
	})
}

// FuzzParseCheckpoint checks the same properties for ParseCheckpoint.
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
// (Ed25519) keys, and a fresh Ed25519 key that signed some seeds: it never
// panics, never returns a checkpoint with an error, classifies every error,
// and agrees with ParseNote and ParseCheckpoint.
func FuzzOpen(f *testing.F) {
	c := loadCorpus(f)
	verifiers := []Verifier{
		c.verifier(f, c.get(f, "conformance/happy-path-v0.3")),
		c.verifier(f, c.get(f, "conformance/rekor2-happy-path")),
	}
	log := newEd25519Signer(f, "log.example/test")
	verifiers = append(verifiers, log.verifier())
	for _, s := range noteSeeds {
		f.Add([]byte(s))
	}
	f.Add(envelope(testText, log.sig(testText)))
	f.Add(envelope(testText, log.sig(testText), log.sig(testText)))
	f.Add(envelope("hello\n", log.sig("hello\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, noteErr := ParseNote(data)
		for _, v := range verifiers {
			cp, err := Open(data, v)
			got := classify(t, cp, err)
			if noteErr != nil {
				if got != wantMalformed {
					t.Fatalf("ParseNote failed (%v) but Open = %v", noteErr, err)
				}
				continue
			}
			mine := 0
			for _, s := range n.Sigs {
				if s.Name == v.Name && s.KeyHint == v.Hint {
					mine++
				}
			}
			if mine == 0 && got != wantNoLogSignature {
				t.Fatalf("no line from the log, but Open = %v", err)
			}
			if got == wantOK || got == wantMalformed {
				want, err := ParseCheckpoint(n.Text)
				if (err == nil) != (got == wantOK) {
					t.Fatalf("Open = %v but ParseCheckpoint = %v", got, err)
				}
				if got == wantOK && !equalCheckpoints(cp, want) {
					t.Fatalf("Open = %+v, ParseCheckpoint = %+v", cp, want)
				}
			}
		}
	})
}
