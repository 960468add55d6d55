package oidctoken

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; it either returns claims that parse the
// same way again, or an error that wraps ErrInvalid and ErrMalformed and
// does not quote the input. Seeds: testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(mint(f, goodClaims()))
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := Parse(tok)
		if err != nil {
			if !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrInvalid and ErrMalformed", err)
			}
			for _, part := range strings.Split(tok, ".") {
				if len(part) >= 16 && strings.Contains(err.Error(), part) {
					t.Fatalf("error %q quotes the input", err)
				}
			}
			return
		}
		c2, err := Parse(tok)
		if err != nil || c2.Issuer != c.Issuer || c2.Subject != c.Subject || c2.Email != c.Email || !c2.Expiry.Equal(c.Expiry) {
			t.Fatalf("second parse differs: %+v, %v", c2, err)
		}
		_ = c.Check(DefaultAudience, now) // must not panic
	})
}

// FuzzGitHubActionsResponse: the GitHub Actions ID-token response parser
// never panics, returns the "value" encoding/json reads, and its errors
// never quote the response (which holds a token). Seeds:
// testdata/fuzz/FuzzGitHubActionsResponse.
func FuzzGitHubActionsResponse(f *testing.F) {
	f.Add([]byte(`{"count":1,"value":"` + mint(f, goodClaims()) + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseGitHubActionsResponse(data)
		if err != nil {
			if tok != "" {
				t.Fatal("token with error")
			}
			msg := err.Error()
			for _, w := range strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune(` "{}:,[]`, r) }) {
				if len(w) >= 12 && strings.Contains(msg, w) {
					t.Fatalf("error %q quotes the response", msg)
				}
			}
			return
		}
		var body struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(data, &body) != nil || body.Value != tok || tok == "" {
			t.Fatalf("returned %q for a response encoding/json reads as %q", tok, body.Value)
		}
	})
}
