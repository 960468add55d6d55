package sign_test

// A test kit: keys of every allowed algorithm, a self-signed CA and a
// CA with an intermediate (a non-Fulcio enterprise PKI), a test timestamp
// authority that makes real RFC 3161 tokens, a test transparency log that
// makes Rekor v2 entries with signed checkpoints, and trusted roots listing
// them, so that bundles go through sigil's real verifier.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/sigil-dev/sigil/bundle"
	"github.com/sigil-dev/sigil/internal/dsse"
	"github.com/sigil-dev/sigil/internal/rekor"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/trustroot"
)

// algorithms are the key algorithms every round trip covers.
var algorithms = []string{"p256", "p384", "p521", "ed25519", "rsa2048", "rsa3072", "rsa4096"}

// testKeys are generated once per test binary (RSA-4096 takes a while).
var testKeys = sync.OnceValue(func() map[string]crypto.Signer {
	m := map[string]crypto.Signer{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	gen := func(name string, f func() (crypto.Signer, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := f()
			if err != nil {
				panic(err)
			}
			mu.Lock()
			m[name] = k
			mu.Unlock()
		}()
	}
	ec := func(c elliptic.Curve) func() (crypto.Signer, error) {
		return func() (crypto.Signer, error) { return ecdsa.GenerateKey(c, rand.Reader) }
	}
	rs := func(bits int) func() (crypto.Signer, error) {
		return func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, bits) }
	}
	gen("p256", ec(elliptic.P256()))
	gen("p256-other", ec(elliptic.P256()))
	gen("p384", ec(elliptic.P384()))
	gen("p521", ec(elliptic.P521()))
	gen("rsa2048", rs(2048))
	gen("rsa3072", rs(3072))
	gen("rsa4096", rs(4096))
	gen("ed25519", func() (crypto.Signer, error) { _, k, err := ed25519.GenerateKey(rand.Reader); return k, err })
	wg.Wait()
	return m
})

func key(name string) crypto.Signer { return testKeys()[name] }

var (
	farPast   = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	farFuture = time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	serial    = big.NewInt(time.Now().UnixNano())
	serialMu  sync.Mutex
)

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial = new(big.Int).Add(serial, big.NewInt(1))
	return serial
}

func mustCert(tb testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) *x509.Certificate {
	tb.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// pki is a certificate authority: a root, and optionally an intermediate
// that issues the leaves.
type pki struct {
	name      string
	root      *x509.Certificate
	rootKey   crypto.Signer
	inter     *x509.Certificate // nil for a single-level CA
	interKey  crypto.Signer
	issuer    *x509.Certificate
	issuerKey crypto.Signer
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{Organization: []string{"Sigil Test"}, CommonName: cn},
		NotBefore: farPast, NotAfter: farFuture, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func newPKI(tb testing.TB, name string, intermediate bool) *pki {
	tb.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rt := caTemplate(name + " Root CA")
	p := &pki{name: name, rootKey: rootKey, root: mustCert(tb, rt, rt, rootKey.Public(), rootKey)}
	p.issuer, p.issuerKey = p.root, rootKey
	if intermediate {
		interKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		it := caTemplate(name + " Intermediate CA")
		it.MaxPathLenZero = true
		p.inter, p.interKey = mustCert(tb, it, p.root, interKey.Public(), rootKey), interKey
		p.issuer, p.issuerKey = p.inter, interKey
	}
	return p
}

const signerDN = "CN=sigil test signer,O=Sigil Test"

// issue certifies pub for code signing.
func (p *pki) issue(tb testing.TB, pub crypto.PublicKey) *x509.Certificate {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{Organization: []string{"Sigil Test"}, CommonName: "sigil test signer"},
		NotBefore: farPast, NotAfter: farFuture,
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		EmailAddresses: []string{"signer@sigil.test"},
	}
	return mustCert(tb, tmpl, p.issuer, pub, p.issuerKey)
}

// chain is what the trusted root lists for p: issuer first, root last.
func (p *pki) chain() []*x509.Certificate {
	if p.inter != nil {
		return []*x509.Certificate{p.inter, p.root}
	}
	return []*x509.Certificate{p.root}
}

// ---- timestamp authority ----

// testTSA makes RFC 3161 timestamp responses signed by its ECDSA P-256 key.
type testTSA struct {
	key      *ecdsa.PrivateKey
	cert     *x509.Certificate
	root     *x509.Certificate
	now      func() time.Time
	err      error  // returned by Timestamp when set
	uri      string // the trusted root's URI for it; empty: https://tsa.sigil.test
	operator string // the operator the trusted root names for it
}

var (
	oidSignedData      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCertV2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidSHA256          = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidTSAPolicy       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2}
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

func newTSA(tb testing.TB) *testTSA {
	tb.Helper()
	rootKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rt := caTemplate("Sigil Test TSA Root")
	root := mustCert(tb, rt, rt, rootKey.Public(), rootKey)
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
	lt := &x509.Certificate{
		SerialNumber: nextSerial(), Subject: pkix.Name{Organization: []string{"Sigil Test"}, CommonName: "Sigil Test TSA"},
		NotBefore: farPast, NotAfter: farFuture, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	}
	return &testTSA{key: k, cert: mustCert(tb, lt, root, k.Public(), rootKey), root: root, now: time.Now}
}

func (t *testTSA) Timestamp(ctx context.Context, signature []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.err != nil {
		return nil, t.err
	}
	return t.token(signature, t.now().UTC().Truncate(time.Second)), nil
}

func addAlg(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

func addAttr(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
}

// token builds a TimeStampResp granting a SHA-256 imprint of signed.
func (t *testTSA) token(signed []byte, genTime time.Time) []byte {
	imprint := sha256.Sum256(signed)
	tst := cryptobyte.NewBuilder(nil)
	tst.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(oidTSAPolicy)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			addAlg(b, oidSHA256, false)
			b.AddASN1OctetString(imprint[:])
		})
		b.AddASN1BigInt(nextSerial())
		b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(genTime.Format("20060102150405Z"))) })
	})
	eContent := tst.BytesOrPanic()
	md := sha256.Sum256(eContent)
	certHash := sha256.Sum256(t.cert.Raw)
	ab := cryptobyte.NewBuilder(nil)
	ab.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		addAttr(b, oidContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidTSTInfo) })
		addAttr(b, oidMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(md[:]) })
		addAttr(b, oidSigningCertV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1OctetString(certHash[:])
					})
				})
			})
		})
	})
	attrs := ab.BytesOrPanic()
	ad := sha256.Sum256(attrs)
	sig, err := ecdsa.SignASN1(rand.Reader, t.key, ad[:])
	if err != nil {
		panic(err)
	}
	ctx0 := cbasn1.Tag(0).ContextSpecific().Constructed()
	rb := cryptobyte.NewBuilder(nil)
	rb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(0) }) // granted
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidSignedData)
			b.AddASN1(ctx0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(3)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAlg(b, oidSHA256, true) })
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidTSTInfo)
						b.AddASN1(ctx0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(eContent) })
					})
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
							b.AddASN1Int64(1)
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddBytes(t.cert.RawIssuer)
								b.AddASN1BigInt(t.cert.SerialNumber)
							})
							addAlg(b, oidSHA256, true)
							b.AddASN1(ctx0, func(b *cryptobyte.Builder) {
								in := cryptobyte.String(attrs)
								var body cryptobyte.String
								in.ReadASN1(&body, cbasn1.SET)
								b.AddBytes(body)
							})
							addAlg(b, oidECDSAWithSHA256, false)
							b.AddASN1OctetString(sig)
						})
					})
				})
			})
		})
	})
	return rb.BytesOrPanic()
}

// ---- transparency log ----

// testLog is a log of one entry per call: the entry is the only leaf of its
// tree, so the root hash is the leaf hash, and the checkpoint is signed with
// an Ed25519 note key. By default it writes Rekor v2 entries (hashedrekord
// and dsse 0.0.2, no inclusion promise); with v1 set, Rekor v1 entries
// (hashedrekord and dsse 0.0.1) with an inclusion promise (SET) signed by
// the same key. The other fields make it misbehave, for negative tests.
type testLog struct {
	origin string
	key    ed25519.PrivateKey
	logID  []byte
	keyID  []byte
	err    error // returned by Append when set
	calls  int
	mu     sync.Mutex

	v1             bool      // Rekor v1 entries with a SET
	integratedTime time.Time // the SET's time (v1); zero: now
	// envelopeAsHashedRekord logs a DSSE envelope as a hashedrekord entry over
	// the digest of its PAE: what Rekor v2 does (0.0.2), and what no Rekor v1
	// log does (0.0.1, whose entries say a blob was signed).
	envelopeAsHashedRekord bool
	// Misbehaviours.
	recordKey          bool      // record the signer's public key even when the request names a certificate
	keyDetails         string    // v2: record these key details instead of the signer's
	statedIndex        int64     // the entry's top-level log index (its proof proves 0)
	operator           string    // the operator the trusted root names for the log
	validFrom, validTo time.Time // the trusted root's validity window of the key; zero: farPast, open
}

func newLog(tb testing.TB) *testLog { return newNamedLog(tb, "log.sigil.test") }

func newNamedLog(tb testing.TB, origin string) *testLog {
	tb.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	l := &testLog{origin: origin, key: priv}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	id := sha256.Sum256(der)
	l.logID = id[:]
	kid := sha256.Sum256(append(append([]byte(l.origin+"\n"), 0x01), pub...))
	l.keyID = kid[:]
	return l
}

type v2Verifier struct {
	KeyDetails string `json:"keyDetails"`
	PublicKey  *struct {
		RawBytes []byte `json:"rawBytes"`
	} `json:"publicKey,omitempty"`
	X509Certificate *struct {
		RawBytes []byte `json:"rawBytes"`
	} `json:"x509Certificate,omitempty"`
}

type v2Digest struct {
	Algorithm string `json:"algorithm"`
	Digest    []byte `json:"digest"`
}

func protoHashName(h crypto.Hash) string {
	return map[crypto.Hash]string{crypto.SHA256: "SHA2_256", crypto.SHA384: "SHA2_384", crypto.SHA512: "SHA2_512"}[h]
}

// keyDetails names the algorithm the request's signature was made with, as
// Rekor v2 records it.
func keyDetails(r *sign.LogRequest) (string, error) {
	alg, err := sigalg.ForKey(r.PublicKey)
	if r.KeyDetails != "" {
		alg, err = sigalg.ForKeyDetails(r.KeyDetails)
	}
	if err != nil {
		return "", err
	}
	if r.Message != nil {
		if alg, err = alg.ForDigests().WithHash(r.Message.DigestAlgorithm); err != nil {
			return "", err
		}
	}
	return sigalg.KeyDetails(alg, r.PublicKey)
}

// body returns the canonicalized entry body logging r, with its kind and version.
func (l *testLog) body(r *sign.LogRequest) ([]byte, string, string, error) {
	var der []byte
	cert := r.Certificate != nil && !l.recordKey
	if cert {
		der = r.Certificate.Raw
	} else {
		var err error
		if der, err = x509.MarshalPKIXPublicKey(r.PublicKey); err != nil {
			return nil, "", "", err
		}
	}
	type obj = map[string]any
	var body obj
	var kind, version string
	if l.v1 {
		typ := "PUBLIC KEY"
		if cert {
			typ = "CERTIFICATE"
		}
		verifier := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
		version = "0.0.1"
		switch {
		case r.Message != nil:
			kind = "hashedrekord"
			body = obj{"data": obj{"hash": obj{"algorithm": sigalg.DigestName(r.Message.DigestAlgorithm), "value": hex.EncodeToString(r.Message.Digest)}},
				"signature": obj{"content": r.Message.Signature, "publicKey": obj{"content": verifier}}}
		case l.envelopeAsHashedRekord:
			kind = "hashedrekord"
			d := sha256.Sum256(dsse.PAE(r.Envelope.PayloadType, r.Envelope.Payload))
			body = obj{"data": obj{"hash": obj{"algorithm": "sha256", "value": hex.EncodeToString(d[:])}},
				"signature": obj{"content": r.Envelope.Signature, "publicKey": obj{"content": verifier}}}
		default:
			kind = "dsse"
			ph := sha256.Sum256(r.Envelope.Payload)
			body = obj{"payloadHash": obj{"algorithm": "sha256", "value": hex.EncodeToString(ph[:])},
				"signatures": []obj{{"signature": base64.StdEncoding.EncodeToString(r.Envelope.Signature), "verifier": verifier}}}
		}
	} else {
		v := v2Verifier{KeyDetails: l.keyDetails}
		if v.KeyDetails == "" {
			var err error
			if v.KeyDetails, err = keyDetails(r); err != nil {
				return nil, "", "", err
			}
		}
		blob := &struct {
			RawBytes []byte `json:"rawBytes"`
		}{der}
		if cert {
			v.X509Certificate = blob
		} else {
			v.PublicKey = blob
		}
		type sig struct {
			Content  []byte     `json:"content"`
			Verifier v2Verifier `json:"verifier"`
		}
		version = "0.0.2"
		switch {
		case r.Message != nil:
			kind = "hashedrekord"
			body = obj{"hashedRekordV002": obj{"data": v2Digest{protoHashName(r.Message.DigestAlgorithm), r.Message.Digest}, "signature": sig{r.Message.Signature, v}}}
		case l.envelopeAsHashedRekord:
			kind = "hashedrekord"
			alg, err := sigalg.ForKey(r.PublicKey)
			if err != nil {
				return nil, "", "", err
			}
			d := alg.Hash().New()
			d.Write(dsse.PAE(r.Envelope.PayloadType, r.Envelope.Payload))
			body = obj{"hashedRekordV002": obj{"data": v2Digest{protoHashName(alg.Hash()), d.Sum(nil)}, "signature": sig{r.Envelope.Signature, v}}}
		default:
			kind = "dsse"
			ph := sha256.Sum256(r.Envelope.Payload)
			body = obj{"dsseV002": obj{"payloadHash": v2Digest{"SHA2_256", ph[:]}, "signatures": []sig{{r.Envelope.Signature, v}}}}
		}
	}
	canon, err := json.Marshal(obj{"apiVersion": version, "kind": kind, "spec": body})
	return canon, kind, version, err
}

func (l *testLog) Append(ctx context.Context, r *sign.LogRequest) (*bundle.TlogEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	if (r.Message == nil) == (r.Envelope == nil) {
		return nil, fmt.Errorf("testLog: want exactly one of a message and an envelope")
	}
	canon, kind, version, err := l.body(r)
	if err != nil {
		return nil, err
	}
	root := rfc6962.DefaultHasher.HashLeaf(canon)
	text := fmt.Sprintf("%s\n1\n%s\n", l.origin, base64.StdEncoding.EncodeToString(root))
	s := ed25519.Sign(l.key, []byte(text))
	cp := text + "\n\u2014 " + l.origin + " " + base64.StdEncoding.EncodeToString(append(l.keyID[:4:4], s...)) + "\n"
	e := &bundle.TlogEntry{
		LogIndex: l.statedIndex, LogID: l.logID, Kind: kind, KindVersion: version, Body: canon,
		Proof: &bundle.InclusionProof{LogIndex: 0, TreeSize: 1, RootHash: root, Checkpoint: []byte(cp)},
	}
	if l.v1 {
		t := l.integratedTime
		if t.IsZero() {
			t = time.Now()
		}
		e.IntegratedTime = t.Unix()
		e.SET = ed25519.Sign(l.key, rekor.SETPayload(canon, e.IntegratedTime, e.LogID, e.LogIndex))
	}
	return e, nil
}

// ---- trusted roots ----

type rootSpec struct {
	cas  []*pki
	tsas []*testTSA
	logs []*testLog
}

func certChainProto(certs ...*x509.Certificate) *protocommon.X509CertificateChain {
	c := &protocommon.X509CertificateChain{}
	for _, x := range certs {
		c.Certificates = append(c.Certificates, &protocommon.X509Certificate{RawBytes: x.Raw})
	}
	return c
}

func validFor() *protocommon.TimeRange {
	return &protocommon.TimeRange{Start: timestamppb.New(farPast)}
}

// trustedRootJSON returns the trusted_root.json document listing s.
func trustedRootJSON(tb testing.TB, s rootSpec) []byte {
	tb.Helper()
	tr := &prototrust.TrustedRoot{MediaType: trustroot.MediaTypeTrustedRootV01}
	for _, p := range s.cas {
		tr.CertificateAuthorities = append(tr.CertificateAuthorities, &prototrust.CertificateAuthority{
			Subject:   &protocommon.DistinguishedName{Organization: "Sigil Test", CommonName: p.name},
			Uri:       "https://" + p.name + ".ca.sigil.test",
			CertChain: certChainProto(p.chain()...),
			ValidFor:  validFor(),
		})
	}
	for _, t := range s.tsas {
		uri := t.uri
		if uri == "" {
			uri = "https://tsa.sigil.test"
		}
		if t.operator != "" {
			tr.MediaType = trustroot.MediaTypeTrustedRootV02 // operators came with v0.2
		}
		tr.TimestampAuthorities = append(tr.TimestampAuthorities, &prototrust.CertificateAuthority{
			Subject:   &protocommon.DistinguishedName{Organization: "Sigil Test", CommonName: "Sigil Test TSA"},
			Uri:       uri,
			CertChain: certChainProto(t.cert, t.root),
			ValidFor:  validFor(),
			Operator:  t.operator,
		})
	}
	for _, l := range s.logs {
		der, _ := x509.MarshalPKIXPublicKey(l.key.Public())
		vf := validFor()
		if !l.validFrom.IsZero() {
			vf.Start = timestamppb.New(l.validFrom)
		}
		if !l.validTo.IsZero() {
			vf.End = timestamppb.New(l.validTo)
		}
		if l.operator != "" {
			tr.MediaType = trustroot.MediaTypeTrustedRootV02 // operators came with v0.2
		}
		tr.Tlogs = append(tr.Tlogs, &prototrust.TransparencyLogInstance{
			BaseUrl:       "https://" + l.origin,
			HashAlgorithm: protocommon.HashAlgorithm_SHA2_256,
			PublicKey: &protocommon.PublicKey{
				RawBytes: der, KeyDetails: protocommon.PublicKeyDetails_PKIX_ED25519, ValidFor: vf,
			},
			LogId:           &protocommon.LogId{KeyId: l.logID},
			CheckpointKeyId: &protocommon.LogId{KeyId: l.keyID},
			Operator:        l.operator,
		})
	}
	out, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(tr)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func trustedRoot(tb testing.TB, s rootSpec) *trustroot.TrustedRoot {
	tb.Helper()
	r, err := trustroot.ParseJSON(trustedRootJSON(tb, s))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// pae exposes the DSSE pre-authentication encoding to the interop tests.
func pae(payloadType string, payload []byte) []byte { return dsse.PAE(payloadType, payload) }

const cryptoSHA256 = crypto.SHA256

func withServices(tsa *testTSA, log *testLog) []sign.Option {
	return []sign.Option{sign.WithTimestamper(tsa), sign.WithTransparencyLog(log)}
}

func signNewBuilder(f *fixture, check func(*bundle.Bundle, crypto.Hash, []byte) error) (*sign.BundleBuilder, error) {
	return sign.NewBundleBuilder(f.cred, sign.WithSelfCheck(check))
}

func isSelfCheck(err error) bool { return errors.Is(err, sign.ErrSelfCheck) }
