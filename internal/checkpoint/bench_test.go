package checkpoint

import "testing"

func BenchmarkOpen(b *testing.B) {
	c := loadCorpus(b)
	for _, bc := range []struct{ name, corpusCase string }{
		{"rekor-v1-ecdsa-p256", "conformance/happy-path-v0.3"},
		{"rekor-v1-ecdsa-p256-timestamp", "conformance/happy-path-v0.2"},
		{"rekor-v2-ed25519", "conformance/rekor2-happy-path"},
		{"rekor-v2-ed25519-3-cosigs", "conformance/rekor2-dsse-happy-path"},
	} {
		cc := c.get(b, bc.corpusCase)
		v := c.log(b, cc)
		env := []byte(cc.Envelope)
		if _, err := Open(env, v); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(env)))
			for b.Loop() {
				if _, err := Open(env, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
