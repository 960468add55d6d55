package sigalg

import "crypto"

// Digests are SHA-2 only. Their spellings differ by format: in-toto and
// Rekor v1 say "sha256", protobuf-specs (and Rekor v2) say "SHA2_256".
var digests = [...]struct {
	h           crypto.Hash
	name, proto string
}{
	{crypto.SHA256, "sha256", "SHA2_256"},
	{crypto.SHA384, "sha384", "SHA2_384"},
	{crypto.SHA512, "sha512", "SHA2_512"},
}

// DigestByName returns the digest algorithm named as in-toto and Rekor v1
// name it ("sha256", "sha384", "sha512").
func DigestByName(name string) (crypto.Hash, bool) {
	for _, d := range digests {
		if d.name == name {
			return d.h, true
		}
	}
	return 0, false
}

// DigestByProtoName returns the digest algorithm of a protobuf-specs
// HashAlgorithm name ("SHA2_256", "SHA2_384", "SHA2_512").
func DigestByProtoName(name string) (crypto.Hash, bool) {
	for _, d := range digests {
		if d.proto == name {
			return d.h, true
		}
	}
	return 0, false
}

// DigestName returns the in-toto name of an allowed digest algorithm, or "".
func DigestName(h crypto.Hash) string {
	for _, d := range digests {
		if d.h == h {
			return d.name
		}
	}
	return ""
}
