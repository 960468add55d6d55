package bundle

import (
	"crypto"
	"crypto/x509"
	"unicode/utf8"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"

	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Parts are the contents of a version 0.3 bundle in sigil's model, for New.
type Parts struct {
	// Exactly one of MessageSignature and Envelope is set.
	MessageSignature *MessageSignature
	Envelope         *Envelope

	// Certificates are the signing certificate and, after it, the chain
	// certificates the bundle carries: one certificate is written in the
	// single-certificate form, more as an x509CertificateChain. Without
	// certificates the bundle names its key by PublicKeyHint.
	Certificates  []*x509.Certificate
	PublicKeyHint string

	TlogEntries       []*TlogEntry
	RFC3161Timestamps [][]byte
}

// New builds a version 0.3 bundle from p, validated as Parse validates a
// decoded one. The certificates are used as given, not parsed again; New
// keeps references to p's values: do not modify them afterwards.
func New(p Parts) (*Bundle, error) {
	if (p.MessageSignature == nil) == (p.Envelope == nil) {
		return nil, malformed("exactly one of a message signature and a DSSE envelope is required")
	}
	if len(p.Certificates) > 0 && p.PublicKeyHint != "" {
		return nil, malformed("both certificates and a public-key hint")
	}
	// What MarshalJSON must be able to encode: protobuf strings are UTF-8.
	strs := []string{p.PublicKeyHint}
	if p.Envelope != nil {
		strs = append(strs, p.Envelope.PayloadType, p.Envelope.KeyID)
	}
	for i, c := range p.Certificates {
		if c == nil || len(c.Raw) == 0 {
			return nil, malformed("certificate %d is empty", i)
		}
	}
	vm := &protobundle.VerificationMaterial{}
	switch len(p.Certificates) {
	case 0:
		vm.Content = &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: p.PublicKeyHint}}
	case 1:
		vm.Content = &protobundle.VerificationMaterial_Certificate{Certificate: &protocommon.X509Certificate{RawBytes: p.Certificates[0].Raw}}
	default:
		chain := &protocommon.X509CertificateChain{}
		for _, c := range p.Certificates {
			chain.Certificates = append(chain.Certificates, &protocommon.X509Certificate{RawBytes: c.Raw})
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: chain}
	}
	for _, e := range p.TlogEntries {
		if e == nil {
			return nil, malformed("nil transparency log entry")
		}
		vm.TlogEntries = append(vm.TlogEntries, entryProto(e))
		strs = append(strs, e.Kind, e.KindVersion)
		if e.Proof != nil {
			strs = append(strs, string(e.Proof.Checkpoint))
		}
	}
	if len(p.RFC3161Timestamps) > 0 {
		vm.TimestampVerificationData = &protobundle.TimestampVerificationData{}
		for _, der := range p.RFC3161Timestamps {
			vm.TimestampVerificationData.Rfc3161Timestamps = append(vm.TimestampVerificationData.Rfc3161Timestamps,
				&protocommon.RFC3161SignedTimestamp{SignedTimestamp: der})
		}
	}
	for _, s := range strs {
		if !utf8.ValidString(s) {
			return nil, malformed("a string that is not valid UTF-8")
		}
	}
	pb := &protobundle.Bundle{MediaType: MediaTypeV03, VerificationMaterial: vm}
	if m := p.MessageSignature; m != nil {
		pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: hashProto(m.DigestAlgorithm), Digest: m.Digest},
			Signature:     m.Signature,
		}}
	} else {
		e := p.Envelope
		pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     e.Payload,
			PayloadType: e.PayloadType,
			Signatures:  []*protodsse.Signature{{Sig: e.Signature, Keyid: e.KeyID}},
		}}
	}
	return newBundleWith(pb, p.Certificates)
}

func entryProto(e *TlogEntry) *protorekor.TransparencyLogEntry {
	pe := &protorekor.TransparencyLogEntry{
		LogIndex:          e.LogIndex,
		LogId:             &protocommon.LogId{KeyId: e.LogID},
		KindVersion:       &protorekor.KindVersion{Kind: e.Kind, Version: e.KindVersion},
		IntegratedTime:    e.IntegratedTime,
		CanonicalizedBody: e.Body,
	}
	if e.SET != nil {
		pe.InclusionPromise = &protorekor.InclusionPromise{SignedEntryTimestamp: e.SET}
	}
	if p := e.Proof; p != nil {
		pe.InclusionProof = &protorekor.InclusionProof{
			LogIndex:   p.LogIndex,
			RootHash:   p.RootHash,
			TreeSize:   p.TreeSize,
			Hashes:     p.Hashes,
			Checkpoint: &protorekor.Checkpoint{Envelope: string(p.Checkpoint)},
		}
	}
	return pe
}

// hashProto returns the protobuf-specs name of an allowed digest algorithm,
// from sigil's one table of digest spellings.
func hashProto(h crypto.Hash) protocommon.HashAlgorithm {
	for v, name := range protocommon.HashAlgorithm_name {
		if got, ok := sigalg.DigestByProtoName(name); ok && got == h {
			return protocommon.HashAlgorithm(v)
		}
	}
	return protocommon.HashAlgorithm_HASH_ALGORITHM_UNSPECIFIED
}
