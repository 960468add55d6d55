package rfc3161

// Test helpers that hand-assemble RFC 3161 TimeStampResp structures signed
// by a throw-away test TSA, so that algorithms and malformations not found in
// the real fixtures can be exercised.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidKPCodeSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
	testPolicy        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2}

	oidMD5             = oidBytes(1, 2, 840, 113549, 2, 5)
	oidSHA1Test        = oidBytes(1, 3, 14, 3, 2, 26)
	oidDSAWithSHA256   = oidBytes(2, 16, 840, 1, 101, 3, 4, 3, 2)
	oidECDSAWithSHA256 = oidBytes(1, 2, 840, 10045, 4, 3, 2)
	oidECDSAWithSHA384 = oidBytes(1, 2, 840, 10045, 4, 3, 3)
	oidECDSAWithSHA512 = oidBytes(1, 2, 840, 10045, 4, 3, 4)
	oidSHA256WithRSA   = oidBytes(1, 2, 840, 113549, 1, 1, 11)
	oidSHA384WithRSA   = oidBytes(1, 2, 840, 113549, 1, 1, 12)
	oidSHA512WithRSA   = oidBytes(1, 2, 840, 113549, 1, 1, 13)
	oidAttrSigningTime = oidBytes(1, 2, 840, 113549, 1, 9, 5)
	oidIDData          = oidBytes(1, 2, 840, 113549, 1, 7, 1)
)

// Keys are expensive to generate (RSA), so they are created once.
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	m := map[string]crypto.Signer{}
	mustEC := func(c elliptic.Curve) crypto.Signer {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	mustRSA := func(bits int) crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		return k
	}
	m["ca"] = mustEC(elliptic.P256())
	m["p256"] = mustEC(elliptic.P256())
	m["p256b"] = mustEC(elliptic.P256())
	m["p384"] = mustEC(elliptic.P384())
	m["p521"] = mustEC(elliptic.P521())
	m["p224"] = mustEC(elliptic.P224())
	m["rsa2048"] = mustRSA(2048)
	m["rsa3072"] = mustRSA(3072)
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	m["ed25519"] = ed
	return m
})

// rsa1024 is generated separately: Go refuses keys < 1024 bits, and 1024 is
// only needed by one test.
var testRSA1024 = sync.OnceValue(func() crypto.Signer {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

type testCA struct {
	key  crypto.Signer
	cert *x509.Certificate
}

var theTestCA = sync.OnceValue(func() testCA {
	key := testKeys()["ca"]
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{Organization: []string{"sigil test"}, CommonName: "Test TSA Root"},
		NotBefore:             time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:              time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	return testCA{key, cert}
})

// testTSA is a timestamp authority: signing key plus leaf certificate.
type testTSA struct {
	key  crypto.Signer
	cert *x509.Certificate
}

type certOpts struct {
	noEKU          bool
	ekuNonCritical bool
	otherEKU       bool // codeSigning instead of timeStamping
	serial         int64
	ski            []byte
	notBefore      time.Time
	notAfter       time.Time
	certKey        crypto.PublicKey // certify this key instead of the signing key's
}

var (
	defaultNotBefore = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	defaultNotAfter  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newTSA(tb testing.TB, keyName string, o certOpts) *testTSA {
	tb.Helper()
	var key crypto.Signer
	if keyName == "rsa1024" {
		key = testRSA1024()
	} else {
		key = testKeys()[keyName]
	}
	if key == nil {
		tb.Fatalf("no test key %q", keyName)
	}
	ca := theTestCA()
	if o.serial == 0 {
		o.serial = 4242
	}
	if o.ski == nil {
		o.ski = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	}
	if o.notBefore.IsZero() {
		o.notBefore = defaultNotBefore
	}
	if o.notAfter.IsZero() {
		o.notAfter = defaultNotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(o.serial),
		Subject:      pkix.Name{Organization: []string{"sigil test"}, CommonName: "Test TSA " + keyName},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		SubjectKeyId: o.ski,
	}
	if !o.noEKU {
		kp := oidKPTimeStamping
		if o.otherEKU {
			kp = oidKPCodeSigning
		}
		val, err := asn1.Marshal([]asn1.ObjectIdentifier{kp})
		if err != nil {
			tb.Fatal(err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidExtKeyUsage, Critical: !o.ekuNonCritical, Value: val}}
	}
	pub := o.certKey
	if pub == nil {
		pub = key.Public()
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testTSA{key, cert}
}

type essMode int

const (
	essV2 essMode = iota
	essV1
	essNone
	essBoth
)

// spec describes a token to build. The zero value (plus tsa) is a valid
// token over defaultSigned.
type spec struct {
	tsa    *testTSA
	signed []byte

	status    int64
	noToken   bool
	statusStr bool

	imprintHash crypto.Hash // default SHA256
	imprintAlg  []byte      // raw OID contents override (hash computed with imprintHash)
	imprint     []byte      // hashedMessage override
	tstVersion  int64       // default 1
	genTime     time.Time   // default notBefore + 24h
	genTimeRaw  string      // raw GeneralizedTime override
	nonce       *big.Int
	accuracy    []byte // raw Accuracy element override; nil: {seconds 1}
	tstTrailer  []byte // appended inside TSTInfo

	eContentType []byte // raw OID contents override
	noEContent   bool

	digestHash crypto.Hash // SignerInfo digestAlgorithm, default SHA256
	digestOID  []byte      // raw OID contents override
	sigAlg     []byte      // raw AlgorithmIdentifier element override
	pss        bool
	pssSalt    int
	pssParams  []byte // raw RSASSA-PSS-params override
	signWith   crypto.Signer

	useSKI        bool
	sidSerial     int64 // override the sid serial number
	sidVersion    int64 // override the SignerInfo version
	certs         [][]byte
	embedSigner   bool
	noSignedAttrs bool

	contentTypeValue []byte // raw OID contents override
	messageDigest    []byte // override
	omitContentType  bool
	omitMsgDigest    bool
	dupContentType   bool
	dupMsgDigest     bool
	ess              essMode
	essCert          []byte      // certificate hashed in ESSCertID (default signer)
	essV2HashOID     []byte      // explicit hashAlgorithm in ESSCertIDv2
	essV2Hash        crypto.Hash // hash used with essV2HashOID
	extraAttrs       int         // number of extra (unknown) attributes
	rawAttrs         [][]byte    // extra raw Attribute elements

	signerInfos  int // default 1; -1 for none
	unsignedAttr bool
	crls         bool
	trailing     []byte // after the TimeStampResp
}

var defaultSigned = []byte("MEUCIQDx signature bytes of a sigstore bundle")

func hashOID(h crypto.Hash) []byte {
	switch h {
	case crypto.SHA256:
		return oidSHA256
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	case crypto.SHA1:
		return oidSHA1Test
	}
	panic("no OID for hash")
}

func hashSum(h crypto.Hash, b []byte) []byte {
	if h == crypto.SHA1 {
		s := sha1.Sum(b)
		return s[:]
	}
	hh := h.New()
	hh.Write(b)
	return hh.Sum(nil)
}

func addOID(b *cryptobyte.Builder, raw []byte) {
	b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(raw) })
}

func addAlg(b *cryptobyte.Builder, oid []byte, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addOID(b, oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

func addAttr(b *cryptobyte.Builder, oid []byte, values func(b *cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addOID(b, oid)
		b.AddASN1(cbasn1.SET, values)
	})
}

func pssParams(h crypto.Hash, salt int) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) { addAlg(b, hashOID(h), true) })
		b.AddASN1(tagCtx1Cons, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addOID(b, oidMGF1)
				addAlg(b, hashOID(h), true)
			})
		})
		b.AddASN1(tagCtx2Cons, func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(salt)) })
	})
	return b.BytesOrPanic()
}

// defaultSigAlg returns the AlgorithmIdentifier element for key and h.
func defaultSigAlg(s *spec, key crypto.Signer, h crypto.Hash) []byte {
	b := cryptobyte.NewBuilder(nil)
	switch key.(type) {
	case *ecdsa.PrivateKey:
		oid := map[crypto.Hash][]byte{crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384,
			crypto.SHA512: oidECDSAWithSHA512}[h]
		if oid == nil {
			oid = oidECPublicKey
		}
		addAlg(b, oid, false)
	case *rsa.PrivateKey:
		if s.pss {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				addOID(b, oidRSAPSS)
				if s.pssParams != nil {
					b.AddBytes(s.pssParams)
				} else {
					b.AddBytes(pssParams(h, s.pssSalt))
				}
			})
			break
		}
		oid := map[crypto.Hash][]byte{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA,
			crypto.SHA512: oidSHA512WithRSA}[h]
		if oid == nil {
			oid = oidRSAEncryption
		}
		addAlg(b, oid, true)
	case ed25519.PrivateKey:
		addAlg(b, oidEd25519, false)
	}
	return b.BytesOrPanic()
}

func sign(tb testing.TB, s *spec, key crypto.Signer, h crypto.Hash, msg []byte) []byte {
	tb.Helper()
	var sig []byte
	var err error
	switch k := key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, msg)
	case *rsa.PrivateKey:
		if s.pss {
			sig, err = rsa.SignPSS(rand.Reader, k, h, hashSum(h, msg), &rsa.PSSOptions{SaltLength: s.pssSalt})
		} else {
			sig, err = rsa.SignPKCS1v15(rand.Reader, k, h, hashSum(h, msg))
		}
	case *ecdsa.PrivateKey:
		sig, err = ecdsa.SignASN1(rand.Reader, k, hashSum(h, msg))
	default:
		tb.Fatalf("unsupported key %T", key)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return sig
}

func formatGenTime(t time.Time) string {
	s := t.UTC().Format("20060102150405.999999999")
	return s + "Z"
}

// build assembles the DER TimeStampResp described by s.
func build(tb testing.TB, s spec) []byte {
	tb.Helper()
	if s.signed == nil {
		s.signed = defaultSigned
	}
	if s.imprintHash == 0 {
		s.imprintHash = crypto.SHA256
	}
	if s.digestHash == 0 {
		s.digestHash = crypto.SHA256
	}
	if s.tstVersion == 0 {
		s.tstVersion = 1
	}
	if s.genTime.IsZero() {
		s.genTime = s.tsa.cert.NotBefore.Add(24 * time.Hour)
	}
	if s.genTimeRaw == "" {
		s.genTimeRaw = formatGenTime(s.genTime)
	}
	if s.signerInfos == 0 {
		s.signerInfos = 1
	}
	digestOID := s.digestOID
	if digestOID == nil {
		digestOID = hashOID(s.digestHash)
	}

	// TSTInfo
	tb1 := cryptobyte.NewBuilder(nil)
	tb1.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(s.tstVersion)
		b.AddASN1ObjectIdentifier(testPolicy)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			alg := s.imprintAlg
			if alg == nil {
				alg = hashOID(s.imprintHash)
			}
			addAlg(b, alg, false)
			imprint := s.imprint
			if imprint == nil {
				imprint = hashSum(s.imprintHash, s.signed)
			}
			b.AddASN1OctetString(imprint)
		})
		b.AddASN1BigInt(big.NewInt(0x1234567890))
		b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s.genTimeRaw)) })
		if s.accuracy != nil {
			b.AddBytes(s.accuracy)
		} else {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(1) })
		}
		if s.nonce != nil {
			b.AddASN1BigInt(s.nonce)
		}
		b.AddBytes(s.tstTrailer)
	})
	eContent := tb1.BytesOrPanic()

	// Signed attributes, as a SET OF.
	key := s.tsa.key
	essCert := s.essCert
	if essCert == nil {
		essCert = s.tsa.cert.Raw
	}
	ab := cryptobyte.NewBuilder(nil)
	ab.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		ctValue := s.contentTypeValue
		if ctValue == nil {
			ctValue = oidTSTInfo
		}
		for i := 0; i < 1+boolInt(s.dupContentType) && !s.omitContentType; i++ {
			addAttr(b, oidAttrContentType, func(b *cryptobyte.Builder) { addOID(b, ctValue) })
		}
		addAttr(b, oidAttrSigningTime, func(b *cryptobyte.Builder) { b.AddASN1UTCTime(s.genTime) })
		md := s.messageDigest
		if md == nil {
			md = hashSum(s.digestHash, eContent)
		}
		for i := 0; i < 1+boolInt(s.dupMsgDigest) && !s.omitMsgDigest; i++ {
			addAttr(b, oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(md) })
		}
		if s.ess == essV1 || s.ess == essBoth {
			addAttr(b, oidAttrSigningCertificate, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(hashSum(crypto.SHA1, essCert))
						})
					})
				})
			})
		}
		if s.ess == essV2 || s.ess == essBoth {
			addAttr(b, oidAttrSigningCertificateV2, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							h := crypto.SHA256
							if s.essV2HashOID != nil {
								addAlg(b, s.essV2HashOID, false)
								h = s.essV2Hash
							}
							b.AddASN1OctetString(hashSum(h, essCert))
							// issuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
									b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
										b.AddBytes(s.tsa.cert.RawIssuer)
									})
								})
								b.AddASN1BigInt(s.tsa.cert.SerialNumber)
							})
						})
					})
				})
			})
		}
		for i := range s.extraAttrs {
			addAttr(b, oidBytes(1, 3, 6, 1, 4, 1, 99999, i+1), func(b *cryptobyte.Builder) { b.AddASN1NULL() })
		}
		for _, raw := range s.rawAttrs {
			b.AddBytes(raw)
		}
	})
	attrs := ab.BytesOrPanic()

	signer := key
	if s.signWith != nil {
		signer = s.signWith
	}
	sig := sign(tb, &s, signer, s.digestHash, attrs)
	sigAlg := s.sigAlg
	if sigAlg == nil {
		sigAlg = defaultSigAlg(&s, key, s.digestHash)
	}

	signerInfo := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			version := int64(1)
			if s.useSKI {
				version = 3
			}
			if s.sidVersion != 0 {
				version = s.sidVersion
			}
			b.AddASN1Int64(version)
			if s.useSKI {
				b.AddASN1(tagCtx0Prim, func(b *cryptobyte.Builder) { b.AddBytes(s.tsa.cert.SubjectKeyId) })
			} else {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(s.tsa.cert.RawIssuer)
					serial := s.tsa.cert.SerialNumber
					if s.sidSerial != 0 {
						serial = big.NewInt(s.sidSerial)
					}
					b.AddASN1BigInt(serial)
				})
			}
			addAlg(b, digestOID, true)
			if !s.noSignedAttrs {
				b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) {
					in := cryptobyte.String(attrs)
					var body cryptobyte.String
					in.ReadASN1(&body, cbasn1.SET)
					b.AddBytes(body)
				})
			}
			b.AddBytes(sigAlg)
			b.AddASN1OctetString(sig)
			if s.unsignedAttr {
				b.AddASN1(tagCtx1Cons, func(b *cryptobyte.Builder) {
					addAttr(b, oidBytes(1, 3, 6, 1, 4, 1, 99999, 77), func(b *cryptobyte.Builder) { b.AddASN1NULL() })
				})
			}
		})
	}

	rb := cryptobyte.NewBuilder(nil)
	rb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1Int64(s.status)
			if s.statusStr {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.UTF8String, func(b *cryptobyte.Builder) { b.AddBytes([]byte("ok")) })
				})
			}
		})
		if s.noToken {
			return
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
			addOID(b, oidSignedData)
			b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
					b.AddASN1Int64(3)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlg(b, digestOID, true) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						et := s.eContentType
						if et == nil {
							et = oidTSTInfo
						}
						addOID(b, et)
						if !s.noEContent {
							b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) { b.AddASN1OctetString(eContent) })
						}
					})
					certs := s.certs
					if s.embedSigner {
						certs = append(certs, s.tsa.cert.Raw)
					}
					if certs != nil {
						b.AddASN1(tagCtx0Cons, func(b *cryptobyte.Builder) {
							for _, c := range certs {
								b.AddBytes(c)
							}
						})
					}
					if s.crls {
						b.AddASN1(tagCtx1Cons, func(b *cryptobyte.Builder) {})
					}
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						for range max(s.signerInfos, 0) {
							signerInfo(b)
						}
					})
				})
			})
		})
	})
	return append(rb.BytesOrPanic(), s.trailing...)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
