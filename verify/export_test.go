package verify

import "github.com/sigil-dev/sigil/bundle"

// FullWalk returns a copy of v that validates every certificate path by
// crypto/x509's full walk to the CA's anchor, never by the short path: the
// reference the short path is tested against.
func FullWalk(v *Verifier) *Verifier {
	w := *v
	w.cas = nil
	for _, c := range v.cas {
		full := *c
		full.issuerRoots = nil
		w.cas = append(w.cas, &full)
	}
	return &w
}

// TakesShortPath reports whether v validates b's signing certificate
// against a CA's issuing certificate as the anchor (the short path).
func TakesShortPath(v *Verifier, b *bundle.Bundle) bool {
	certs := b.Certificates()
	if len(certs) == 0 {
		return false
	}
	for _, c := range v.cas {
		if c.shortPath(certs[0], certs[1:]) {
			return true
		}
	}
	return false
}
