package bundle

import (
	"encoding/base64"
	"errors"
	"strconv"
	"unicode/utf8"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
)

// The bundle's JSON encoder. It writes exactly what protojson.Marshal
// followed by json.Compact writes for the same message (a test holds it to
// that over every bundle of the corpus, and a fuzz target over whatever
// Parse accepts), without reflection:
//
//   - fields in the order the .proto files declare them, under their JSON
//     names (lowerCamelCase);
//   - proto3 implicit presence: a zero scalar, an empty string or bytes, a
//     zero enum and an empty list are omitted; a message that is set is
//     written, as {} when empty;
//   - bytes in standard base64 with padding, 64-bit integers as decimal
//     strings, enums by name;
//   - strings with the escapes protojson uses (", \, and control characters;
//     nothing else), and invalid UTF-8 an error.

var errInvalidUTF8 = errors.New("string field contains invalid UTF-8")

// jsonWriter appends one JSON object's fields, with commas between them.
type jsonWriter struct {
	buf []byte
	err error
	// first is true until the current object has a field.
	first bool
}

func (w *jsonWriter) open() { w.buf = append(w.buf, '{'); w.first = true }

func (w *jsonWriter) close() { w.buf = append(w.buf, '}'); w.first = false }

// key writes the name of the next field.
func (w *jsonWriter) key(name string) {
	if !w.first {
		w.buf = append(w.buf, ',')
	}
	w.first = false
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '"', ':')
}

func (w *jsonWriter) str(name, v string) {
	if v == "" {
		return
	}
	w.key(name)
	w.quote(v)
}

func (w *jsonWriter) bytes(name string, v []byte) {
	if len(v) == 0 {
		return
	}
	w.key(name)
	w.base64(v)
}

func (w *jsonWriter) int64(name string, v int64) {
	if v == 0 {
		return
	}
	w.key(name)
	w.buf = append(w.buf, '"')
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.buf = append(w.buf, '"')
}

func (w *jsonWriter) base64(v []byte) {
	w.buf = append(w.buf, '"')
	w.buf = base64.StdEncoding.AppendEncode(w.buf, v)
	w.buf = append(w.buf, '"')
}

// quote writes s as a JSON string, escaped as protojson escapes it.
func (w *jsonWriter) quote(s string) {
	const hex = "0123456789abcdef"
	w.buf = append(w.buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				w.err = errInvalidUTF8
				return
			}
			i += n
			continue
		}
		if c >= ' ' && c != '"' && c != '\\' {
			i++
			continue
		}
		w.buf = append(w.buf, s[start:i]...)
		switch c {
		case '"', '\\':
			w.buf = append(w.buf, '\\', c)
		case '\b':
			w.buf = append(w.buf, '\\', 'b')
		case '\f':
			w.buf = append(w.buf, '\\', 'f')
		case '\n':
			w.buf = append(w.buf, '\\', 'n')
		case '\r':
			w.buf = append(w.buf, '\\', 'r')
		case '\t':
			w.buf = append(w.buf, '\\', 't')
		default:
			w.buf = append(w.buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	w.buf = append(w.buf, s[start:]...)
	w.buf = append(w.buf, '"')
}

// encodeBundle appends pb's JSON encoding to dst. mediaType replaces pb's
// media type when not empty; singleCert, when not nil, replaces a
// certificate chain as version 0.3's single certificate. The only errors are
// a string that is not valid UTF-8 and an enum value without a name, which
// a validated bundle does not hold.
func encodeBundle(dst []byte, pb *protobundle.Bundle, mediaType string, singleCert []byte) ([]byte, error) {
	w := &jsonWriter{buf: dst}
	w.open()
	if mediaType == "" {
		mediaType = pb.GetMediaType()
	}
	w.str("mediaType", mediaType)
	if vm := pb.GetVerificationMaterial(); vm != nil {
		w.key("verificationMaterial")
		w.material(vm, singleCert)
	}
	switch c := pb.GetContent().(type) {
	case *protobundle.Bundle_MessageSignature:
		w.key("messageSignature")
		w.messageSignature(c.MessageSignature)
	case *protobundle.Bundle_DsseEnvelope:
		w.key("dsseEnvelope")
		w.envelope(c.DsseEnvelope)
	}
	w.close()
	if w.err != nil {
		return nil, w.err
	}
	return w.buf, nil
}

func (w *jsonWriter) material(vm *protobundle.VerificationMaterial, singleCert []byte) {
	w.open()
	switch c := vm.GetContent().(type) {
	case *protobundle.VerificationMaterial_PublicKey:
		w.key("publicKey")
		w.open()
		w.str("hint", c.PublicKey.GetHint())
		w.close()
	case *protobundle.VerificationMaterial_X509CertificateChain:
		if singleCert != nil {
			w.key("certificate")
			w.certificate(singleCert)
			break
		}
		w.key("x509CertificateChain")
		w.open()
		if certs := c.X509CertificateChain.GetCertificates(); len(certs) > 0 {
			w.key("certificates")
			w.buf = append(w.buf, '[')
			for i, cert := range certs {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.certificate(cert.GetRawBytes())
			}
			w.buf = append(w.buf, ']')
		}
		w.close()
	case *protobundle.VerificationMaterial_Certificate:
		w.key("certificate")
		w.certificate(c.Certificate.GetRawBytes())
	}
	if entries := vm.GetTlogEntries(); len(entries) > 0 {
		w.key("tlogEntries")
		w.buf = append(w.buf, '[')
		for i, e := range entries {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.entry(e)
		}
		w.buf = append(w.buf, ']')
	}
	if tvd := vm.GetTimestampVerificationData(); tvd != nil {
		w.key("timestampVerificationData")
		w.open()
		if ts := tvd.GetRfc3161Timestamps(); len(ts) > 0 {
			w.key("rfc3161Timestamps")
			w.buf = append(w.buf, '[')
			for i, t := range ts {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.open()
				w.bytes("signedTimestamp", t.GetSignedTimestamp())
				w.close()
			}
			w.buf = append(w.buf, ']')
		}
		w.close()
	}
	w.close()
}

func (w *jsonWriter) certificate(der []byte) {
	w.open()
	w.bytes("rawBytes", der)
	w.close()
}

func (w *jsonWriter) entry(e *protorekor.TransparencyLogEntry) {
	w.open()
	w.int64("logIndex", e.GetLogIndex())
	if id := e.GetLogId(); id != nil {
		w.key("logId")
		w.open()
		w.bytes("keyId", id.GetKeyId())
		w.close()
	}
	if kv := e.GetKindVersion(); kv != nil {
		w.key("kindVersion")
		w.open()
		w.str("kind", kv.GetKind())
		w.str("version", kv.GetVersion())
		w.close()
	}
	w.int64("integratedTime", e.GetIntegratedTime())
	if p := e.GetInclusionPromise(); p != nil {
		w.key("inclusionPromise")
		w.open()
		w.bytes("signedEntryTimestamp", p.GetSignedEntryTimestamp())
		w.close()
	}
	if p := e.GetInclusionProof(); p != nil {
		w.key("inclusionProof")
		w.open()
		w.int64("logIndex", p.GetLogIndex())
		w.bytes("rootHash", p.GetRootHash())
		w.int64("treeSize", p.GetTreeSize())
		if hs := p.GetHashes(); len(hs) > 0 {
			w.key("hashes")
			w.buf = append(w.buf, '[')
			for i, h := range hs {
				if i > 0 {
					w.buf = append(w.buf, ',')
				}
				w.base64(h)
			}
			w.buf = append(w.buf, ']')
		}
		if cp := p.GetCheckpoint(); cp != nil {
			w.key("checkpoint")
			w.open()
			w.str("envelope", cp.GetEnvelope())
			w.close()
		}
		w.close()
	}
	w.bytes("canonicalizedBody", e.GetCanonicalizedBody())
	w.close()
}

func (w *jsonWriter) messageSignature(m *protocommon.MessageSignature) {
	w.open()
	if d := m.GetMessageDigest(); d != nil {
		w.key("messageDigest")
		w.open()
		if a := d.GetAlgorithm(); a != protocommon.HashAlgorithm_HASH_ALGORITHM_UNSPECIFIED {
			name, ok := protocommon.HashAlgorithm_name[int32(a)]
			if !ok {
				w.err = errors.New("unknown hash algorithm")
				return
			}
			w.key("algorithm")
			w.quote(name)
		}
		w.bytes("digest", d.GetDigest())
		w.close()
	}
	w.bytes("signature", m.GetSignature())
	w.close()
}

func (w *jsonWriter) envelope(e *protodsse.Envelope) {
	w.open()
	w.bytes("payload", e.GetPayload())
	w.str("payloadType", e.GetPayloadType())
	if sigs := e.GetSignatures(); len(sigs) > 0 {
		w.key("signatures")
		w.buf = append(w.buf, '[')
		for i, s := range sigs {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.open()
			w.bytes("sig", s.GetSig())
			w.str("keyid", s.GetKeyid())
			w.close()
		}
		w.buf = append(w.buf, ']')
	}
	w.close()
}
