package sign

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// finish obtains the timestamps and log entries cfg asks for, makes the
// bundle of exactly one of msg and env, and self-checks it.
func finish(ctx context.Context, cfg *config, m *Material, msg *bundle.MessageSignature, env *bundle.Envelope) (*bundle.Bundle, error) {
	sig := signatureOf(msg, env)
	vm := &protobundle.VerificationMaterial{}
	switch {
	case m.leaf != nil && cfg.fullChain && len(m.chain) > 1:
		chain := &protocommon.X509CertificateChain{}
		for _, c := range m.chain {
			chain.Certificates = append(chain.Certificates, &protocommon.X509Certificate{RawBytes: c.Raw})
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: chain}
	case m.leaf != nil:
		vm.Content = &protobundle.VerificationMaterial_Certificate{
			Certificate: &protocommon.X509Certificate{RawBytes: m.leaf.Raw},
		}
	default:
		vm.Content = &protobundle.VerificationMaterial_PublicKey{
			PublicKey: &protocommon.PublicKeyIdentifier{Hint: m.hint},
		}
	}
	for i, t := range cfg.tsas {
		der, err := t.Timestamp(ctx, sig)
		if err != nil {
			return nil, fmt.Errorf("sign: timestamper %d: %w", i, err)
		}
		if err := checkTimestamp(der, sig); err != nil {
			return nil, fmt.Errorf("sign: timestamper %d: %w", i, err)
		}
		if vm.TimestampVerificationData == nil {
			vm.TimestampVerificationData = &protobundle.TimestampVerificationData{}
		}
		vm.TimestampVerificationData.Rfc3161Timestamps = append(vm.TimestampVerificationData.Rfc3161Timestamps,
			&protocommon.RFC3161SignedTimestamp{SignedTimestamp: der})
	}
	if len(cfg.tlogs) > 0 {
		req := &LogRequest{Message: msg, Envelope: env, Certificate: m.leaf, PublicKey: m.pub, KeyDetails: m.keyDetails}
		for i, l := range cfg.tlogs {
			e, err := l.Append(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("sign: transparency log %d: %w", i, err)
			}
			if e == nil {
				return nil, fmt.Errorf("sign: transparency log %d returned no entry", i)
			}
			vm.TlogEntries = append(vm.TlogEntries, entryProto(e))
		}
	}
	pb := &protobundle.Bundle{MediaType: bundle.MediaTypeV03, VerificationMaterial: vm}
	if msg != nil {
		pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: hashProto(msg.DigestAlgorithm), Digest: msg.Digest},
			Signature:     msg.Signature,
		}}
	} else {
		pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     env.Payload,
			PayloadType: env.PayloadType,
			Signatures:  []*protodsse.Signature{{Sig: env.Signature}},
		}}
	}
	b, err := bundle.FromProto(pb)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if cfg.selfCheck != nil {
		var alg crypto.Hash
		var digest []byte
		if msg != nil {
			alg, digest = msg.DigestAlgorithm, msg.Digest
		}
		if err := cfg.selfCheck(b, alg, digest); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSelfCheck, err)
		}
	}
	return b, nil
}

func signatureOf(msg *bundle.MessageSignature, env *bundle.Envelope) []byte {
	if msg != nil {
		return msg.Signature
	}
	return env.Signature
}

// checkTimestamp checks that der is a timestamp response over sig. Whether
// its authority is trusted is for verifiers to decide.
func checkTimestamp(der, sig []byte) error {
	tok, err := rfc3161.Parse(der)
	if err != nil {
		return err
	}
	if !tok.HashAlg.Available() {
		return fmt.Errorf("timestamp with unsupported imprint algorithm %v", tok.HashAlg)
	}
	h := tok.HashAlg.New()
	h.Write(sig)
	if !bytes.Equal(h.Sum(nil), tok.HashedMessage) {
		return errors.New("timestamp does not cover the signature")
	}
	return nil
}

func entryProto(e *bundle.TlogEntry) *protorekor.TransparencyLogEntry {
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
