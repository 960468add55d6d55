package rekor

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Signed is what an entry must record: one signature, made by a
// certificate's key or a bare public key, over a message digest or a DSSE
// envelope.
type Signed struct {
	Signature []byte
	// Certificate is the signer's certificate, or nil for a public key.
	Certificate *x509.Certificate
	// PublicKey is the signer's key (the certificate's, if there is one).
	PublicKey crypto.PublicKey
	// Algorithm is the algorithm the signer's key signs with, as the
	// verifier checks its signatures (for a message signature, Match takes
	// its ForDigests form with the entry's digest algorithm).
	Algorithm sigalg.Algorithm
	// Envelope says the signature is over a DSSE envelope of PayloadType
	// and Payload; otherwise it is a message signature over Digest, made
	// with DigestAlg (Digest may be nil when the bundle omits it).
	Envelope    bool
	PayloadType string
	Payload     []byte
	DigestAlg   crypto.Hash
	Digest      []byte
}

// Match checks that b records exactly s: its signature, by its signer, over
// its message digest or DSSE envelope. For a message signature, Match
// returns the artifact digest the entry commits to.
//
// The rules, one set for the verifier and the Rekor clients:
//   - The entry names the signer as the bundle does: a certificate signer's
//     entry must record that certificate, byte for byte (DER); an entry
//     recording only the certificate's public key does not match (client
//     spec §4.4, Rekor v2 spec §6.1.4). A public-key signer's entry must
//     record that key.
//   - A Rekor v2 entry's key details must be the protobuf-specs name of the
//     algorithm the signer signs with (sigalg.KeyDetails): for a message
//     signature, the key's digest-signing algorithm with the entry's digest
//     algorithm; for an envelope, the key's algorithm.
//   - A DSSE envelope matches a dsse or intoto entry over its payload, or a
//     hashedrekord entry over the digest of its PAE only in Rekor v2's
//     hashedrekord 0.0.2 (Rekor v1's hashedrekord 0.0.1 says a blob was
//     signed, not an envelope). A message signature matches only a
//     hashedrekord entry.
func (b *Body) Match(s *Signed) (Digest, error) {
	if len(b.Signatures) != 1 {
		return Digest{}, fmt.Errorf("entry records %d signatures, want 1", len(b.Signatures))
	}
	es := b.Signatures[0]
	if !bytes.Equal(es.Sig, s.Signature) {
		return Digest{}, errors.New("signature differs")
	}
	if err := es.Verifier.match(s); err != nil {
		return Digest{}, err
	}
	switch b.Kind {
	case "hashedrekord":
		if !s.Envelope {
			if err := es.Verifier.matchAlgorithm(s, b.Data.Alg); err != nil {
				return Digest{}, err
			}
			if s.Digest != nil && (s.DigestAlg != b.Data.Alg || !bytes.Equal(s.Digest, b.Data.Value)) {
				return Digest{}, errors.New("artifact digest differs from the message digest")
			}
			return b.Data, nil
		}
		if b.APIVersion != "0.0.2" {
			return Digest{}, fmt.Errorf("a hashedrekord %s entry records a signed blob, not a DSSE envelope (only Rekor v2's hashedrekord 0.0.2 logs envelopes)", b.APIVersion)
		}
		if err := es.Verifier.matchAlgorithm(s, 0); err != nil {
			return Digest{}, err
		}
		if b.Data.Alg != s.Algorithm.Hash() {
			return Digest{}, fmt.Errorf("entry digests the DSSE envelope with %v, the signer signs it over %v", b.Data.Alg, s.Algorithm.Hash())
		}
		if !bytes.Equal(dsse.Digest(b.Data.Alg, s.PayloadType, s.Payload), b.Data.Value) {
			return Digest{}, errors.New("digest differs from the DSSE envelope's")
		}
		return Digest{}, nil
	case "dsse", "intoto":
		if !s.Envelope {
			return Digest{}, fmt.Errorf("%s entry for a message signature", b.Kind)
		}
		if err := es.Verifier.matchAlgorithm(s, 0); err != nil {
			return Digest{}, err
		}
		if !bytes.Equal(Sum(b.PayloadHash.Alg, s.Payload), b.PayloadHash.Value) {
			return Digest{}, errors.New("payload hash differs from the DSSE payload's")
		}
		if b.PayloadType != "" && b.PayloadType != s.PayloadType {
			return Digest{}, errors.New("payload type differs")
		}
		return Digest{}, nil
	}
	return Digest{}, fmt.Errorf("unsupported kind %s", b.Kind)
}

func (v Verifier) match(s *Signed) error {
	switch {
	case v.IsCert && s.Certificate == nil:
		return errors.New("entry records a certificate, the signer is a public key")
	case !v.IsCert && s.Certificate != nil:
		return errors.New("entry records a public key, not the signer's certificate")
	case v.IsCert:
		if !bytes.Equal(v.DER, s.Certificate.Raw) {
			return errors.New("certificate differs")
		}
		return nil
	}
	pub, err := x509.ParsePKIXPublicKey(v.DER)
	if err != nil {
		return fmt.Errorf("entry public key: %w", err)
	}
	if !sigalg.EqualKeys(pub, s.PublicKey) {
		return errors.New("public key differs")
	}
	return nil
}

// matchAlgorithm checks the key details a Rekor v2 entry records against
// the algorithm the signer signs with: for a message signature over a
// digest made with h, the key's digest-signing algorithm with h; for an
// envelope (h zero), the key's algorithm. Rekor v1 bodies record none.
func (v Verifier) matchAlgorithm(s *Signed, h crypto.Hash) error {
	if v.KeyDetails == "" {
		return nil
	}
	alg := s.Algorithm
	if !s.Envelope {
		var err error
		if alg, err = alg.ForDigests().WithHash(h); err != nil {
			return fmt.Errorf("entry key details %s: %w", v.KeyDetails, err)
		}
	}
	want, err := sigalg.KeyDetails(alg, s.PublicKey)
	if err != nil {
		return fmt.Errorf("entry key details %s: %w", v.KeyDetails, err)
	}
	if v.KeyDetails != want {
		return fmt.Errorf("entry key details %s are not the signer's (%s)", v.KeyDetails, want)
	}
	return nil
}

// Sum returns the h digest of data, or nil when h is not available.
func Sum(h crypto.Hash, data []byte) []byte {
	if !h.Available() {
		return nil
	}
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}
