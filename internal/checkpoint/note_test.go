package checkpoint

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseNote(t *testing.T) {
	pq := bytes.Repeat([]byte{7}, 4+4627) // an ML-DSA-87-sized cosignature
	tests := []struct {
		name     string
		env      string
		wantText string
		wantSigs []Signature
	}{
		{
			name:     "minimal",
			env:      "a\n\n— n " + fiveBytes + "\n",
			wantText: "a\n",
			wantSigs: []Signature{{Name: "n", Sig: []byte{0}}},
		},
		{
			name:     "hint and signature",
			env:      "a\nb\n\n" + sigLine("rekor.sigstore.dev", []byte{1, 2, 3, 4, 5, 6, 7}),
			wantText: "a\nb\n",
			wantSigs: []Signature{{Name: "rekor.sigstore.dev", KeyHint: [4]byte{1, 2, 3, 4}, Sig: []byte{5, 6, 7}}},
		},
		{
			name:     "several signatures keep their order",
			env:      "a\n\n" + sigLine("w", []byte{9, 9, 9, 9, 1}) + sigLine("n", []byte{1, 2, 3, 4, 2}) + sigLine("n", []byte{1, 2, 3, 5, 3, 3}),
			wantText: "a\n",
			wantSigs: []Signature{
				{Name: "w", KeyHint: [4]byte{9, 9, 9, 9}, Sig: []byte{1}},
				{Name: "n", KeyHint: [4]byte{1, 2, 3, 4}, Sig: []byte{2}},
				{Name: "n", KeyHint: [4]byte{1, 2, 3, 5}, Sig: []byte{3, 3}},
			},
		},
		{
			name:     "text may contain blank lines: the last one separates",
			env:      "a\n\nb\n\n— n " + fiveBytes + "\n",
			wantText: "a\n\nb\n",
			wantSigs: []Signature{{Name: "n", Sig: []byte{0}}},
		},
		{
			name:     "text that is one empty line",
			env:      "\n\n— n " + fiveBytes + "\n",
			wantText: "\n",
			wantSigs: []Signature{{Name: "n", Sig: []byte{0}}},
		},
		{
			name:     "names: URL with port, path, non-ASCII, U+FFFD",
			env:      "a\n\n— localhost:8000 " + fiveBytes + "\n— witness.example/w1 " + fiveBytes + "\n— ünï\uFFFD " + fiveBytes + "\n",
			wantText: "a\n",
			wantSigs: []Signature{{Name: "localhost:8000", Sig: []byte{0}}, {Name: "witness.example/w1", Sig: []byte{0}}, {Name: "ünï\uFFFD", Sig: []byte{0}}},
		},
		{
			name:     "text may contain DEL and non-ASCII",
			env:      "a\x7fé—\n\n— n " + fiveBytes + "\n",
			wantText: "a\x7fé—\n",
			wantSigs: []Signature{{Name: "n", Sig: []byte{0}}},
		},
		{
			name:     "post-quantum sized signature",
			env:      "a\n\n" + sigLine("n", pq),
			wantText: "a\n",
			wantSigs: []Signature{{Name: "n", KeyHint: [4]byte{7, 7, 7, 7}, Sig: pq[4:]}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.env)
			n, err := ParseNote(in)
			if err != nil {
				t.Fatal(err)
			}
			if string(n.Text) != tt.wantText {
				t.Errorf("Text = %q, want %q", n.Text, tt.wantText)
			}
			if !reflect.DeepEqual(n.Sigs, tt.wantSigs) {
				t.Errorf("Sigs = %+v, want %+v", n.Sigs, tt.wantSigs)
			}
			if got := n.Marshal(); !bytes.Equal(got, in) {
				t.Errorf("Marshal = %q, want %q", got, in)
			}
			// The result does not alias the input.
			for i := range in {
				in[i] = 'x'
			}
			if string(n.Text) != tt.wantText || !reflect.DeepEqual(n.Sigs, tt.wantSigs) {
				t.Error("Note aliases the envelope")
			}
		})
	}
}

func TestParseNoteBounds(t *testing.T) {
	sig := "— n " + fiveBytes + "\n"
	ok := map[string]string{
		"100 text lines":      repeatLines("a\n", MaxTextLines) + "\n" + sig,
		"32 signatures":       "a\n\n" + repeatLines(sig, MaxSignatures),
		"8 KiB text line":     strings.Repeat("a", MaxLineLength) + "\n\n" + sig,
		"8 KiB sig line":      "a\n\n— " + strings.Repeat("n", MaxLineLength-len("— ")-len(fiveBytes)-1) + " " + fiveBytes + "\n",
		"64 KiB note":         strings.Repeat(strings.Repeat("a", 1000)+"\n", 65) + strings.Repeat("a", MaxNoteSize-65*1001-len(sig)-2) + "\n\n" + sig,
		"64 KiB of sig lines": "a\n\n" + strings.Repeat("— "+strings.Repeat("n", 2000)+" "+fiveBytes+"\n", 32),
	}
	bad := map[string]string{
		"101 text lines":      repeatLines("a\n", MaxTextLines+1) + "\n" + sig,
		"33 signatures":       "a\n\n" + repeatLines(sig, MaxSignatures+1),
		"8 KiB + 1 text line": strings.Repeat("a", MaxLineLength+1) + "\n\n" + sig,
		"8 KiB + 1 sig line":  "a\n\n— " + strings.Repeat("n", MaxLineLength-len("— ")-len(fiveBytes)) + " " + fiveBytes + "\n",
		"64 KiB + 1 note":     strings.Repeat(strings.Repeat("a", 1000)+"\n", 65) + strings.Repeat("a", MaxNoteSize-65*1001-len(sig)-1) + "\n\n" + sig,
	}
	for name, env := range ok {
		if name == "64 KiB note" && len(env) != MaxNoteSize {
			t.Fatalf("%s: len %d", name, len(env))
		}
		if _, err := ParseNote([]byte(env)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, env := range bad {
		if name == "64 KiB + 1 note" && len(env) != MaxNoteSize+1 {
			t.Fatalf("%s: len %d", name, len(env))
		}
		if n, err := ParseNote([]byte(env)); !errors.Is(err, ErrMalformed) || n != nil {
			t.Errorf("%s: got %v, %v; want ErrMalformed", name, n, err)
		}
	}
}

func TestParseNoteMalformed(t *testing.T) {
	good := "— n " + fiveBytes + "\n"
	tests := map[string]string{
		"empty":                           "",
		"newline":                         "\n",
		"blank line only":                 "\n\n",
		"no blank line":                   "a\n" + good,
		"no signature lines":              "a\n\n",
		"no final newline":                "a\n\n— n " + fiveBytes,
		"trailing data":                   "a\n\n" + good + "x",
		"trailing blank line":             "a\n\n" + good + "\n",
		"blank line between signatures":   "a\n\n" + good + "\n" + "x\n",
		"hyphen prefix":                   "a\n\n-- n " + fiveBytes + "\n",
		"en dash prefix":                  "a\n\n– n " + fiveBytes + "\n",
		"no space after dash":             "a\n\n—n " + fiveBytes + "\n",
		"two spaces after dash":           "a\n\n—  n " + fiveBytes + "\n",
		"text line after signatures":      "a\n\n" + good + "b\n",
		"no signature field":              "a\n\n— n\n",
		"empty signature field":           "a\n\n— n \n",
		"two spaces before signature":     "a\n\n— n  " + fiveBytes + "\n",
		"space inside signature":          "a\n\n— n AAAA AAA=\n",
		"trailing space":                  "a\n\n— n " + fiveBytes + " \n",
		"name with plus":                  "a\n\n— a+b " + fiveBytes + "\n",
		"name with no-break space":        "a\n\n— a\u00a0b " + fiveBytes + "\n",
		"name with em space":              "a\n\n— a\u2003b " + fiveBytes + "\n",
		"name with ideographic space":     "a\n\n— a\u3000b " + fiveBytes + "\n",
		"name with next line (U+0085)":    "a\n\n— a\u0085b " + fiveBytes + "\n",
		"unpadded base64":                 "a\n\n— n AAAAAAA\n",
		"non-canonical base64":            "a\n\n— n AAAAAAB=\n",
		"URL-safe base64":                 "a\n\n— n AAAAAA-_\n",
		"base64 data after padding":       "a\n\n— n AAA=AAAA\n",
		"4-byte signature blob":           "a\n\n— n AAAAAA==\n",
		"1-byte signature blob":           "a\n\n— n AA==\n",
		"carriage return in text":         "a\r\n\n" + good,
		"carriage return in signature":    "a\n\n— n " + fiveBytes + "\r\n",
		"CRLF line endings":               "a\r\n\r\n— n " + fiveBytes + "\r\n",
		"tab in text":                     "a\tb\n\n" + good,
		"NUL in text":                     "a\x00\n\n" + good,
		"tab in name":                     "a\n\n— a\tb " + fiveBytes + "\n",
		"invalid UTF-8 in text":           "a\xff\n\n" + good,
		"invalid UTF-8 in name":           "a\n\n— a\xffb " + fiveBytes + "\n",
		"overlong UTF-8":                  "a\xc0\xaf\n\n" + good,
		"UTF-16 surrogate":                "a\xed\xa0\x80\n\n" + good,
		"truncated em dash":               "a\n\n\xe2\x80 n " + fiveBytes + "\n",
		"signature line before blank":     good + "\n" + "x",
		"only signature lines":            good,
		"blank line inside sig block end": "a\n\n" + good + good + "\n",
	}
	for name, env := range tests {
		t.Run(name, func(t *testing.T) {
			n, err := ParseNote([]byte(env))
			if !errors.Is(err, ErrMalformed) || n != nil {
				t.Fatalf("ParseNote(%q) = %v, %v; want ErrMalformed", env, n, err)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: malformed: ") {
				t.Errorf("error %q", err)
			}
			var verr *VerificationError
			if errors.As(err, &verr) {
				t.Errorf("error %v is a VerificationError", err)
			}
		})
	}
}

func TestNoteMarshal(t *testing.T) {
	n := &Note{
		Text: []byte(testText),
		Sigs: []Signature{
			{Name: "a", KeyHint: [4]byte{1, 2, 3, 4}, Sig: []byte("sig")},
			{Name: "b", KeyHint: [4]byte{5, 6, 7, 8}, Sig: []byte("longer signature")},
		},
	}
	want := testText + "\n" + sigLine("a", []byte("\x01\x02\x03\x04sig")) + sigLine("b", []byte("\x05\x06\x07\x08longer signature"))
	if got := n.Marshal(); string(got) != want {
		t.Fatalf("Marshal = %q, want %q", got, want)
	}
	n2, err := ParseNote(n.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(n, n2) {
		t.Fatalf("round trip: %+v, want %+v", n2, n)
	}
}
