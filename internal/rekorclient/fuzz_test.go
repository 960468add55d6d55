package rekorclient

import (
	"bytes"
	"testing"

	"github.com/sigil-dev/sigil/internal/httpx"
)

// FuzzParseV1Response checks that the Rekor v1 response parser never panics
// and that what it accepts is an entry of the asked kind whose sizes are
// within sigil's limits.
func FuzzParseV1Response(f *testing.F) {
	f.Add(read(f, "rekor1-response.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseV1Response(data, "hashedrekord", "0.0.1")
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

// FuzzParseV2Response checks the same of the Rekor v2 parser, and that a
// parsed entry's body survives as given.
func FuzzParseV2Response(f *testing.F) {
	f.Add(read(f, "rekor2-response.json"))
	f.Add(read(f, "rekor2-pubkey-response.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseV2Response(data)
		if err != nil {
			if e != nil {
				t.Fatal("entry with error")
			}
			return
		}
		if e.Proof == nil || len(e.Proof.Checkpoint) == 0 || len(e.Body) == 0 || len(e.LogID) == 0 || e.LogIndex < 0 {
			t.Fatalf("accepted incomplete entry %+v", e)
		}
		again, err := ParseV2Response(data)
		if err != nil || !bytes.Equal(again.Body, e.Body) {
			t.Fatal("parse is not deterministic")
		}
	})
}

// FuzzValidate runs every check of a Rekor v1 response: whatever the bytes,
// nothing panics, and what validates logs the recorded body.
func FuzzValidate(f *testing.F) {
	good := read(f, "rekor1-response.json")
	f.Add(good)
	fx := load(f)
	want, err := ParseV1Response(good, "hashedrekord", "0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	c, err := New(&httpx.Client{Service: "rekor"}, v1Base, V1, fx.logs(v1Base))
	if err != nil {
		f.Fatal(err)
	}
	req := fx.request(true)
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseV1Response(data, "hashedrekord", "0.0.1")
		if err != nil {
			return
		}
		if c.validate(e, req) == nil && !bytes.Equal(e.Body, want.Body) {
			t.Fatalf("validated another body: %q", e.Body)
		}
	})
}
