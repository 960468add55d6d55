package rekor

import (
	"bytes"
	"encoding/base64"
)

// parseCanonicalV2 parses a Rekor v2 body (hashedrekord 0.0.2 or dsse
// 0.0.2) in the one form rekor-tiles writes it: canonical JSON (keys
// sorted, no whitespace), no field beyond those sigil reads, strings
// without escapes. It is ParseBody's fast path, one pass over the bytes
// instead of encoding/json's two; it returns ok false for any body it does
// not recognise, which ParseBody then decodes with encoding/json. A body
// it accepts is one encoding/json decodes to the same Body (FuzzCanonicalV2
// checks this), and every check ParseBody makes on a decoded body
// (algorithms, digest sizes, verifiers) is made here by the same code.
//
// err is non-nil only with ok true: a body in the canonical form whose
// values ParseBody rejects.
func parseCanonicalV2(kind string, body []byte) (b *Body, ok bool, err error) {
	s := canonical(body)
	b = &Body{Kind: kind, APIVersion: "0.0.2"}
	switch kind {
	case "hashedrekord":
		if !s.lit(`{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":`) {
			return nil, false, nil
		}
		d, ok := s.digest()
		if !ok || !s.lit(`,"signature":{"content":`) {
			return nil, false, nil
		}
		sig, ok := s.bytes()
		if !ok || !s.lit(`,"verifier":`) {
			return nil, false, nil
		}
		v, ok := s.verifier()
		if !ok || !s.lit(`}}}}`) || len(s) != 0 {
			return nil, false, nil
		}
		if b.Data, err = d.parse(); err != nil {
			return nil, true, err
		}
		if err := b.addSignature(sig, v); err != nil {
			return nil, true, err
		}
	case "dsse":
		if !s.lit(`{"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":`) {
			return nil, false, nil
		}
		d, ok := s.digest()
		if !ok || !s.lit(`,"signatures":[`) {
			return nil, false, nil
		}
		type sigVerifier struct {
			sig []byte
			v   v2Verifier
		}
		var sigs []sigVerifier
		for !s.lit(`]`) {
			if len(sigs) > 0 && !s.lit(`,`) {
				return nil, false, nil
			}
			if !s.lit(`{"content":`) {
				return nil, false, nil
			}
			sig, ok := s.bytes()
			if !ok || !s.lit(`,"verifier":`) {
				return nil, false, nil
			}
			v, ok := s.verifier()
			if !ok || !s.lit(`}`) {
				return nil, false, nil
			}
			sigs = append(sigs, sigVerifier{sig, v})
		}
		if !s.lit(`}}}`) || len(s) != 0 {
			return nil, false, nil
		}
		if b.PayloadHash, err = d.parse(); err != nil {
			return nil, true, err
		}
		for _, sv := range sigs {
			if err := b.addSignature(sv.sig, sv.v); err != nil {
				return nil, true, err
			}
		}
	default:
		return nil, false, nil
	}
	return b, true, nil
}

func (b *Body) addSignature(sig []byte, v v2Verifier) error {
	pv, err := v.parse()
	if err != nil {
		return err
	}
	b.Signatures = append(b.Signatures, Signature{Sig: sig, Verifier: pv})
	return nil
}

// canonical is the rest of a body being read by parseCanonicalV2.
type canonical []byte

// lit consumes prefix.
func (s *canonical) lit(prefix string) bool {
	if len(*s) < len(prefix) || string((*s)[:len(prefix)]) != prefix {
		return false
	}
	*s = (*s)[len(prefix):]
	return true
}

// str consumes a JSON string without escapes, control characters or bytes
// outside ASCII, and returns its contents.
func (s *canonical) str() ([]byte, bool) {
	v, ok := s.quoted()
	if !ok {
		return nil, false
	}
	for _, c := range v {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return nil, false
		}
	}
	return v, true
}

// quoted consumes '"', the bytes up to the next '"', which it returns
// unchecked, and that '"'.
func (s *canonical) quoted() ([]byte, bool) {
	if len(*s) == 0 || (*s)[0] != '"' {
		return nil, false
	}
	i := bytes.IndexByte((*s)[1:], '"')
	if i < 0 {
		return nil, false
	}
	v := (*s)[1 : 1+i]
	*s = (*s)[i+2:]
	return v, true
}

// bytes consumes a JSON string of standard base64 and returns the bytes it
// encodes, as encoding/json decodes it into a []byte (base64.StdEncoding).
// The decoder rejects every byte outside the alphabet (so escapes, control
// characters and non-ASCII) but CR and LF, which it skips and JSON forbids
// in a string, so those are rejected first.
func (s *canonical) bytes() ([]byte, bool) {
	v, ok := s.quoted()
	if !ok || bytes.IndexByte(v, '\r') >= 0 || bytes.IndexByte(v, '\n') >= 0 {
		return nil, false
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(v)))
	n, err := base64.StdEncoding.Decode(out, v)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// digest consumes {"algorithm":"<name>","digest":"<base64>"}.
func (s *canonical) digest() (v2Digest, bool) {
	if !s.lit(`{"algorithm":`) {
		return v2Digest{}, false
	}
	alg, ok := s.str()
	if !ok || !s.lit(`,"digest":`) {
		return v2Digest{}, false
	}
	d, ok := s.bytes()
	if !ok || !s.lit(`}`) {
		return v2Digest{}, false
	}
	return v2Digest{Algorithm: string(alg), Digest: d}, true
}

// verifier consumes {"keyDetails":"<name>","publicKey":{"rawBytes":"<base64>"}}
// or the same with x509Certificate for publicKey.
func (s *canonical) verifier() (v2Verifier, bool) {
	if !s.lit(`{"keyDetails":`) {
		return v2Verifier{}, false
	}
	kd, ok := s.str()
	if !ok {
		return v2Verifier{}, false
	}
	v := v2Verifier{KeyDetails: string(kd)}
	raw := &struct {
		RawBytes []byte `json:"rawBytes"`
	}{}
	switch {
	case s.lit(`,"publicKey":{"rawBytes":`):
		v.PublicKey = raw
	case s.lit(`,"x509Certificate":{"rawBytes":`):
		v.X509Certificate = raw
	default:
		return v2Verifier{}, false
	}
	if raw.RawBytes, ok = s.bytes(); !ok || !s.lit(`}}`) {
		return v2Verifier{}, false
	}
	return v, true
}
