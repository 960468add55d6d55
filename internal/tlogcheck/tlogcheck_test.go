package tlogcheck

import (
	"errors"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/bundle"
)

// TestVerifyLogIndex: a Rekor v2 entry's index must be its proof's; a
// Rekor v1 entry's may differ (shards), its promise signs it.
func TestVerifyLogIndex(t *testing.T) {
	proof := func(i int64) *bundle.InclusionProof { return &bundle.InclusionProof{LogIndex: i} }
	for _, tc := range []struct {
		name string
		e    bundle.TlogEntry
		err  string
	}{
		{"v2 equal", bundle.TlogEntry{Kind: "hashedrekord", KindVersion: "0.0.2", LogIndex: 5, Proof: proof(5)}, ""},
		{"v2 dsse equal", bundle.TlogEntry{Kind: "dsse", KindVersion: "0.0.2", LogIndex: 0, Proof: proof(0)}, ""},
		{"v2 differs", bundle.TlogEntry{Kind: "hashedrekord", KindVersion: "0.0.2", LogIndex: 7, Proof: proof(5)}, "log index 7 is not the one the inclusion proof proves (5)"},
		{"v2 differs despite a SET", bundle.TlogEntry{Kind: "dsse", KindVersion: "0.0.2", LogIndex: 7, Proof: proof(5), SET: []byte{1}}, "log index 7"},
		{"v2 without proof", bundle.TlogEntry{Kind: "hashedrekord", KindVersion: "0.0.2", LogIndex: 7, SET: []byte{1}}, "without an inclusion proof"},
		{"v1 shard index", bundle.TlogEntry{Kind: "hashedrekord", KindVersion: "0.0.1", LogIndex: 154562758, Proof: proof(32658496)}, ""},
		{"v1 intoto 0.0.2", bundle.TlogEntry{Kind: "intoto", KindVersion: "0.0.2", LogIndex: 9, Proof: proof(3)}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyLogIndex(&tc.e)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var te *Error
			if !errors.As(err, &te) || te.Check != CheckInclusionProof || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %v, want an inclusion-proof *Error saying %q", err, tc.err)
			}
		})
	}
}
