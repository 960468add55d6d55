// Package rekor reads Rekor transparency-log entry bodies (Rekor v1
// hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.1 and 0.0.2; Rekor v2
// hashedrekord 0.0.2 and dsse 0.0.2) and builds the payload of a Rekor v1
// signed entry timestamp (SET).
//
// A body is only as trustworthy as the proof that the log committed to it;
// callers compare a parsed Body with the bundle after that proof verified.
package rekor

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// ErrMalformed is wrapped by every ParseBody error.
var ErrMalformed = errors.New("rekor: malformed entry body")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Verifier is the signer credential an entry records: a DER certificate or a
// DER PKIX public key and, in Rekor v2 bodies, the protobuf-specs
// PublicKeyDetails name of the algorithm it signed with.
type Verifier struct {
	DER        []byte
	IsCert     bool
	KeyDetails string // Rekor v2 only; never empty there
}

// Signature is one signature recorded by an entry and who made it.
type Signature struct {
	Sig      []byte
	Verifier Verifier
}

// Digest is a hash value with its algorithm.
type Digest struct {
	Alg   crypto.Hash
	Value []byte
}

// Body is the part of an entry body that binds it to a bundle.
type Body struct {
	Kind, APIVersion string
	// Data is the signed digest (hashedrekord: of the artifact, or of the DSSE
	// PAE for Rekor v2 DSSE-as-hashedrekord entries).
	Data Digest
	// PayloadHash is the digest of the DSSE payload (dsse, intoto).
	PayloadHash Digest
	// PayloadType is the DSSE payload type where the body records it (intoto).
	PayloadType string
	Signatures  []Signature
}

// ParseBody parses a canonicalized entry body of the given kind and version,
// which must agree with the body's own kind and apiVersion.
//
// A Rekor v2 body in the canonical form rekor-tiles writes is read in one
// pass (parseCanonicalV2); any other body is decoded once by encoding/json,
// into the spec of the kind it claims (one pass that validates and one that
// decodes).
func ParseBody(kind, version string, body []byte) (*Body, error) {
	if len(body) > limits.MaxEntryBodySize {
		return nil, malformed("%d bytes", len(body))
	}
	var (
		b   *Body
		ok  bool
		err error
	)
	if RekorV2Kind(kind, version) {
		b, ok, err = parseCanonicalV2(kind, body)
	}
	if !ok {
		b, err = decodeBody(kind, version, body)
	}
	if err != nil {
		return nil, err
	}
	if len(b.Signatures) == 0 {
		return nil, malformed("%s/%s body without signatures", kind, version)
	}
	return b, nil
}

// decodeBody decodes a body of any kind with encoding/json.
func decodeBody(kind, version string, body []byte) (*Body, error) {
	b := &Body{Kind: kind, APIVersion: version}
	var err error
	switch kind + "/" + version {
	case "hashedrekord/0.0.1":
		err = b.hashedRekordV001(body)
	case "hashedrekord/0.0.2":
		err = b.hashedRekordV002(body)
	case "dsse/0.0.1":
		err = b.dsseV001(body)
	case "dsse/0.0.2":
		err = b.dsseV002(body)
	case "intoto/0.0.1":
		err = b.intotoV001(body)
	case "intoto/0.0.2":
		err = b.intotoV002(body)
	default:
		return nil, malformed("unsupported kind %s/%s", kind, version)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// decode unmarshals body, an entry of b's kind and version, into spec: a
// syntax error first, then a kind or version other than b's, then any other
// decoding error.
func (b *Body) decode(body []byte, spec any) error {
	head := struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Spec       any    `json:"spec"`
	}{Spec: spec}
	err := json.Unmarshal(body, &head)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return malformed("%v", err)
	}
	if head.Kind != b.Kind || head.APIVersion != b.APIVersion {
		return malformed("body is %s/%s, entry says %s/%s", head.Kind, head.APIVersion, b.Kind, b.APIVersion)
	}
	if err != nil {
		return malformed("%v", err)
	}
	return nil
}

// RekorV2Kind reports whether kind/version is one only Rekor v2 logs
// (rekor-tiles) write: hashedrekord 0.0.2 and dsse 0.0.2. (intoto 0.0.2 is a
// Rekor v1 kind.)
func RekorV2Kind(kind, version string) bool {
	return version == "0.0.2" && (kind == "hashedrekord" || kind == "dsse")
}

type hexDigest struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

func (h hexDigest) parse() (Digest, error) {
	alg, ok := sigalg.DigestByName(h.Algorithm)
	if !ok {
		return Digest{}, malformed("unsupported hash algorithm %q", h.Algorithm)
	}
	v, err := hex.DecodeString(h.Value)
	if err != nil || len(v) != alg.Size() {
		return Digest{}, malformed("bad %s digest", h.Algorithm)
	}
	return Digest{alg, v}, nil
}

type v2Digest struct {
	Algorithm string `json:"algorithm"`
	Digest    []byte `json:"digest"`
}

func (h v2Digest) parse() (Digest, error) {
	alg, ok := sigalg.DigestByProtoName(h.Algorithm)
	if !ok {
		return Digest{}, malformed("unsupported hash algorithm %q", h.Algorithm)
	}
	if len(h.Digest) != alg.Size() {
		return Digest{}, malformed("bad %s digest", h.Algorithm)
	}
	return Digest{alg, h.Digest}, nil
}

// pemVerifier decodes the base64-of-PEM credential Rekor v1 records.
func pemVerifier(b []byte) (Verifier, error) {
	blk, rest := pem.Decode(b)
	if blk == nil || len(rest) != 0 && len(trimSpace(rest)) != 0 {
		return Verifier{}, malformed("verifier is not a single PEM block")
	}
	switch blk.Type {
	case "CERTIFICATE":
		return Verifier{DER: blk.Bytes, IsCert: true}, nil
	case "PUBLIC KEY":
		return Verifier{DER: blk.Bytes}, nil
	}
	return Verifier{}, malformed("verifier PEM type %q", blk.Type)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r' || b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

type v2Verifier struct {
	KeyDetails string `json:"keyDetails"`
	PublicKey  *struct {
		RawBytes []byte `json:"rawBytes"`
	} `json:"publicKey"`
	X509Certificate *struct {
		RawBytes []byte `json:"rawBytes"`
	} `json:"x509Certificate"`
}

func (v v2Verifier) parse() (Verifier, error) {
	if v.KeyDetails == "" {
		return Verifier{}, malformed("verifier without key details")
	}
	switch {
	case v.X509Certificate != nil && v.PublicKey == nil && len(v.X509Certificate.RawBytes) > 0:
		return Verifier{DER: v.X509Certificate.RawBytes, IsCert: true, KeyDetails: v.KeyDetails}, nil
	case v.PublicKey != nil && v.X509Certificate == nil && len(v.PublicKey.RawBytes) > 0:
		return Verifier{DER: v.PublicKey.RawBytes, KeyDetails: v.KeyDetails}, nil
	}
	return Verifier{}, malformed("verifier needs exactly one of a certificate or a public key")
}

func (b *Body) hashedRekordV001(body []byte) error {
	var s struct {
		Data struct {
			Hash hexDigest `json:"hash"`
		} `json:"data"`
		Signature struct {
			Content   []byte `json:"content"`
			PublicKey struct {
				Content []byte `json:"content"`
			} `json:"publicKey"`
		} `json:"signature"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.Data, err = s.Data.Hash.parse(); err != nil {
		return err
	}
	v, err := pemVerifier(s.Signature.PublicKey.Content)
	if err != nil {
		return err
	}
	b.Signatures = []Signature{{Sig: s.Signature.Content, Verifier: v}}
	return nil
}

func (b *Body) hashedRekordV002(body []byte) error {
	var s struct {
		V struct {
			Data      v2Digest `json:"data"`
			Signature struct {
				Content  []byte     `json:"content"`
				Verifier v2Verifier `json:"verifier"`
			} `json:"signature"`
		} `json:"hashedRekordV002"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.Data, err = s.V.Data.parse(); err != nil {
		return err
	}
	v, err := s.V.Signature.Verifier.parse()
	if err != nil {
		return err
	}
	b.Signatures = []Signature{{Sig: s.V.Signature.Content, Verifier: v}}
	return nil
}

func (b *Body) dsseV001(body []byte) error {
	var s struct {
		PayloadHash hexDigest `json:"payloadHash"`
		Signatures  []struct {
			Signature string `json:"signature"`
			Verifier  []byte `json:"verifier"`
		} `json:"signatures"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.PayloadHash, err = s.PayloadHash.parse(); err != nil {
		return err
	}
	for _, sig := range s.Signatures {
		raw, err := base64.StdEncoding.DecodeString(sig.Signature)
		if err != nil {
			return malformed("dsse signature: %v", err)
		}
		v, err := pemVerifier(sig.Verifier)
		if err != nil {
			return err
		}
		b.Signatures = append(b.Signatures, Signature{Sig: raw, Verifier: v})
	}
	return nil
}

func (b *Body) dsseV002(body []byte) error {
	var s struct {
		V struct {
			PayloadHash v2Digest `json:"payloadHash"`
			Signatures  []struct {
				Content  []byte     `json:"content"`
				Verifier v2Verifier `json:"verifier"`
			} `json:"signatures"`
		} `json:"dsseV002"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.PayloadHash, err = s.V.PayloadHash.parse(); err != nil {
		return err
	}
	for _, sig := range s.V.Signatures {
		v, err := sig.Verifier.parse()
		if err != nil {
			return err
		}
		b.Signatures = append(b.Signatures, Signature{Sig: sig.Content, Verifier: v})
	}
	return nil
}

type intotoSig struct {
	Sig       []byte `json:"sig"`
	PublicKey []byte `json:"publicKey"`
}

func (b *Body) intotoV002(body []byte) error {
	var s struct {
		Content struct {
			Envelope struct {
				PayloadType string      `json:"payloadType"`
				Signatures  []intotoSig `json:"signatures"`
			} `json:"envelope"`
			PayloadHash hexDigest `json:"payloadHash"`
		} `json:"content"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.PayloadHash, err = s.Content.PayloadHash.parse(); err != nil {
		return err
	}
	b.PayloadType = s.Content.Envelope.PayloadType
	for _, sig := range s.Content.Envelope.Signatures {
		// intoto 0.0.2 stores the envelope's base64 signature base64-encoded again.
		raw, err := base64.StdEncoding.DecodeString(string(sig.Sig))
		if err != nil {
			return malformed("intoto signature: %v", err)
		}
		v, err := pemVerifier(sig.PublicKey)
		if err != nil {
			return err
		}
		b.Signatures = append(b.Signatures, Signature{Sig: raw, Verifier: v})
	}
	return nil
}

func (b *Body) intotoV001(body []byte) error {
	var s struct {
		Content struct {
			Envelope    string    `json:"envelope"`
			PayloadHash hexDigest `json:"payloadHash"`
		} `json:"content"`
		PublicKey []byte `json:"publicKey"`
	}
	if err := b.decode(body, &s); err != nil {
		return err
	}
	var err error
	if b.PayloadHash, err = s.Content.PayloadHash.parse(); err != nil {
		return err
	}
	v, err := pemVerifier(s.PublicKey)
	if err != nil {
		return err
	}
	var env struct {
		PayloadType string `json:"payloadType"`
		Signatures  []struct {
			Sig []byte `json:"sig"`
		} `json:"signatures"`
	}
	if s.Content.Envelope != "" {
		if err := json.Unmarshal([]byte(s.Content.Envelope), &env); err != nil {
			return malformed("intoto envelope: %v", err)
		}
	}
	b.PayloadType = env.PayloadType
	for _, sig := range env.Signatures {
		b.Signatures = append(b.Signatures, Signature{Sig: sig.Sig, Verifier: v})
	}
	return nil
}

// SETPayload returns the canonical JSON a Rekor v1 log signs as an entry's
// signed entry timestamp: the body, integrated time, hex log ID and log
// index, keys sorted, no whitespace.
func SETPayload(body []byte, integratedTime int64, logID []byte, logIndex int64) []byte {
	n := base64.StdEncoding.EncodedLen(len(body))
	out := make([]byte, 0, n+2*len(logID)+100)
	out = append(out, `{"body":"`...)
	out = base64.StdEncoding.AppendEncode(out, body)
	out = append(out, `","integratedTime":`...)
	out = strconv.AppendInt(out, integratedTime, 10)
	out = append(out, `,"logID":"`...)
	out = hex.AppendEncode(out, logID)
	out = append(out, `","logIndex":`...)
	out = strconv.AppendInt(out, logIndex, 10)
	out = append(out, '}')
	return out
}

// ParseVerifierKey returns the public key of a verifier.
func (v Verifier) PublicKey() (crypto.PublicKey, *x509.Certificate, error) {
	if v.IsCert {
		c, err := x509.ParseCertificate(v.DER)
		if err != nil {
			return nil, nil, malformed("verifier certificate: %v", err)
		}
		return c.PublicKey, c, nil
	}
	k, err := x509.ParsePKIXPublicKey(v.DER)
	if err != nil {
		return nil, nil, malformed("verifier key: %v", err)
	}
	return k, nil, nil
}
