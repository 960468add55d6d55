// Package trustconfig builds the trust configuration of the local Sigstore
// test stack (scripts/services) from the key and CA material start.sh
// generates: a trusted root, a signing config and a ClientTrustConfig
// combining both, as protobuf-specs JSON. Standard library only; used by
// cmd/mkconfig.
package trustconfig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Media types written.
const (
	MediaTypeTrustedRoot       = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
	MediaTypeSigningConfig     = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
	MediaTypeClientTrustConfig = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
)

// Operator is the operator named for every service in the signing config.
const Operator = "sigil-test"

// Key is a public key with its PKIX DER encoding.
type Key struct {
	DER    []byte
	Public crypto.PublicKey
}

// Material is the stack's public trust material, as start.sh writes it to
// STATE/pki.
type Material struct {
	FulcioChain []*x509.Certificate // pki/fulcio-chain.pem: issuing CA first, root last
	TSAChain    []*x509.Certificate // pki/tsa-chain.pem: signing certificate first, root last
	RekorV1     Key                 // pki/rekor1.pub (ECDSA)
	RekorV2     Key                 // pki/rekor2.pub (Ed25519)
	CT          Key                 // pki/ct.pub (ECDSA)
}

// Load reads the material from dir (STATE/pki).
func Load(dir string) (*Material, error) {
	m := &Material{}
	var err error
	p := func(name string) string { return filepath.Join(dir, name) }
	if m.FulcioChain, err = ReadCerts(p("fulcio-chain.pem")); err != nil {
		return nil, err
	}
	if m.TSAChain, err = ReadCerts(p("tsa-chain.pem")); err != nil {
		return nil, err
	}
	if m.RekorV1, err = ReadKey(p("rekor1.pub")); err != nil {
		return nil, err
	}
	if m.RekorV2, err = ReadKey(p("rekor2.pub")); err != nil {
		return nil, err
	}
	if _, ok := m.RekorV2.Public.(ed25519.PublicKey); !ok {
		return nil, fmt.Errorf("%s: want an Ed25519 key, got %T", p("rekor2.pub"), m.RekorV2.Public)
	}
	if m.CT, err = ReadKey(p("ct.pub")); err != nil {
		return nil, err
	}
	return m, nil
}

// URLs are the stack's service URLs.
type URLs struct {
	Fulcio        string // base URL, e.g. http://127.0.0.1:5555
	OIDC          string // issuer URL
	TSA           string // timestamp URL, e.g. http://127.0.0.1:3004/api/v1/timestamp
	RekorV1       string // base URL
	RekorV2       string // base URL (write API)
	RekorV2Origin string // checkpoint origin = rekor-tiles --hostname
	CT            string // base URL including the log prefix
}

// Files are the generated documents (indented JSON) and the log IDs in them.
type Files struct {
	TrustedRoot, SigningConfig, TrustConfig []byte
	RekorV1LogID, RekorV2LogID, CTLogID     []byte
}

// JSON shapes of the protobuf-specs messages (protojson field names; bytes
// are standard base64, as encoding/json writes []byte).
type (
	timeRange struct {
		Start string `json:"start"`
	}
	publicKey struct {
		RawBytes   []byte    `json:"rawBytes"`
		KeyDetails string    `json:"keyDetails"`
		ValidFor   timeRange `json:"validFor"`
	}
	logID struct {
		KeyID []byte `json:"keyId"`
	}
	tlogInstance struct {
		BaseURL       string    `json:"baseUrl"`
		HashAlgorithm string    `json:"hashAlgorithm"`
		PublicKey     publicKey `json:"publicKey"`
		LogID         logID     `json:"logId"`
	}
	distinguishedName struct {
		Organization string `json:"organization"`
		CommonName   string `json:"commonName"`
	}
	rawCert struct {
		RawBytes []byte `json:"rawBytes"`
	}
	certChain struct {
		Certificates []rawCert `json:"certificates"`
	}
	certificateAuthority struct {
		Subject   distinguishedName `json:"subject"`
		URI       string            `json:"uri"`
		CertChain certChain         `json:"certChain"`
		ValidFor  timeRange         `json:"validFor"`
	}
	trustedRoot struct {
		MediaType              string                 `json:"mediaType"`
		Tlogs                  []tlogInstance         `json:"tlogs"`
		CertificateAuthorities []certificateAuthority `json:"certificateAuthorities"`
		Ctlogs                 []tlogInstance         `json:"ctlogs"`
		TimestampAuthorities   []certificateAuthority `json:"timestampAuthorities"`
	}
	service struct {
		URL             string    `json:"url"`
		MajorAPIVersion int       `json:"majorApiVersion"`
		ValidFor        timeRange `json:"validFor"`
		Operator        string    `json:"operator"`
	}
	serviceConfig struct {
		Selector string `json:"selector"`
	}
	signingConfig struct {
		MediaType       string        `json:"mediaType"`
		CAURLs          []service     `json:"caUrls"`
		OIDCURLs        []service     `json:"oidcUrls"`
		RekorTlogURLs   []service     `json:"rekorTlogUrls"`
		TSAURLs         []service     `json:"tsaUrls"`
		RekorTlogConfig serviceConfig `json:"rekorTlogConfig"`
		TSAConfig       serviceConfig `json:"tsaConfig"`
	}
	clientTrustConfig struct {
		MediaType     string        `json:"mediaType"`
		TrustedRoot   trustedRoot   `json:"trustedRoot"`
		SigningConfig signingConfig `json:"signingConfig"`
	}
)

// Build writes the documents. Every key, CA and service is valid from
// validFrom (start.sh: one hour ago), open-ended.
//
// Log IDs: Rekor v1 and the CT log, SHA-256 of the PKIX DER key; Rekor v2,
// the signed-note key ID of its Ed25519 key under its origin (NoteKeyID).
// The signing config lists Rekor v2 (majorApiVersion 2) before Rekor v1 (1),
// with selector ANY for logs and timestamp authorities.
func Build(m *Material, u URLs, validFrom time.Time) (*Files, error) {
	if u.RekorV2Origin == "" {
		return nil, errors.New("trustconfig: empty Rekor v2 origin")
	}
	start := timeRange{Start: validFrom.UTC().Format(time.RFC3339)}
	f := &Files{
		RekorV1LogID: SPKIHash(m.RekorV1.DER),
		RekorV2LogID: NoteKeyID(u.RekorV2Origin, m.RekorV2.Public.(ed25519.PublicKey)),
		CTLogID:      SPKIHash(m.CT.DER),
	}
	logs := make([]tlogInstance, 3)
	for i, l := range []struct {
		url string
		key Key
		id  []byte
	}{{u.RekorV1, m.RekorV1, f.RekorV1LogID}, {u.RekorV2, m.RekorV2, f.RekorV2LogID}, {u.CT, m.CT, f.CTLogID}} {
		details, err := KeyDetails(l.key.Public)
		if err != nil {
			return nil, err
		}
		logs[i] = tlogInstance{
			BaseURL:       l.url,
			HashAlgorithm: "SHA2_256",
			PublicKey:     publicKey{RawBytes: l.key.DER, KeyDetails: details, ValidFor: start},
			LogID:         logID{KeyID: l.id},
		}
	}
	root := trustedRoot{
		MediaType:              MediaTypeTrustedRoot,
		Tlogs:                  logs[:2],
		CertificateAuthorities: []certificateAuthority{authority(u.Fulcio, m.FulcioChain, start)},
		Ctlogs:                 logs[2:],
		TimestampAuthorities:   []certificateAuthority{authority(u.TSA, m.TSAChain, start)},
	}
	svc := func(url string, v int) service {
		return service{URL: url, MajorAPIVersion: v, ValidFor: start, Operator: Operator}
	}
	sc := signingConfig{
		MediaType:       MediaTypeSigningConfig,
		CAURLs:          []service{svc(u.Fulcio, 1)},
		OIDCURLs:        []service{svc(u.OIDC, 1)},
		RekorTlogURLs:   []service{svc(u.RekorV2, 2), svc(u.RekorV1, 1)},
		TSAURLs:         []service{svc(u.TSA, 1)},
		RekorTlogConfig: serviceConfig{Selector: "ANY"},
		TSAConfig:       serviceConfig{Selector: "ANY"},
	}
	var err error
	if f.TrustedRoot, err = marshal(root); err != nil {
		return nil, err
	}
	if f.SigningConfig, err = marshal(sc); err != nil {
		return nil, err
	}
	if f.TrustConfig, err = marshal(clientTrustConfig{MediaType: MediaTypeClientTrustConfig, TrustedRoot: root, SigningConfig: sc}); err != nil {
		return nil, err
	}
	return f, nil
}

func marshal(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	return append(data, '\n'), err
}

// authority describes a chain, first certificate first; its subject is the
// first certificate's.
func authority(uri string, chain []*x509.Certificate, start timeRange) certificateAuthority {
	ca := certificateAuthority{URI: uri, ValidFor: start}
	ca.Subject.CommonName = chain[0].Subject.CommonName
	if o := chain[0].Subject.Organization; len(o) > 0 {
		ca.Subject.Organization = o[0]
	}
	for _, c := range chain {
		ca.CertChain.Certificates = append(ca.CertChain.Certificates, rawCert{RawBytes: c.Raw})
	}
	return ca
}

// SPKIHash is SHA-256 of a PKIX DER public key: the log ID of Rekor v1 and
// of CT logs.
func SPKIHash(der []byte) []byte { h := sha256.Sum256(der); return h[:] }

// NoteKeyID is the signed-note key ID of an Ed25519 key named name
// (c2sp.org/signed-note, as in golang.org/x/mod/sumdb/note): SHA-256 of
// name, a newline, the algorithm byte 0x01 and the 32-byte key. Its first
// four bytes are the key hint of checkpoint signature lines; rekor-tiles
// uses all 32 bytes as its log ID, with name = its origin (--hostname).
func NoteKeyID(name string, pub ed25519.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{0x01})
	h.Write(pub)
	return h.Sum(nil)
}

// KeyDetails returns the protobuf-specs PublicKeyDetails name for a key.
func KeyDetails(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return "PKIX_ED25519", nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "PKIX_ECDSA_P256_SHA_256", nil
		case elliptic.P384():
			return "PKIX_ECDSA_P384_SHA_384", nil
		case elliptic.P521():
			return "PKIX_ECDSA_P521_SHA_512", nil
		}
	case *rsa.PublicKey:
		return fmt.Sprintf("PKIX_RSA_PKCS1V15_%d_SHA256", k.N.BitLen()), nil
	}
	return "", fmt.Errorf("trustconfig: unsupported key type %T", pub)
}

// ReadKey reads a PEM "PUBLIC KEY" (PKIX) file.
func ReadKey(path string) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, err
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return Key{}, fmt.Errorf("%s: no PUBLIC KEY PEM block", path)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return Key{}, fmt.Errorf("%s: %w", path, err)
	}
	return Key{DER: blk.Bytes, Public: pub}, nil
}

// PEMCerts parses every CERTIFICATE block of data, in order.
func PEMCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, data = pem.Decode(data)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no certificates")
	}
	return certs, nil
}

// ReadCerts reads a PEM certificate file.
func ReadCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	certs, err := PEMCerts(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return certs, nil
}
