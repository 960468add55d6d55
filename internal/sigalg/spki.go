package sigalg

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
)

// The DER of a SubjectPublicKeyInfo up to the key's bytes, for the keys of
// fixed size (RFC 5480 for the NIST curves, uncompressed points; RFC 8410
// for Ed25519). TestMarshalPublicKey holds them to crypto/x509.
var (
	spkiP256    = []byte("\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07\x03\x42\x00")
	spkiP384    = []byte("\x30\x76\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x22\x03\x62\x00")
	spkiP521    = []byte("\x30\x81\x9b\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04\x00\x23\x03\x81\x86\x00")
	spkiEd25519 = []byte("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00")
)

// MarshalPublicKey returns pub's PKIX SubjectPublicKeyInfo in DER, the bytes
// of x509.MarshalPKIXPublicKey (which, unlike MarshalPublicKey, encodes an
// Ed25519 key of the wrong length). Keys of the NIST curves and Ed25519 are
// encoded without reflection (a key hint or log ID is computed for every
// bundle signed); others go through crypto/x509.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		var prefix []byte
		switch k.Curve {
		case elliptic.P256():
			prefix = spkiP256
		case elliptic.P384():
			prefix = spkiP384
		case elliptic.P521():
			prefix = spkiP521
		default:
			return x509.MarshalPKIXPublicKey(pub)
		}
		point, err := k.Bytes()
		if err != nil {
			return nil, err
		}
		return append(append(make([]byte, 0, len(prefix)+len(point)), prefix...), point...), nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 public key of %d bytes", len(k))
		}
		return append(append(make([]byte, 0, len(spkiEd25519)+len(k)), spkiEd25519...), k...), nil
	}
	return x509.MarshalPKIXPublicKey(pub)
}
