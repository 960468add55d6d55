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
// its message digest or DSSE envelope (Rekor v2 logs an envelope as a
// hashedrekord entry over the digest of its PAE). An entry naming a
// certificate must name s.Certificate; one naming a public key must name
// s.PublicKey. For a message signature, Match returns the artifact digest
// the entry commits to.
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
			if s.Digest != nil && (s.DigestAlg != b.Data.Alg || !bytes.Equal(s.Digest, b.Data.Value)) {
				return Digest{}, errors.New("artifact digest differs from the message digest")
			}
			return b.Data, nil
		}
		if !bytes.Equal(dsse.Digest(b.Data.Alg, s.PayloadType, s.Payload), b.Data.Value) {
			return Digest{}, errors.New("digest differs from the DSSE envelope's")
		}
		return Digest{}, nil
	case "dsse", "intoto":
		if !s.Envelope {
			return Digest{}, fmt.Errorf("%s entry for a message signature", b.Kind)
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
	if v.IsCert {
		if s.Certificate == nil {
			return errors.New("entry names a certificate, the signer is a public key")
		}
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

// Sum returns the h digest of data, or nil when h is not available.
func Sum(h crypto.Hash, data []byte) []byte {
	if !h.Available() {
		return nil
	}
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}
