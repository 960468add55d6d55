package rfc3161

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func loadCert(tb testing.TB, name string) *x509.Certificate {
	tb.Helper()
	c, err := x509.ParseCertificate(readTestdata(tb, name))
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return c
}

func loadToken(tb testing.TB, name string) *Token {
	tb.Helper()
	tok, err := Parse(readTestdata(tb, name+".tsr"))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, err)
	}
	return tok
}

// wantReason asserts that err is a *VerificationError with the given reason
// and category.
func wantReason(tb testing.TB, err error, category error, reason string) {
	tb.Helper()
	var ve *VerificationError
	if !errors.As(err, &ve) {
		tb.Fatalf("got error %v (%T), want *VerificationError %q", err, err, reason)
	}
	if ve.Reason != reason {
		tb.Fatalf("got reason %q, want %q", ve.Reason, reason)
	}
	if !errors.Is(err, category) {
		tb.Fatalf("error %v does not wrap %v", err, category)
	}
}

func TestParseRealTokens(t *testing.T) {
	tests := []struct {
		name     string
		hash     crypto.Hash
		imprint  string // hex prefix
		genTime  string
		policy   string
		serial   string // hex
		nonce    string // hex, "" if absent
		numCerts int
	}{
		{"sigstore-embedded", crypto.SHA256, "6817ad42edeecac0", "2025-08-06T18:51:36Z", "1.3.6.1.4.1.57264.2",
			"75066f8056d5f464bfa1ee8e134f7d169f0356f2", "82ff98238f025892", 1},
		{"sigstore-noembed", crypto.SHA256, "4917377d060d43", "", "1.3.6.1.4.1.57264.2", "", "", 0},
		{"freetsa-embedded", crypto.SHA256, "80178d70b5316c3a", "2025-08-06T19:38:49Z", "1.2.3.4.1", "3a7f1d", "fb779e505d1c6771", 2},
		{"freetsa-noembed", crypto.SHA256, "", "", "1.2.3.4.1", "", "", 0},
		{"local-expired-chain", crypto.SHA256, "63bf3867b02c9a77", "2025-08-07T15:32:26Z", "1.3.6.1.4.1.57264.2",
			"e05015ea27a875c73ccb0c6a7d3de69b25119cb0", "27e514905295a522", 1},
		{"local-outside-validity", crypto.SHA256, "a2062f41988f44", "2025-08-07T15:38:32Z", "", "", "", 1},
		{"python-0", crypto.SHA256, "1767f1866264de4c", "2024-10-31T10:23:39Z", "1.3.6.1.4.1.57264.2",
			"27c361dfdde116a02ca94b824229282d95dbe471", "374f03dd9544903626ccfd08f6a9c0300b2db685", 1},
		{"python-1", crypto.SHA512, "9b71d224bd62f378", "2024-10-31T13:31:44Z", "", "", "de10a2fd76c22477", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := loadToken(t, tc.name)
			if tok.HashAlg != tc.hash {
				t.Errorf("HashAlg = %v, want %v", tok.HashAlg, tc.hash)
			}
			if len(tok.HashedMessage) != tc.hash.Size() {
				t.Errorf("len(HashedMessage) = %d", len(tok.HashedMessage))
			}
			if h := hex.EncodeToString(tok.HashedMessage); tc.imprint != "" && h[:len(tc.imprint)] != tc.imprint {
				t.Errorf("HashedMessage = %s, want prefix %s", h, tc.imprint)
			}
			if tc.genTime != "" {
				want, _ := time.Parse(time.RFC3339, tc.genTime)
				if !tok.GenTime.Equal(want) || tok.GenTime.Location() != time.UTC {
					t.Errorf("GenTime = %v, want %v", tok.GenTime, want)
				}
			}
			if tc.policy != "" && tok.Policy.String() != tc.policy {
				t.Errorf("Policy = %v, want %s", tok.Policy, tc.policy)
			}
			if tc.serial != "" && tok.SerialNumber.Text(16) != tc.serial {
				t.Errorf("SerialNumber = %x, want %s", tok.SerialNumber, tc.serial)
			}
			if tc.nonce != "" && (tok.Nonce == nil || tok.Nonce.Text(16) != tc.nonce) {
				t.Errorf("Nonce = %v, want %s", tok.Nonce, tc.nonce)
			}
			if len(tok.Certificates) < tc.numCerts || (tc.numCerts == 0 && len(tok.Certificates) != 0) {
				t.Errorf("len(Certificates) = %d, want %d", len(tok.Certificates), tc.numCerts)
			}
		})
	}
}

func TestVerifyRealTokens(t *testing.T) {
	sigstoreTSA := loadCert(t, "sigstore-tsa.crt.der")
	localTSA := loadCert(t, "local-tsa.crt.der")
	pythonTSA := loadCert(t, "python-test-tsa.crt.der")

	for _, tc := range []struct {
		token, sig string
		signer     *x509.Certificate
	}{
		{"sigstore-embedded", "sigstore-embedded.sig", sigstoreTSA},
		{"sigstore-noembed", "sigstore-noembed.sig", sigstoreTSA},
		{"local-expired-chain", "local-expired-chain.sig", localTSA},
		{"python-0", "python.sig", pythonTSA},
	} {
		t.Run(tc.token, func(t *testing.T) {
			tok := loadToken(t, tc.token)
			if !tok.SignerMatches(tc.signer) {
				t.Fatal("SignerMatches = false")
			}
			if err := tok.Verify(readTestdata(t, tc.sig), tc.signer); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}

	// FreeTSA: RSA-4096, PKCS #1 v1.5 with SHA-512, ESS signingCertificate
	// (v1, SHA-1). Not in any trusted root, but it must verify against its
	// own embedded signer certificate.
	t.Run("freetsa-embedded-self", func(t *testing.T) {
		tok := loadToken(t, "freetsa-embedded")
		var signer *x509.Certificate
		for _, c := range tok.Certificates {
			if tok.SignerMatches(c) {
				signer = c
			}
		}
		if signer == nil {
			t.Fatal("no embedded certificate matches the sid")
		}
		if err := tok.Verify(readTestdata(t, "freetsa-embedded.sig"), signer); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// The same signer verifies the token without embedded certificates.
		tok2 := loadToken(t, "freetsa-noembed")
		if err := tok2.Verify(readTestdata(t, "freetsa-noembed.sig"), signer); err != nil {
			t.Fatalf("Verify(noembed): %v", err)
		}
	})
}

func TestVerifyRealTokenFailures(t *testing.T) {
	sigstoreTSA := loadCert(t, "sigstore-tsa.crt.der")
	localTSA := loadCert(t, "local-tsa.crt.der")
	pythonTSA := loadCert(t, "python-test-tsa.crt.der")

	tests := []struct {
		name, token, sig string
		signer           *x509.Certificate
		category         error
		reason           string
	}{
		// conformance rekor2-timestamp-payload-mismatch_fail
		{"payload-mismatch", "sigstore-payload-mismatch", "sigstore-payload-mismatch.sig", sigstoreTSA,
			ErrImprintMismatch, reasonImprint},
		// timestamp over a different message than the bundle signature
		{"python-second-timestamp", "python-1", "python.sig", pythonTSA, ErrImprintMismatch, reasonImprint},
		// valid token checked against other signed bytes
		{"wrong-signed-bytes", "sigstore-embedded", "sigstore-noembed.sig", sigstoreTSA, ErrImprintMismatch, reasonImprint},
		// conformance rekor2-timestamp-untrusted-tsa-*_fail: FreeTSA signer
		{"untrusted-tsa-embedded", "freetsa-embedded", "freetsa-embedded.sig", sigstoreTSA, ErrSignerMismatch, reasonSID},
		{"untrusted-tsa-noembed", "freetsa-noembed", "freetsa-noembed.sig", sigstoreTSA, ErrSignerMismatch, reasonSID},
		// wrong trusted TSA for a valid token
		{"wrong-signer", "sigstore-embedded", "sigstore-embedded.sig", pythonTSA, ErrSignerMismatch, reasonSID},
		{"wrong-signer-noembed", "sigstore-noembed", "sigstore-noembed.sig", localTSA, ErrSignerMismatch, reasonSID},
		// conformance rekor2-timestamp-outside-tsa-cert-validity_fail
		{"outside-validity", "local-outside-validity", "local-outside-validity.sig", localTSA,
			ErrSignerCertificate, reasonValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := loadToken(t, tc.token)
			err := tok.Verify(readTestdata(t, tc.sig), tc.signer)
			wantReason(t, err, tc.category, tc.reason)
		})
	}

	t.Run("nil", func(t *testing.T) {
		tok := loadToken(t, "sigstore-embedded")
		wantReason(t, tok.Verify(nil, nil), ErrSignerMismatch, reasonNilSigner)
		var nilTok *Token
		wantReason(t, nilTok.Verify(nil, sigstoreTSA), ErrInvalidSignature, reasonNilToken)
		if nilTok.SignerMatches(sigstoreTSA) || tok.SignerMatches(nil) {
			t.Fatal("SignerMatches(nil) = true")
		}
	})
}

// mutate returns a copy of der with the first occurrence of old replaced.
func mutate(tb testing.TB, der, old, repl []byte) []byte {
	tb.Helper()
	i := bytes.Index(der, old)
	if i < 0 || len(old) != len(repl) {
		tb.Fatalf("pattern %x not found", old)
	}
	out := bytes.Clone(der)
	copy(out[i:], repl)
	return out
}

// TestTamperedRealToken modifies bytes of a real token in place (keeping the
// DER valid) and checks which verification step catches it.
func TestTamperedRealToken(t *testing.T) {
	der := readTestdata(t, "sigstore-embedded.tsr")
	sig := readTestdata(t, "sigstore-embedded.sig")
	signer := loadCert(t, "sigstore-tsa.crt.der")

	t.Run("signingTime", func(t *testing.T) {
		// Signed attribute signingTime 250806185136Z -> 250806185137Z.
		tok, err := Parse(mutate(t, der, []byte("\x17\x0d250806185136Z"), []byte("\x17\x0d250806185137Z")))
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrInvalidSignature, reasonSignature)
	})
	t.Run("genTime", func(t *testing.T) {
		// TSTInfo genTime: caught by the message-digest attribute.
		tok, err := Parse(mutate(t, der, []byte("20250806185136Z"), []byte("20250806185135Z")))
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrInvalidSignature, reasonMessageDigest)
	})
	t.Run("message-digest", func(t *testing.T) {
		md, _ := hex.DecodeString("68F9B70DFC503297777B05257EA0666487460FDAF8EB9F22728CFAE332155E10")
		bad := bytes.Clone(md)
		bad[31] ^= 1
		tok, err := Parse(mutate(t, der, md, bad))
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrInvalidSignature, reasonMessageDigest)
	})
	t.Run("signature", func(t *testing.T) {
		tampered := bytes.Clone(der)
		tampered[len(tampered)-1] ^= 0x01 // last byte of the ECDSA s value
		tok, err := Parse(tampered)
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrInvalidSignature, reasonSignature)
	})
	t.Run("ess-cert-hash", func(t *testing.T) {
		h, _ := hex.DecodeString("06F4FFE047FEB35999B733B0D7A323501CFC18E4C03366A845D77536E74B2744")
		bad := bytes.Clone(h)
		bad[0] ^= 0x80
		tok, err := Parse(mutate(t, der, h, bad))
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrSignerMismatch, reasonESS)
	})
	t.Run("content-type-attr", func(t *testing.T) {
		// The second id-ct-TSTInfo occurrence is the content-type attribute;
		// change it to id-data (1.2.840.113549.1.7.1 has a different length,
		// so use 1.2.840.113549.1.9.16.1.5 instead).
		oid := append([]byte{0x06, 0x0b}, oidTSTInfo...)
		first := bytes.Index(der, oid)
		second := bytes.Index(der[first+1:], oid) + first + 1
		tampered := bytes.Clone(der)
		tampered[second+len(oid)-1] = 0x05
		tok, err := Parse(tampered)
		if err != nil {
			t.Fatal(err)
		}
		wantReason(t, tok.Verify(sig, signer), ErrInvalidSignature, reasonContentType)
	})
	t.Run("eContentType", func(t *testing.T) {
		oid := append([]byte{0x06, 0x0b}, oidTSTInfo...)
		tampered := bytes.Clone(der)
		tampered[bytes.Index(der, oid)+len(oid)-1] = 0x05
		if _, err := Parse(tampered); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse: got %v, want ErrMalformed", err)
		}
	})
}

// TestEmbeddedCertMismatchReal swaps the embedded certificate of a real token
// for another certificate with the same issuer and serial number.
func TestEmbeddedCertMismatchReal(t *testing.T) {
	der := readTestdata(t, "sigstore-embedded.tsr")
	sig := readTestdata(t, "sigstore-embedded.sig")
	signer := loadCert(t, "sigstore-tsa.crt.der")
	// Flip one bit in the embedded certificate's signature: still parses,
	// same issuer/serial, different bytes.
	i := bytes.Index(der, signer.Raw)
	if i < 0 {
		t.Fatal("embedded cert not found")
	}
	tampered := bytes.Clone(der)
	tampered[i+len(signer.Raw)-1] ^= 0x01
	tok, err := Parse(tampered)
	if err != nil {
		t.Fatal(err)
	}
	wantReason(t, tok.Verify(sig, signer), ErrSignerMismatch, reasonEmbedded)
}

func TestVerifyConcurrent(t *testing.T) {
	tok := loadToken(t, "sigstore-embedded")
	sig := readTestdata(t, "sigstore-embedded.sig")
	signer := loadCert(t, "sigstore-tsa.crt.der")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := tok.Verify(sig, signer); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestParseDoesNotAlias(t *testing.T) {
	der := readTestdata(t, "sigstore-embedded.tsr")
	sig := readTestdata(t, "sigstore-embedded.sig")
	signer := loadCert(t, "sigstore-tsa.crt.der")
	tok, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	for i := range der {
		der[i] = 0
	}
	if err := tok.Verify(sig, signer); err != nil {
		t.Fatalf("Verify after clobbering input: %v", err)
	}
	// Exported fields are informational copies.
	tok.GenTime = signer.NotAfter.Add(time.Hour)
	tok.HashedMessage[0] ^= 0xff
	tok.HashAlg = crypto.SHA1
	tok.Certificates = nil
	if err := tok.Verify(sig, signer); err != nil {
		t.Fatalf("Verify after changing exported fields: %v", err)
	}
}

func TestPolicyType(t *testing.T) {
	tok := loadToken(t, "sigstore-embedded")
	if !tok.Policy.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2}) {
		t.Fatalf("Policy = %v", tok.Policy)
	}
}

func BenchmarkVerify(b *testing.B) {
	tok := loadToken(b, "sigstore-embedded")
	sig := readTestdata(b, "sigstore-embedded.sig")
	signer := loadCert(b, "sigstore-tsa.crt.der")
	b.ReportAllocs()
	for b.Loop() {
		if err := tok.Verify(sig, signer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyP256(b *testing.B) {
	tok := loadToken(b, "python-0")
	sig := readTestdata(b, "python.sig")
	signer := loadCert(b, "python-test-tsa.crt.der")
	b.ReportAllocs()
	for b.Loop() {
		if err := tok.Verify(sig, signer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	der := readTestdata(b, "sigstore-embedded.tsr")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(der); err != nil {
			b.Fatal(err)
		}
	}
}
