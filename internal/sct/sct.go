// Package sct reads the signed certificate timestamps (RFC 6962) embedded in
// a certificate and rebuilds the data a CT log signed for each of them.
//
// Parsing, the reconstruction of the signed bytes, and the check of one SCT
// against a CT log's key (Verify) live here; the caller finds the log in
// its trusted root and decides how many SCTs it needs.
package sct

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
)

// OID is the X.509v3 extension carrying an embedded SCT list.
var OID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("sct: malformed")

// SCT is one parsed signed certificate timestamp.
type SCT struct {
	LogID      [32]byte
	Timestamp  uint64 // milliseconds since the epoch
	Extensions []byte
	HashAlg    uint8 // TLS HashAlgorithm: 4 = sha256, 5 = sha384, 6 = sha512
	SigAlg     uint8 // TLS SignatureAlgorithm: 1 = rsa, 3 = ecdsa
	Signature  []byte
}

// Embedded returns the SCTs embedded in cert, and whether the extension is present.
func Embedded(cert *x509.Certificate) ([]SCT, bool, error) {
	for _, e := range cert.Extensions {
		if !e.Id.Equal(OID) {
			continue
		}
		scts, err := parseList(e.Value)
		return scts, true, err
	}
	return nil, false, nil
}

func parseList(ext []byte) ([]SCT, error) {
	s := cryptobyte.String(ext)
	var list cryptobyte.String
	if !s.ReadASN1(&list, cbasn1.OCTET_STRING) || !s.Empty() {
		return nil, fmt.Errorf("%w: extension is not an OCTET STRING", ErrMalformed)
	}
	var items cryptobyte.String
	if !list.ReadUint16LengthPrefixed(&items) || !list.Empty() {
		return nil, fmt.Errorf("%w: bad list length", ErrMalformed)
	}
	var out []SCT
	for !items.Empty() {
		if len(out) == limits.MaxSCTs {
			return nil, fmt.Errorf("%w: more than %d SCTs", ErrMalformed, limits.MaxSCTs)
		}
		var item cryptobyte.String
		if !items.ReadUint16LengthPrefixed(&item) {
			return nil, fmt.Errorf("%w: bad SCT length", ErrMalformed)
		}
		var sct SCT
		var version uint8
		var logID, exts, sig []byte
		if !item.ReadUint8(&version) || !item.ReadBytes(&logID, 32) || !item.ReadUint64(&sct.Timestamp) ||
			!item.ReadUint16LengthPrefixed((*cryptobyte.String)(&exts)) ||
			!item.ReadUint8(&sct.HashAlg) || !item.ReadUint8(&sct.SigAlg) ||
			!item.ReadUint16LengthPrefixed((*cryptobyte.String)(&sig)) || !item.Empty() {
			return nil, fmt.Errorf("%w: truncated SCT", ErrMalformed)
		}
		if version != 0 {
			return nil, fmt.Errorf("%w: SCT version %d", ErrMalformed, version)
		}
		copy(sct.LogID[:], logID)
		sct.Extensions, sct.Signature = exts, sig
		out = append(out, sct)
	}
	return out, nil
}

// PrecertTBS returns cert's TBSCertificate with the embedded-SCT extension
// removed: the TBS the CT log saw in the precertificate.
func PrecertTBS(cert *x509.Certificate) ([]byte, error) {
	in := cryptobyte.String(cert.RawTBSCertificate)
	var tbs cryptobyte.String
	if !in.ReadASN1(&tbs, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: bad TBSCertificate", ErrMalformed)
	}
	var b cryptobyte.Builder
	var failed bool
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		extTag := cbasn1.Tag(3).ContextSpecific().Constructed()
		for !tbs.Empty() {
			var elem cryptobyte.String
			var tag cbasn1.Tag
			if !tbs.ReadAnyASN1Element(&elem, &tag) {
				failed = true
				return
			}
			if tag != extTag {
				b.AddBytes(elem)
				continue
			}
			var wrapped, exts cryptobyte.String
			if !elem.ReadASN1(&wrapped, extTag) || !wrapped.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrapped.Empty() {
				failed = true
				return
			}
			b.AddASN1(extTag, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for !exts.Empty() {
						var ext cryptobyte.String
						if !exts.ReadASN1Element(&ext, cbasn1.SEQUENCE) {
							failed = true
							return
						}
						body := ext
						var oid asn1.ObjectIdentifier
						var seq cryptobyte.String
						if !body.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
							failed = true
							return
						}
						if !oid.Equal(OID) {
							b.AddBytes(ext)
						}
					}
				})
			})
		}
	})
	out, err := b.Bytes()
	if err != nil || failed {
		return nil, fmt.Errorf("%w: cannot rebuild precertificate TBS", ErrMalformed)
	}
	return out, nil
}

// SignedData returns the bytes a CT log signed for an embedded SCT
// (RFC 6962 §3.2, precert_entry), given the precertificate TBS and the
// issuer's DER SubjectPublicKeyInfo.
func SignedData(s *SCT, precertTBS, issuerSPKI []byte) ([]byte, error) {
	ikh := sha256.Sum256(issuerSPKI)
	var b cryptobyte.Builder
	b.AddUint8(0) // v1
	b.AddUint8(0) // certificate_timestamp
	b.AddUint64(s.Timestamp)
	b.AddUint16(1) // precert_entry
	b.AddBytes(ikh[:])
	b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(precertTBS) })
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(s.Extensions) })
	return b.Bytes()
}

// Verify checks s, embedded in a certificate whose precertificate TBS is
// tbs and whose issuer is issuer, against a CT log's key: key, signing
// with alg (from the trusted root's key details, never from the SCT), valid
// for validFor. The SCT's hash algorithm must be alg's, its signature must
// verify, and its timestamp must lie in validFor.
func Verify(s *SCT, alg sigalg.Algorithm, key crypto.PublicKey, validFor trustroot.TimeRange, tbs []byte, issuer *x509.Certificate) error {
	var h crypto.Hash
	switch s.HashAlg {
	case 4:
		h = crypto.SHA256
	case 5:
		h = crypto.SHA384
	case 6:
		h = crypto.SHA512
	}
	if h == 0 || h != alg.Hash() {
		return fmt.Errorf("hash algorithm %d does not match the log key", s.HashAlg)
	}
	data, err := SignedData(s, tbs, issuer.RawSubjectPublicKeyInfo)
	if err != nil {
		return err
	}
	if err := alg.Verify(key, data, s.Signature); err != nil {
		return err
	}
	t := time.UnixMilli(int64(s.Timestamp))
	if !validFor.Contains(t) {
		return fmt.Errorf("timestamp %s is outside the log key's validity window", t.UTC().Format(time.RFC3339))
	}
	return nil
}
