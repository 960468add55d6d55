package rfc3161

import (
	"bytes"
	"crypto"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func mustParse(tb testing.TB, der []byte) *Token {
	tb.Helper()
	tok, err := Parse(der)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return tok
}

func TestSyntheticValid(t *testing.T) {
	defaultTSA := newTSA(t, "p256", certOpts{})
	tests := []struct {
		name string
		key  string
		opts certOpts
		spec spec
	}{
		{name: "p256-sha256", key: "p256"},
		{name: "p256-embedded", key: "p256", spec: spec{embedSigner: true}},
		{name: "p256-embedded-chain", key: "p256", spec: spec{embedSigner: true, certs: [][]byte{theTestCA().cert.Raw}}},
		{name: "p256-sha512-digest", key: "p256", spec: spec{digestHash: crypto.SHA512}},
		{name: "p384-sha384", key: "p384", spec: spec{digestHash: crypto.SHA384, imprintHash: crypto.SHA384}},
		{name: "p384-sha256", key: "p384"},
		{name: "p521-sha512", key: "p521", spec: spec{digestHash: crypto.SHA512, imprintHash: crypto.SHA512}},
		{name: "ecdsa-id-ecPublicKey", key: "p256", spec: spec{sigAlg: algElem(oidECPublicKey, false)}},
		{name: "ecdsa-null-params", key: "p256", spec: spec{sigAlg: algElem(oidECDSAWithSHA256, true)}},
		{name: "rsa2048-pkcs1-sha256", key: "rsa2048"},
		{name: "rsa2048-pkcs1-sha384", key: "rsa2048", spec: spec{digestHash: crypto.SHA384}},
		{name: "rsa2048-rsaEncryption-oid", key: "rsa2048", spec: spec{sigAlg: algElem(oidRSAEncryption, true)}},
		{name: "rsa2048-rsaEncryption-noparams", key: "rsa2048", spec: spec{sigAlg: algElem(oidRSAEncryption, false)}},
		{name: "rsa3072-pss-sha256", key: "rsa3072", spec: spec{pss: true, pssSalt: 32}},
		{name: "rsa2048-pss-sha512", key: "rsa2048", spec: spec{pss: true, pssSalt: 64, digestHash: crypto.SHA512}},
		{name: "rsa2048-pss-sha384-salt0", key: "rsa2048", spec: spec{pss: true, pssSalt: 0, digestHash: crypto.SHA384}},
		{name: "ed25519", key: "ed25519", spec: spec{digestHash: crypto.SHA512}},
		{name: "ed25519-sha256-digest", key: "ed25519", spec: spec{embedSigner: true}},
		{name: "ski-sid", key: "p256", spec: spec{useSKI: true}},
		{name: "ski-sid-embedded", key: "p384", spec: spec{useSKI: true, embedSigner: true}},
		{name: "ess-v1", key: "p256", spec: spec{ess: essV1}},
		{name: "ess-both", key: "p256", spec: spec{ess: essBoth}},
		{name: "ess-v2-explicit-sha512", key: "p256", spec: spec{essV2HashOID: oidSHA512, essV2Hash: crypto.SHA512}},
		{name: "no-ess", key: "p256", spec: spec{ess: essNone}},
		{name: "eku-noncritical", key: "p256", opts: certOpts{ekuNonCritical: true}},
		{name: "imprint-sha384", key: "p256", spec: spec{imprintHash: crypto.SHA384}},
		{name: "imprint-sha512", key: "p256", spec: spec{imprintHash: crypto.SHA512}},
		{name: "gentime-fraction", key: "p256", spec: spec{genTime: defaultNotBefore.Add(time.Hour + 123*time.Millisecond)}},
		{name: "gentime-nanos", key: "p256", spec: spec{genTime: defaultNotBefore.Add(time.Hour + 123456789)}},
		{name: "gentime-notbefore", key: "p256", spec: spec{genTime: defaultNotBefore}},
		{name: "gentime-notafter", key: "p256", spec: spec{genTime: defaultNotAfter}},
		{name: "granted-with-mods", key: "p256", spec: spec{status: 1, statusStr: true}},
		{name: "nonce", key: "p256", spec: spec{nonce: big.NewInt(987654321)}},
		{name: "accuracy-full", key: "p256", spec: spec{accuracy: []byte{0x30, 0x0a, 0x02, 0x01, 0x01, 0x80, 0x02, 0x01, 0xf4, 0x81, 0x01, 0x07}}},
		{name: "accuracy-empty", key: "p256", spec: spec{accuracy: []byte{0x30, 0x00}}},
		{name: "ordering-tsa-extensions", key: "p256", spec: spec{tstTrailer: []byte{
			0x01, 0x01, 0xff, // ordering TRUE
			0xa0, 0x04, 0xa4, 0x02, 0x30, 0x00, // tsa [0] { directoryName [4] { empty Name } }
			0xa1, 0x08, 0x30, 0x06, 0x06, 0x01, 0x2a, 0x04, 0x01, 0x00, // extensions
		}}},
		{name: "unknown-attrs", key: "p256", spec: spec{extraAttrs: 5}},
		{name: "max-attrs", key: "p256", spec: spec{extraAttrs: maxSignedAttrs - 4}},
		{name: "unsigned-attrs-crls", key: "p256", spec: spec{unsignedAttr: true, crls: true}},
		{name: "empty-certificates", key: "p256", spec: spec{certs: [][]byte{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tsa := defaultTSA
			if tc.key != "p256" || tc.opts.ekuNonCritical {
				tsa = newTSA(t, tc.key, tc.opts)
			}
			s := tc.spec
			s.tsa = tsa
			tok := mustParse(t, build(t, s))
			if !tok.SignerMatches(tsa.cert) {
				t.Fatal("SignerMatches = false")
			}
			if err := tok.Verify(defaultSigned, tsa.cert); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !s.genTime.IsZero() && !tok.GenTime.Equal(s.genTime) {
				t.Errorf("GenTime = %v, want %v", tok.GenTime, s.genTime)
			}
			if s.nonce != nil && (tok.Nonce == nil || tok.Nonce.Cmp(s.nonce) != 0) {
				t.Errorf("Nonce = %v, want %v", tok.Nonce, s.nonce)
			}
			if s.nonce == nil && tok.Nonce != nil {
				t.Errorf("Nonce = %v, want nil", tok.Nonce)
			}
			wantCerts := len(s.certs) + boolInt(s.embedSigner)
			if len(tok.Certificates) != wantCerts {
				t.Errorf("len(Certificates) = %d, want %d", len(tok.Certificates), wantCerts)
			}
			// Any other signed data must fail the imprint check.
			wantReason(t, tok.Verify([]byte("other"), tsa.cert), ErrImprintMismatch, reasonImprint)
		})
	}
}

func algElem(oid []byte, null bool) []byte {
	b := cryptobyte.NewBuilder(nil)
	addAlg(b, oid, null)
	return b.BytesOrPanic()
}

func TestSyntheticVerifyFailures(t *testing.T) {
	p256 := newTSA(t, "p256", certOpts{})
	other := newTSA(t, "p256b", certOpts{serial: 777, ski: []byte("other-ski")})
	// Same issuer and serial as p256, different key: a substitute certificate.
	impostor := newTSA(t, "p256b", certOpts{})

	tests := []struct {
		name     string
		spec     spec
		signer   *testTSA // certificate passed to Verify (default spec.tsa)
		signed   []byte
		category error
		reason   string
	}{
		{name: "imprint", spec: spec{tsa: p256}, signed: []byte("x"), category: ErrImprintMismatch, reason: reasonImprint},
		{name: "imprint-override", spec: spec{tsa: p256, imprint: make([]byte, 32)}, category: ErrImprintMismatch, reason: reasonImprint},
		{name: "wrong-signer-issuer-serial", spec: spec{tsa: p256}, signer: other, category: ErrSignerMismatch, reason: reasonSID},
		{name: "wrong-signer-ski", spec: spec{tsa: p256, useSKI: true}, signer: other, category: ErrSignerMismatch, reason: reasonSID},
		{name: "sid-serial", spec: spec{tsa: p256, sidSerial: 4243}, category: ErrSignerMismatch, reason: reasonSID},
		{name: "embedded-without-signer", spec: spec{tsa: p256, certs: [][]byte{theTestCA().cert.Raw}},
			category: ErrSignerMismatch, reason: reasonEmbeddedMissing},
		{name: "embedded-differs", spec: spec{tsa: p256, certs: [][]byte{impostor.cert.Raw}}, category: ErrSignerMismatch, reason: reasonEmbedded},
		{name: "embedded-differs-trusted-also-embedded", spec: spec{tsa: p256, embedSigner: true, certs: [][]byte{impostor.cert.Raw}},
			category: ErrSignerMismatch, reason: reasonEmbedded},
		// The impostor certificate matches the sid but the ESS attribute
		// names the real one.
		{name: "ess-substitute", spec: spec{tsa: p256}, signer: impostor, category: ErrSignerMismatch, reason: reasonESS},
		{name: "ess-substitute-v1", spec: spec{tsa: p256, ess: essV1}, signer: impostor, category: ErrSignerMismatch, reason: reasonESS},
		{name: "ess-other-cert", spec: spec{tsa: p256, essCert: other.cert.Raw}, category: ErrSignerMismatch, reason: reasonESS},
		{name: "ess-v2-unsupported-hash", spec: spec{tsa: p256, essV2HashOID: oidMD5, essV2Hash: crypto.SHA256},
			category: ErrSignerMismatch, reason: reasonESSHash},
		// Without ESS the impostor gets as far as the signature.
		{name: "impostor-no-ess", spec: spec{tsa: p256, ess: essNone}, signer: impostor, category: ErrInvalidSignature, reason: reasonSignature},
		{name: "no-eku", spec: spec{tsa: newTSA(t, "p256", certOpts{noEKU: true})}, category: ErrSignerCertificate, reason: reasonEKU},
		{name: "other-eku", spec: spec{tsa: newTSA(t, "p256", certOpts{otherEKU: true})}, category: ErrSignerCertificate, reason: reasonEKU},
		{name: "expired", spec: spec{tsa: p256, genTime: defaultNotAfter.Add(time.Second)}, category: ErrSignerCertificate, reason: reasonValidity},
		{name: "expired-by-1ms", spec: spec{tsa: p256, genTime: defaultNotAfter.Add(time.Millisecond)}, category: ErrSignerCertificate, reason: reasonValidity},
		{name: "not-yet-valid", spec: spec{tsa: p256, genTime: defaultNotBefore.Add(-time.Second)}, category: ErrSignerCertificate, reason: reasonValidity},
		{name: "content-type-id-data", spec: spec{tsa: p256, contentTypeValue: oidIDData}, category: ErrInvalidSignature, reason: reasonContentType},
		{name: "bad-message-digest", spec: spec{tsa: p256, messageDigest: make([]byte, 32)}, category: ErrInvalidSignature, reason: reasonMessageDigest},
		{name: "short-message-digest", spec: spec{tsa: p256, messageDigest: make([]byte, 20)}, category: ErrInvalidSignature, reason: reasonMessageDigest},
		{name: "digest-sha1", spec: spec{tsa: p256, digestHash: crypto.SHA1}, category: ErrInvalidSignature, reason: reasonDigestAlg},
		{name: "digest-md5-oid", spec: spec{tsa: p256, digestOID: oidMD5}, category: ErrInvalidSignature, reason: reasonDigestAlg},
		{name: "sigalg-hash-mismatch", spec: spec{tsa: p256, sigAlg: algElem(oidECDSAWithSHA384, false)},
			category: ErrInvalidSignature, reason: reasonSigHashMismatch},
		{name: "sigalg-rsa-for-ecdsa-key", spec: spec{tsa: p256, sigAlg: algElem(oidSHA256WithRSA, true)},
			category: ErrInvalidSignature, reason: reasonKeyMismatch},
		{name: "sigalg-ed25519-for-rsa-key", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), sigAlg: algElem(oidEd25519, false)},
			category: ErrInvalidSignature, reason: reasonKeyMismatch},
		{name: "sigalg-ecdsa-for-ed25519-key", spec: spec{tsa: newTSA(t, "ed25519", certOpts{}), sigAlg: algElem(oidECDSAWithSHA256, false)},
			category: ErrInvalidSignature, reason: reasonKeyMismatch},
		{name: "sigalg-dsa", spec: spec{tsa: p256, sigAlg: algElem(oidDSAWithSHA256, false)}, category: ErrInvalidSignature, reason: reasonSigAlg},
		{name: "pss-default-sha1", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true, pssParams: []byte{0x30, 0x00}},
			category: ErrInvalidSignature, reason: reasonSigAlg},
		{name: "pss-wrong-salt", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true, pssSalt: 20,
			pssParams: pssParams(crypto.SHA256, 32)}, category: ErrInvalidSignature, reason: reasonSignature},
		{name: "pss-mgf-hash-differs", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true, pssSalt: 32,
			pssParams: pssParamsMGF(crypto.SHA256, crypto.SHA384, 32)}, category: ErrInvalidSignature, reason: reasonSigAlg},
		{name: "pkcs1-for-pss-sig", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true, pssSalt: 32,
			sigAlg: algElem(oidSHA256WithRSA, true)}, category: ErrInvalidSignature, reason: reasonSignature},
		{name: "rsa1024", spec: spec{tsa: newTSA(t, "rsa1024", certOpts{})}, category: ErrSignerCertificate, reason: reasonKey},
		{name: "p224", spec: spec{tsa: newTSA(t, "p224", certOpts{})}, category: ErrSignerCertificate, reason: reasonKey},
		{name: "signed-by-other-key", spec: spec{tsa: p256, signWith: other.key}, category: ErrInvalidSignature, reason: reasonSignature},
		{name: "cert-for-other-key", spec: spec{tsa: &testTSA{key: p256.key, cert: impostor.cert}, ess: essNone},
			category: ErrInvalidSignature, reason: reasonSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustParse(t, build(t, tc.spec))
			signer := tc.spec.tsa
			if tc.signer != nil {
				signer = tc.signer
			}
			signed := tc.signed
			if signed == nil {
				signed = defaultSigned
			}
			wantReason(t, tok.Verify(signed, signer.cert), tc.category, tc.reason)
		})
	}
}

func pssParamsMGF(h, mgf crypto.Hash, salt int) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) { addAlg(b, hashOID(h), true) })
		b.AddASN1(tagCtx1Cons, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addOID(b, oidMGF1)
				addAlg(b, hashOID(mgf), true)
			})
		})
		b.AddASN1(tagCtx2Cons, func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(salt)) })
	})
	return b.BytesOrPanic()
}

func TestSyntheticParseFailures(t *testing.T) {
	p256 := newTSA(t, "p256", certOpts{})
	cert := p256.cert.Raw
	many := func(n int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = cert
		}
		return out
	}
	tests := []struct {
		name    string
		spec    spec
		der     []byte // used instead of spec when set
		wantMsg string // substring of the error
	}{
		{name: "trailing-garbage", spec: spec{trailing: []byte{0x00}}, wantMsg: "trailing data after TimeStampResp"},
		{name: "trailing-element", spec: spec{trailing: []byte{0x05, 0x00}}, wantMsg: "trailing data"},
		{name: "two-signerinfos", spec: spec{signerInfos: 2}, wantMsg: "more than one SignerInfo"},
		{name: "no-signerinfo", spec: spec{signerInfos: -1}, wantMsg: "no SignerInfo"},
		{name: "rejection", spec: spec{status: 2, noToken: true}, wantMsg: "not granted"},
		{name: "rejection-with-token", spec: spec{status: 2}, wantMsg: "not granted"},
		{name: "waiting", spec: spec{status: 3}, wantMsg: "not granted"},
		{name: "granted-without-token", spec: spec{noToken: true}, wantMsg: "without timeStampToken"},
		{name: "imprint-sha1", spec: spec{imprintHash: crypto.SHA1}, wantMsg: "unsupported messageImprint hash"},
		{name: "imprint-md5-oid", spec: spec{imprintAlg: oidMD5}, wantMsg: "unsupported messageImprint hash"},
		{name: "imprint-length", spec: spec{imprint: make([]byte, 31)}, wantMsg: "messageImprint length"},
		{name: "imprint-alg-says-sha512", spec: spec{imprintAlg: oidSHA512}, wantMsg: "messageImprint length"},
		{name: "tstinfo-version-2", spec: spec{tstVersion: 2}, wantMsg: "TSTInfo version"},
		{name: "tstinfo-trailing", spec: spec{tstTrailer: []byte{0x05, 0x00}}, wantMsg: "trailing data in TSTInfo"},
		{name: "tstinfo-empty-extensions", spec: spec{tstTrailer: []byte{0xa1, 0x00}}, wantMsg: "extensions"},
		{name: "gentime-no-z", spec: spec{genTimeRaw: "20250102030405"}, wantMsg: "genTime"},
		{name: "gentime-offset", spec: spec{genTimeRaw: "20250102030405+0000"}, wantMsg: "genTime"},
		{name: "gentime-trailing-zero", spec: spec{genTimeRaw: "20250102030405.10Z"}, wantMsg: "genTime"},
		{name: "gentime-empty-fraction", spec: spec{genTimeRaw: "20250102030405.Z"}, wantMsg: "genTime"},
		{name: "gentime-comma", spec: spec{genTimeRaw: "20250102030405,1Z"}, wantMsg: "genTime"},
		{name: "gentime-feb30", spec: spec{genTimeRaw: "20250230030405Z"}, wantMsg: "genTime"},
		{name: "gentime-hour24", spec: spec{genTimeRaw: "20250102240000Z"}, wantMsg: "genTime"},
		{name: "gentime-leap-second", spec: spec{genTimeRaw: "20251231235960Z"}, wantMsg: "genTime"},
		{name: "gentime-no-seconds", spec: spec{genTimeRaw: "202501020304Z"}, wantMsg: "genTime"},
		{name: "gentime-sign", spec: spec{genTimeRaw: "+0250102030405Z"}, wantMsg: "genTime"},
		{name: "accuracy-millis-0", spec: spec{accuracy: []byte{0x30, 0x03, 0x80, 0x01, 0x00}}, wantMsg: "accuracy"},
		{name: "accuracy-millis-1000", spec: spec{accuracy: []byte{0x30, 0x04, 0x80, 0x02, 0x03, 0xe8}}, wantMsg: "accuracy"},
		{name: "accuracy-negative", spec: spec{accuracy: []byte{0x30, 0x03, 0x02, 0x01, 0xff}}, wantMsg: "accuracy"},
		{name: "accuracy-order", spec: spec{accuracy: []byte{0x30, 0x06, 0x81, 0x01, 0x01, 0x80, 0x01, 0x01}}, wantMsg: "accuracy"},
		{name: "econtent-type", spec: spec{eContentType: oidIDData}, wantMsg: "id-ct-TSTInfo"},
		{name: "no-econtent", spec: spec{noEContent: true}, wantMsg: "eContent"},
		{name: "too-many-certs", spec: spec{certs: many(maxCertificates + 1)}, wantMsg: "too many certificates"},
		{name: "bad-cert", spec: spec{certs: [][]byte{{0x30, 0x03, 0x02, 0x01, 0x01}}}, wantMsg: "embedded certificate 0"},
		{name: "too-many-attrs", spec: spec{extraAttrs: maxSignedAttrs - 3}, wantMsg: "too many signed attributes"},
		{name: "no-signed-attrs", spec: spec{noSignedAttrs: true}, wantMsg: "missing signedAttrs"},
		{name: "no-content-type", spec: spec{omitContentType: true}, wantMsg: "missing content-type"},
		{name: "no-message-digest", spec: spec{omitMsgDigest: true}, wantMsg: "missing message-digest"},
		{name: "dup-content-type", spec: spec{dupContentType: true}, wantMsg: "content-type attribute"},
		{name: "dup-message-digest", spec: spec{dupMsgDigest: true}, wantMsg: "message-digest attribute"},
		{name: "two-content-type-values", spec: spec{omitContentType: true, rawAttrs: [][]byte{
			attrElem(oidAttrContentType, oidElem(oidTSTInfo), oidElem(oidTSTInfo))}}, wantMsg: "content-type attribute"},
		{name: "empty-attr-values", spec: spec{rawAttrs: [][]byte{attrElem(oidAttrSigningTime)}}, wantMsg: "invalid signed attribute"},
		{name: "dup-ess-v2", spec: spec{rawAttrs: [][]byte{essV2Elem(cert)}}, wantMsg: "duplicate signingCertificateV2"},
		{name: "sid-version-mismatch", spec: spec{sidVersion: 3}, wantMsg: "issuerAndSerialNumber"},
		{name: "ski-version-mismatch", spec: spec{useSKI: true, sidVersion: 1}, wantMsg: "subjectKeyIdentifier"},
		{name: "ed25519-params", spec: spec{tsa: newTSA(t, "ed25519", certOpts{}), sigAlg: algElem(oidEd25519, true)}, wantMsg: "Ed25519"},
		{name: "pss-no-params", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), sigAlg: algElem(oidRSAPSS, false)}, wantMsg: "RSASSA-PSS"},
		{name: "pss-trailer-2", spec: spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true,
			pssParams: []byte{0x30, 0x05, 0xa3, 0x03, 0x02, 0x01, 0x02}}, wantMsg: "RSASSA-PSS"},
		{name: "empty", der: []byte{}, wantMsg: "empty input"},
		{name: "oversize", der: append([]byte{0x30, 0x83, 0x01, 0x00, 0x00}, make([]byte, 0x10000)...), wantMsg: "64 KiB"},
		{name: "indefinite-length", der: []byte{0x30, 0x80, 0x30, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00}, wantMsg: "invalid TimeStampResp"},
		{name: "non-minimal-length", der: []byte{0x30, 0x81, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00}, wantMsg: "invalid TimeStampResp"},
		{name: "status-non-minimal-int", der: []byte{0x30, 0x06, 0x30, 0x04, 0x02, 0x02, 0x00, 0x00}, wantMsg: "PKIStatus"},
		{name: "status-only", der: []byte{0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00}, wantMsg: "without timeStampToken"},
		{name: "not-signed-data", der: []byte{0x30, 0x14, 0x30, 0x03, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09,
			0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00}, wantMsg: "not SignedData"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der := tc.der
			if der == nil {
				s := tc.spec
				if s.tsa == nil {
					s.tsa = p256
				}
				der = build(t, s)
			}
			tok, err := Parse(der)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want error containing %q", tok.GenTime, tc.wantMsg)
			}
			if tok != nil {
				t.Fatal("Parse returned a token with an error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.HasPrefix(err.Error(), "rfc3161: ") || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("error %q, want it to contain %q", err, tc.wantMsg)
			}
		})
	}
}

func oidElem(raw []byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	addOID(b, raw)
	return b.BytesOrPanic()
}

func attrElem(oid []byte, values ...[]byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	addAttr(b, oid, func(b *cryptobyte.Builder) {
		for _, v := range values {
			b.AddBytes(v)
		}
	})
	return b.BytesOrPanic()
}

// essV2Elem is a signingCertificateV2 attribute naming cert (SHA-256).
func essV2Elem(cert []byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	addAttr(b, oidAttrSigningCertificateV2, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(hashSum(crypto.SHA256, cert)[:20])
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func TestESSV2BadLength(t *testing.T) {
	p256 := newTSA(t, "p256", certOpts{})
	// A 20-byte hash where SHA-256 (the default) is implied.
	_, err := Parse(build(t, spec{tsa: p256, ess: essNone, rawAttrs: [][]byte{essV2Elem(p256.cert.Raw)}}))
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "signingCertificateV2") {
		t.Fatalf("got %v", err)
	}
}

// TestMaxCertificates checks the certificate bound is inclusive.
func TestMaxCertificates(t *testing.T) {
	p256 := newTSA(t, "p256", certOpts{})
	certs := make([][]byte, maxCertificates-1)
	for i := range certs {
		certs[i] = theTestCA().cert.Raw
	}
	tok := mustParse(t, build(t, spec{tsa: p256, certs: certs, embedSigner: true}))
	if len(tok.Certificates) != maxCertificates {
		t.Fatalf("got %d certificates", len(tok.Certificates))
	}
	if err := tok.Verify(defaultSigned, p256.cert); err != nil {
		t.Fatal(err)
	}
}

// TestTruncations checks that every proper prefix of real and synthetic
// tokens is rejected with ErrMalformed (and does not panic).
func TestTruncations(t *testing.T) {
	inputs := [][]byte{
		readTestdata(t, "sigstore-embedded.tsr"),
		readTestdata(t, "freetsa-noembed.tsr"),
		build(t, spec{tsa: newTSA(t, "rsa2048", certOpts{}), pss: true, pssSalt: 32, embedSigner: true, nonce: big.NewInt(1)}),
	}
	for _, der := range inputs {
		for n := range len(der) {
			if _, err := Parse(der[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(prefix %d/%d) = %v, want ErrMalformed", n, len(der), err)
			}
		}
		// Each single-byte extension must be rejected too.
		if _, err := Parse(append(bytes.Clone(der), 0)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse(der+0) = %v", err)
		}
	}
}

// TestBitFlips flips every bit of a real token: Parse must not panic, and
// any token that still parses must fail Verify, except for flips in the few
// places that are neither signed nor used.
func TestBitFlips(t *testing.T) {
	// Offsets in python-0.tsr (see `openssl asn1parse`) that are outside
	// the signature and do not affect verification. (A P-256 token keeps
	// this test fast: P-384 verification is ~10x slower.)
	benign := func(off int) bool {
		switch {
		case off == 8: // PKIStatus granted(0) <-> grantedWithMods(1)
			return true
		case off == 34: // SignedData version (1..5 accepted)
			return true
		case off >= 37 && off <= 49: // SignedData digestAlgorithms (informational)
			return true
		case off == 260: // certificates [0] -> crls [1]: the set is then ignored
			return true
		}
		return false
	}
	der := readTestdata(t, "python-0.tsr")
	sig := readTestdata(t, "python.sig")
	signer := loadCert(t, "python-test-tsa.crt.der")
	if testing.Short() {
		der = der[:200]
	}
	for i := range len(der) * 8 {
		mut := bytes.Clone(der)
		mut[i/8] ^= 1 << (i % 8)
		tok, err := Parse(mut)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("bit %d: %v does not wrap ErrMalformed", i, err)
			}
			continue
		}
		if err := tok.Verify(sig, signer); err == nil && !benign(i/8) {
			t.Errorf("bit %d (byte %d): mutated token still verifies", i, i/8)
		}
	}
}
