package rfc3161

import (
	"crypto"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors wrap
// ErrMalformed, and that Verify and SignerMatches never panic on a parsed
// token, whatever the signed data and candidate signer.
//
// The committed corpus (testdata/fuzz/FuzzParse) holds the real tokens and
// some truncations; synthetic tokens for the other algorithms are added
// here.
func FuzzParse(f *testing.F) {
	var signers []*x509.Certificate
	for _, name := range []string{"sigstore-tsa.crt.der", "local-tsa.crt.der", "python-test-tsa.crt.der"} {
		signers = append(signers, loadCert(f, name))
	}
	for _, tc := range []struct {
		key string
		s   spec
	}{
		{"p256", spec{embedSigner: true, nonce: big.NewInt(7)}},
		{"p384", spec{useSKI: true, digestHash: crypto.SHA384, ess: essBoth}},
		{"p521", spec{digestHash: crypto.SHA512, imprintHash: crypto.SHA512, ess: essV1}},
		{"rsa2048", spec{pss: true, pssSalt: 32, embedSigner: true, unsignedAttr: true, crls: true}},
		{"rsa2048", spec{sigAlg: algElem(oidRSAEncryption, true)}},
		{"ed25519", spec{digestHash: crypto.SHA512, genTime: defaultNotBefore.Add(1234567)}},
	} {
		tsa := newTSA(f, tc.key, certOpts{})
		signers = append(signers, tsa.cert)
		tc.s.tsa = tsa
		f.Add(build(f, tc.s), defaultSigned)
	}

	f.Fuzz(func(t *testing.T, der, signed []byte) {
		tok, err := Parse(der)
		if err != nil {
			if tok != nil {
				t.Fatal("Parse returned both a token and an error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if tok.HashAlg != crypto.SHA256 && tok.HashAlg != crypto.SHA384 && tok.HashAlg != crypto.SHA512 {
			t.Fatalf("HashAlg = %v", tok.HashAlg)
		}
		if len(tok.HashedMessage) != tok.HashAlg.Size() {
			t.Fatalf("len(HashedMessage) = %d", len(tok.HashedMessage))
		}
		if tok.SerialNumber == nil || tok.Policy == nil || tok.GenTime.IsZero() {
			t.Fatal("missing TSTInfo field")
		}
		if len(tok.Certificates) > maxCertificates {
			t.Fatalf("%d certificates", len(tok.Certificates))
		}
		candidates := append(append([]*x509.Certificate{nil}, signers...), tok.Certificates...)
		for _, c := range candidates {
			tok.SignerMatches(c)
			for _, err := range []error{tok.Verify(signed, c), tok.verifySigner(c)} {
				if c == nil && err == nil {
					t.Fatal("Verify(nil signer) succeeded")
				}
				if err == nil {
					continue
				}
				var ve *VerificationError
				if !errors.As(err, &ve) || ve.Reason == "" {
					t.Fatalf("Verify error %v (%T) is not a *VerificationError", err, err)
				}
			}
		}
	})
}
