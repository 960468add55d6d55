package checkpoint

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseCheckpoint(t *testing.T) {
	hash, _ := base64.StdEncoding.DecodeString(testHash)
	tests := []struct {
		name string
		text string
		want Checkpoint
	}{
		{"rekor v2", "log2025-alpha1.rekor.sigstage.dev\n736\n" + testHash + "\n",
			Checkpoint{Origin: "log2025-alpha1.rekor.sigstage.dev", Size: 736, RootHash: hash}},
		{"rekor v1 with timestamp", "rekor.sigstore.dev - 2605736670972794746\n23083062\n" + testHash + "\nTimestamp: 1689177396617352539\n",
			Checkpoint{Origin: "rekor.sigstore.dev - 2605736670972794746", Size: 23083062, RootHash: hash, Extra: []string{"Timestamp: 1689177396617352539"}}},
		{"empty tree", "o\n0\n" + testHash + "\n",
			Checkpoint{Origin: "o", Size: 0, RootHash: hash}},
		{"largest size", "o\n18446744073709551615\n" + testHash + "\n",
			Checkpoint{Origin: "o", Size: 1<<64 - 1, RootHash: hash}},
		{"extension lines verbatim", "o\n1\n" + testHash + "\n x \n—\nünï + code\n",
			Checkpoint{Origin: "o", Size: 1, RootHash: hash, Extra: []string{" x ", "—", "ünï + code"}}},
		{"origin with spaces and plus", " a + b \n1\n" + testHash + "\n",
			Checkpoint{Origin: " a + b ", Size: 1, RootHash: hash}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.text)
			cp, err := ParseCheckpoint(in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*cp, tt.want) {
				t.Fatalf("got %+v, want %+v", *cp, tt.want)
			}
			if got := cp.Marshal(); !bytes.Equal(got, in) {
				t.Errorf("Marshal = %q, want %q", got, in)
			}
			for i := range in {
				in[i] = 'x'
			}
			if !reflect.DeepEqual(*cp, tt.want) {
				t.Error("Checkpoint aliases the text")
			}
		})
	}
}

func TestParseCheckpointMalformed(t *testing.T) {
	h := testHash
	tests := map[string]string{
		"empty":                   "",
		"newline":                 "\n",
		"origin only":             "o\n",
		"no root hash":            "o\n1\n",
		"no final newline":        "o\n1\n" + h,
		"empty origin":            "\n1\n" + h + "\n",
		"missing origin":          "1\n" + h + "\n",
		"missing size":            "o\n" + h + "\n",
		"empty size":              "o\n\n" + h + "\n",
		"leading zero":            "o\n01\n" + h + "\n",
		"double zero":             "o\n00\n" + h + "\n",
		"plus sign":               "o\n+1\n" + h + "\n",
		"minus sign":              "o\n-1\n" + h + "\n",
		"negative zero":           "o\n-0\n" + h + "\n",
		"leading space":           "o\n 1\n" + h + "\n",
		"trailing space":          "o\n1 \n" + h + "\n",
		"decimal point":           "o\n1.0\n" + h + "\n",
		"exponent":                "o\n1e3\n" + h + "\n",
		"hex":                     "o\n0x10\n" + h + "\n",
		"underscore":              "o\n1_000\n" + h + "\n",
		"non-ASCII digit":         "o\n\u0661\n" + h + "\n",
		"2^64":                    "o\n18446744073709551616\n" + h + "\n",
		"21 digits":               "o\n100000000000000000000\n" + h + "\n",
		"empty root hash":         "o\n1\n\n",
		"unpadded root hash":      "o\n1\n" + strings.TrimSuffix(h, "=") + "\n",
		"non-canonical root hash": "o\n1\n" + strings.TrimSuffix(h, "I=") + "J=\n",
		"URL-safe root hash":      "o\n1\n" + strings.NewReplacer("+", "-").Replace(h) + "\n",
		"31-byte root hash":       "o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 31)) + "\n",
		"33-byte root hash":       "o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 33)) + "\n",
		"48-byte root hash":       "o\n1\n" + base64.StdEncoding.EncodeToString(make([]byte, 48)) + "\n",
		"hex root hash":           "o\n1\n" + strings.Repeat("ab", 32) + "\n",
		"root hash with space":    "o\n1\n" + h + " \n",
		"empty extension line":    "o\n1\n" + h + "\n\n",
		"empty middle extension":  "o\n1\n" + h + "\na\n\nb\n",
		"no newline after ext":    "o\n1\n" + h + "\na",
		"carriage return":         "o\r\n1\r\n" + h + "\r\n",
		"tab":                     "o\t\n1\n" + h + "\n",
		"invalid UTF-8":           "o\xff\n1\n" + h + "\n",
		"101 lines":               "o\n1\n" + h + "\n" + strings.Repeat("e\n", MaxTextLines-2),
		"long line":               strings.Repeat("o", MaxLineLength+1) + "\n1\n" + h + "\n",
		"too large":               "o\n1\n" + h + "\n" + strings.Repeat(strings.Repeat("e", 2000)+"\n", 66),
		"a whole note":            "o\n1\n" + h + "\n\n— n " + fiveBytes + "\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			cp, err := ParseCheckpoint([]byte(text))
			if !errors.Is(err, ErrMalformed) || cp != nil {
				t.Fatalf("ParseCheckpoint(%q) = %+v, %v; want ErrMalformed", text, cp, err)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: malformed: ") {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestParseCheckpointBounds(t *testing.T) {
	ok := []string{
		"o\n1\n" + testHash + "\n" + strings.Repeat("e\n", MaxTextLines-3),
		strings.Repeat("o", MaxLineLength) + "\n1\n" + testHash + "\n",
	}
	for _, text := range ok {
		if _, err := ParseCheckpoint([]byte(text)); err != nil {
			t.Errorf("%.40q...: %v", text, err)
		}
	}
}

func TestCheckpointMarshal(t *testing.T) {
	hash, _ := base64.StdEncoding.DecodeString(testHash)
	cp := &Checkpoint{Origin: "o", Size: 42, RootHash: hash, Extra: []string{"a", "b"}}
	want := "o\n42\n" + testHash + "\na\nb\n"
	if got := string(cp.Marshal()); got != want {
		t.Fatalf("Marshal = %q, want %q", got, want)
	}
}
