package rfc3161

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/timestamp"
)

// The differential tests hold sigil's parser to github.com/digitorus/timestamp,
// the RFC 3161 parser most Go Sigstore code uses (test-only dependency).
//
// Agreement means: whenever both parse a response, they read the same
// TSTInfo (time, imprint, serial, policy, nonce) and the same embedded
// certificates. Where they disagree on whether a response parses, sigil's
// answer is the stricter one for one of these reasons, which the fuzz target
// checks one by one:
//
//   - digitorus checks the SignedData signature inside Parse when
//     certificates are embedded, with any embedded certificate, and that the
//     signing time lies in that certificate's validity; sigil's Parse only
//     decodes, and Verify and FindSigner check the signature and the time
//     against the TSA certificate from the trusted root. A response digitorus
//     rejects for either reason must then be rejected by sigil too, when each
//     embedded certificate is tried as the trusted one.
//   - sigil accepts DER only (encoding/asn1 and digitorus/pkcs7 accept some
//     BER and non-minimal encodings), bounds sizes and counts, and rejects
//     trailing data at every level (digitorus only at the outermost one).
//   - sigil allow-lists the imprint, digest and signature algorithms
//     (internal/sigalg's SHA-2 family); digitorus also reads SHA-1 and MD5.
//
// sigil never accepts a response digitorus rejects as unparseable.

// realResponses are the DER TimeStampResps in testdata.
func realResponses(tb testing.TB) map[string][]byte {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.tsr"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no testdata/*.tsr: %v", err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(n), ".tsr")] = b
	}
	return out
}

// agree returns why sigil's token and digitorus' timestamp read a response
// differently, or "" when they agree.
func agree(tok *Token, ts *timestamp.Timestamp) string {
	switch {
	case !tok.GenTime.Equal(ts.Time):
		return "genTime"
	case tok.HashAlg != ts.HashAlgorithm:
		return "imprint hash algorithm"
	case !bytes.Equal(tok.HashedMessage, ts.HashedMessage):
		return "imprint"
	case tok.SerialNumber.Cmp(ts.SerialNumber) != 0:
		return "serial number"
	case !tok.Policy.Equal(ts.Policy):
		return "policy"
	case (tok.Nonce == nil) != (ts.Nonce == nil) || tok.Nonce != nil && tok.Nonce.Cmp(ts.Nonce) != 0:
		return "nonce"
	case len(tok.Certificates) != len(ts.Certificates):
		return "number of embedded certificates"
	}
	for i := range tok.Certificates {
		if !tok.Certificates[i].Equal(ts.Certificates[i]) {
			return "embedded certificate"
		}
	}
	return ""
}

// acceptingEmbedded returns an embedded certificate that sigil would accept
// as tok's signer if the trusted root listed it as a TSA (FindSigner: the
// signature verifies and the time lies in the certificate's validity), or
// nil if there is none.
func acceptingEmbedded(tok *Token) *x509.Certificate {
	for _, c := range tok.Certificates {
		err := tok.verifySigner(c)
		var ve *VerificationError
		if err != nil && !errors.As(err, &ve) {
			panic(fmt.Sprintf("verifySigner: %v is not a *VerificationError", err))
		}
		if err == nil && !tok.GenTime.Before(c.NotBefore) && !tok.GenTime.After(c.NotAfter) {
			return c
		}
	}
	return nil
}

func TestDifferentialRealTokens(t *testing.T) {
	for name, der := range realResponses(t) {
		t.Run(name, func(t *testing.T) {
			tok, err := Parse(der)
			if err != nil {
				t.Fatalf("sigil: %v", err)
			}
			ts, err := timestamp.ParseResponse(der)
			if err != nil {
				// local-outside-validity: the TSA signed at a time outside
				// its certificate's validity (a conformance _fail case).
				if c := acceptingEmbedded(tok); c != nil {
					t.Fatalf("digitorus rejects (%v), sigil accepts with embedded %s", err, c.Subject)
				}
				t.Logf("digitorus rejects (%v); so does sigil", err)
				return
			}
			if d := agree(tok, ts); d != "" {
				t.Errorf("sigil and digitorus read a different %s", d)
			}
		})
	}
}

// FuzzDifferential checks the agreement rules above on mutated responses.
// Its seed corpus (testdata/fuzz/FuzzDifferential) holds the real responses.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		tok, serr := Parse(der)
		ts, derr := timestamp.ParseResponse(der)
		switch {
		case serr == nil && derr == nil:
			if d := agree(tok, ts); d != "" {
				t.Fatalf("both parse, but read a different %s", d)
			}
		case serr == nil && derr != nil:
			// digitorus rejects what sigil's Parse decodes: it must be the
			// embedded-certificate signature check, which sigil's Verify
			// then fails too.
			if len(tok.Certificates) == 0 {
				t.Fatalf("sigil parses a response without certificates that digitorus rejects: %v", derr)
			}
			if c := acceptingEmbedded(tok); c != nil {
				t.Fatalf("digitorus rejects (%v), sigil accepts with embedded %s", derr, c.Subject)
			}
		case serr != nil && !errors.Is(serr, ErrMalformed):
			t.Fatalf("sigil's Parse error does not wrap ErrMalformed: %v", serr)
		}
	})
}
