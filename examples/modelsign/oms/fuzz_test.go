package oms_test

import (
	"slices"
	"testing"

	"github.com/sigil-dev/sigil/examples/modelsign/oms"
)

// FuzzParseStatement: the statement parser never panics, and a manifest it
// accepts survives a round trip through Statement unchanged.
func FuzzParseStatement(f *testing.F) {
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := oms.ParseStatement(payload)
		if err != nil {
			return
		}
		st, err := m.Statement()
		if err != nil {
			t.Fatal(err)
		}
		m2 := parseStatement(t, st.Predicate, st.Subject[0].Digest["sha256"])
		if !slices.Equal(m.Resources, m2.Resources) || m.Serialization.Method != m2.Serialization.Method ||
			m.Serialization.ShardSize != m2.Serialization.ShardSize || !slices.Equal(m.Serialization.IgnorePaths, m2.Serialization.IgnorePaths) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzParseBundle: ParseBundle never panics, and every method check of a
// bundle it accepts runs.
func FuzzParseBundle(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := oms.ParseBundle(data)
		if err != nil {
			return
		}
		for _, m := range []string{oms.MethodKey, oms.MethodCertificate, oms.MethodSigstore} {
			_ = oms.CheckMethod(m, b)
		}
	})
}
