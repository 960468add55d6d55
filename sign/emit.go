package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/rfc3161"
	"github.com/sigil-dev/sigil/signer"
)

// finish obtains the timestamps and log entries cfg asks for, makes the
// bundle of exactly one of msg and env, and self-checks it.
// The bundle names the signer by chain, leaf first (the leaf alone unless
// WithFullChain), or by c's public-key hint when chain is empty.
func finish(ctx context.Context, cfg *config, c *signer.Credential, chain []*x509.Certificate, msg *bundle.MessageSignature, env *bundle.Envelope) (*bundle.Bundle, error) {
	sig := signatureOf(msg, env)
	parts := bundle.Parts{MessageSignature: msg, Envelope: env}
	var leaf *x509.Certificate
	switch {
	case len(chain) == 0:
		parts.PublicKeyHint = c.Hint()
	case cfg.fullChain:
		leaf, parts.Certificates = chain[0], chain
	default:
		leaf, parts.Certificates = chain[0], chain[:1]
	}
	for i, t := range cfg.tsas {
		der, err := t.Timestamp(ctx, sig)
		if err != nil {
			return nil, fmt.Errorf("sign: timestamper %d: %w", i, err)
		}
		if _, checked := t.(*tsaClient); !checked {
			if err := checkTimestamp(der, sig); err != nil {
				return nil, fmt.Errorf("sign: timestamper %d: %w", i, err)
			}
		}
		parts.RFC3161Timestamps = append(parts.RFC3161Timestamps, der)
	}
	if len(cfg.tlogs) > 0 {
		req := &LogRequest{Message: msg, Envelope: env, Certificate: leaf, PublicKey: c.PublicKey(), KeyDetails: c.KeyDetails()}
		for i, l := range cfg.tlogs {
			e, err := l.Append(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("sign: transparency log %d: %w", i, err)
			}
			if e == nil {
				return nil, fmt.Errorf("sign: transparency log %d returned no entry", i)
			}
			parts.TlogEntries = append(parts.TlogEntries, e)
		}
	}
	b, err := bundle.New(parts)
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

// checkTimestamp checks that der, from a Timestamper of the caller's own, is
// a timestamp response over sig. Whether its authority is trusted is for
// verifiers to decide. (sigil's own client, NewTimestampAuthority, has
// checked that and more of the response it parsed; it is not parsed again.)
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
