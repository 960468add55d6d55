package oms

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"

	"github.com/sigil-dev/sigil/bundle"
)

// The signing methods of OMS v1.0 (§4.1), each with its verification material.
const (
	MethodKey         = "key"         // publicKey
	MethodCertificate = "certificate" // x509CertificateChain, leaf first
	MethodSigstore    = "sigstore"    // certificate and at least one tlog entry
)

// MaxBundleSize bounds the bundle files ParseBundle reads.
const MaxBundleSize = 32 << 20

// KeyHint is the public-key hint model_signing writes (since v1.1.0): the
// hex SHA-256 of the key's PEM encoding ("-----BEGIN PUBLIC KEY-----",
// 64-column base64, trailing newline).
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return hex.EncodeToString(sum[:]), nil
}

// ParseBundle parses an OMS bundle with bundle.Parse after rewriting the one
// form model_signing wrote that is not a Sigstore bundle: before v1.1.0, the
// key method put the PEM public key in verificationMaterial.publicKey as
// rawBytes (with keyDetails) instead of a hint. That key becomes the hint
// model_signing writes today, its KeyHint, so a verifier that trusts the
// key by its hint (verify.WithPublicKey) treats old and new bundles alike.
// The key a bundle carries is never trusted because it is there.
func ParseBundle(data []byte) (*bundle.Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: bundle of %d bytes exceeds %d", ErrMalformed, len(data), MaxBundleSize)
	}
	fixed, err := rewriteRawBytesKey(data)
	if err != nil {
		return nil, err
	}
	return bundle.Parse(fixed)
}

// rewriteRawBytesKey replaces publicKey {rawBytes, keyDetails} by
// publicKey {hint}; any other bundle is returned unchanged.
func rewriteRawBytesKey(data []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return data, nil // bundle.Parse reports it
	}
	var vm map[string]json.RawMessage
	if json.Unmarshal(top["verificationMaterial"], &vm) != nil {
		return data, nil
	}
	var pk struct {
		RawBytes   []byte `json:"rawBytes"`
		KeyDetails string `json:"keyDetails"`
		Hint       string `json:"hint"`
	}
	if json.Unmarshal(vm["publicKey"], &pk) != nil || pk.RawBytes == nil {
		return data, nil
	}
	blk, rest := pem.Decode(pk.RawBytes)
	if blk == nil || blk.Type != "PUBLIC KEY" || len(rest) != 0 {
		return nil, fmt.Errorf("%w: publicKey.rawBytes is not one PEM public key", ErrMalformed)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: publicKey.rawBytes: %v", ErrMalformed, err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: publicKey.rawBytes: %v", ErrMalformed, err)
	}
	if pk.Hint != "" && pk.Hint != hint {
		return nil, fmt.Errorf("%w: publicKey has both a hint and another key's rawBytes", ErrMalformed)
	}
	if vm["publicKey"], err = json.Marshal(map[string]string{"hint": hint}); err != nil {
		return nil, err
	}
	if top["verificationMaterial"], err = json.Marshal(vm); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

// CheckMethod checks that b carries the verification material of the
// signing method (OMS §4.1): a public key for MethodKey, a certificate chain
// for MethodCertificate, a single certificate and at least one
// transparency-log entry for MethodSigstore.
func CheckMethod(method string, b *bundle.Bundle) error {
	if b.Envelope() == nil {
		return fmt.Errorf("%w: the bundle has no DSSE envelope", ErrMalformed)
	}
	vm := b.Proto().GetVerificationMaterial()
	switch method {
	case MethodKey:
		if vm.GetPublicKey() != nil {
			return nil
		}
	case MethodCertificate:
		if vm.GetX509CertificateChain() != nil {
			return nil
		}
	case MethodSigstore:
		if vm.GetCertificate() == nil {
			break
		}
		if len(b.TlogEntries()) == 0 {
			return fmt.Errorf("%w: a sigstore bundle needs a transparency-log entry", ErrMalformed)
		}
		return nil
	default:
		return fmt.Errorf("%w: signing method %q", ErrUnsupported, method)
	}
	return fmt.Errorf("%w: the bundle's verification material is not that of the %s method", ErrMalformed, method)
}
