package sign

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/internal/httpx"
)

// FuzzParseV1Response checks that the Rekor v1 response parser never panics
// and that what it accepts is an entry of the asked kind whose sizes are
// within sigil's limits.
func FuzzParseV1Response(f *testing.F) {
	f.Add(readSample(f, "rekor1-response.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := parseLogV1Response(data, "hashedrekord", "0.0.1")
		if err != nil {
			if e != nil {
				t.Fatal("entry with error")
			}
			return
		}
		if e.Kind != "hashedrekord" || e.KindVersion != "0.0.1" || e.Proof == nil || e.SET == nil || len(e.Body) == 0 || e.LogIndex < 0 {
			t.Fatalf("accepted incomplete entry %+v", e)
		}
	})
}

// FuzzValidate runs every check of a Rekor v1 response: whatever the bytes,
// nothing panics, and what validates logs the recorded body.
func FuzzValidate(f *testing.F) {
	good := readSample(f, "rekor1-response.json")
	f.Add(good)
	fx := load(f)
	want, err := parseLogV1Response(good, "hashedrekord", "0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	c, err := newRekorClient(&httpx.Client{Service: "rekor"}, v1Base, rekorV1, fx.logs(v1Base))
	if err != nil {
		f.Fatal(err)
	}
	req := fx.request(true)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := parseLogV1Response(data, "hashedrekord", "0.0.1")
		if err != nil {
			return
		}
		if c.validate(e, req) == nil && !bytes.Equal(e.Body, want.Body) {
			t.Fatalf("validated another body: %q", e.Body)
		}
	})
}

// FuzzConflictUUID: reading the existing entry's UUID from a Rekor v1 409
// response never panics, and what it returns is a UUID (64 or 80 hex
// digits, nothing that could change the URL it is put in). Seeds:
// testdata/fuzz/FuzzConflictUUID.
func FuzzConflictUUID(f *testing.F) {
	uuid := "108e9186e8c5677a" + strings.Repeat("3a", 32)
	f.Add("https://rekor.sigstore.dev/api/v1/log/entries/"+uuid, []byte(`{"code":409}`))
	f.Add("", []byte(`{"code":409,"message":"an equivalent entry already exists in the transparency log with UUID `+uuid+`"}`))
	f.Fuzz(func(t *testing.T, location string, body []byte) {
		resp := &httpx.Response{StatusCode: 409, Header: http.Header{}, Body: body}
		if location != "" {
			resp.Header.Set("Location", location)
		}
		got, err := conflictUUID(resp)
		if err != nil {
			if got != "" {
				t.Fatal("UUID with error")
			}
			return
		}
		raw, herr := hex.DecodeString(got)
		if herr != nil || (len(raw) != 32 && len(raw) != 40) || strings.ContainsAny(got, "/?#.%") {
			t.Fatalf("conflictUUID returned %q", got)
		}
	})
}
