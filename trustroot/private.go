package trustroot

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"

	"github.com/sigil-dev/sigil/internal/sigalg"
)

// A DeploymentOption describes one piece of a private Sigstore deployment
// for FromPrivateDeployment.
type DeploymentOption func(*deployment) error

type deployment struct {
	cas, tsas     []authoritySpec
	tlogs, ctlogs []logSpec
	oidcs         []string
	validity      *TimeRange
	operator      string
	operatorSet   bool
}

type authoritySpec struct {
	opt   string // the option, for errors
	url   string
	chain []*x509.Certificate
	// noService marks a CA of WithCertificateAuthority: no URL, not in
	// the signing configuration.
	noService bool
}

type logSpec struct {
	opt     string
	url     string
	key     crypto.PublicKey
	version uint32 // Rekor major API version; 0 for CT logs
}

// WithFulcio adds a certificate authority (Fulcio, or any CA issuing
// signing certificates) at url, the base URL signers send certificate
// requests to. chain is the CA's certificate chain, the issuing
// (intermediate) certificate first and the root last; a chain may be just
// the root. Every certificate must be a CA certificate signed by the next,
// with keys sigil allows. The CA is listed in the root's signing
// configuration with major API version 1.
func WithFulcio(url string, chain ...*x509.Certificate) DeploymentOption {
	return func(d *deployment) error {
		d.cas = append(d.cas, authoritySpec{opt: fmt.Sprintf("WithFulcio(%q)", url), url: url, chain: chain})
		return nil
	}
}

// WithCertificateAuthority adds a certificate authority that is not a
// Sigstore service: an enterprise CA whose certificates sign artifacts
// (model_signing's certificate method, cosign with an enterprise chain).
// chain is the part of its hierarchy to trust, the issuing certificate
// first and the anchor last: usually [intermediate, root], or just [root].
// The last certificate is the trust anchor; a leaf may be issued by any
// certificate of the chain, or by intermediates that bundles carry, as long
// as its path reaches the anchor (see package verify). Every certificate
// must be a CA certificate signed by the next, with keys sigil allows. The
// CA has no URL and is not listed in the signing configuration.
func WithCertificateAuthority(chain ...*x509.Certificate) DeploymentOption {
	return func(d *deployment) error {
		d.cas = append(d.cas, authoritySpec{opt: "WithCertificateAuthority", chain: chain, noService: true})
		return nil
	}
}

// WithTimestampAuthority adds an RFC 3161 timestamp authority at url, its
// full timestamp URL. chain is its certificate chain, the signing (leaf)
// certificate first and the root last; the leaf must have the timeStamping
// extended key usage, every other certificate must be a CA, and each must be
// signed by the next. The TSA is listed in the root's signing configuration
// with major API version 1.
func WithTimestampAuthority(url string, chain ...*x509.Certificate) DeploymentOption {
	return func(d *deployment) error {
		d.tsas = append(d.tsas, authoritySpec{opt: fmt.Sprintf("WithTimestampAuthority(%q)", url), url: url, chain: chain})
		return nil
	}
}

// WithRekor adds a Rekor v1 transparency log at base URL url with signing
// key key (ECDSA, Ed25519 or RSA, as sigil allows). Its log ID is SHA-256 of
// the key's PKIX DER encoding, as Rekor v1 computes it. The log is listed in
// the root's signing configuration with major API version 1.
func WithRekor(url string, key crypto.PublicKey) DeploymentOption {
	return func(d *deployment) error {
		d.tlogs = append(d.tlogs, logSpec{fmt.Sprintf("WithRekor(%q)", url), url, key, 1})
		return nil
	}
}

// WithRekorV2 adds a Rekor v2 (rekor-tiles) transparency log at base URL url
// with checkpoint-signing key key, Ed25519 or ECDSA. The log's origin, the
// name in its checkpoints (rekor-tiles' --hostname), must be the host name of
// url without the port ([TrustedLog.Name]), as for the public-good logs
// and as sigstore-go and cosign expect. Its log ID is the one rekor-tiles uses: for an
// Ed25519 key the signed-note key ID SHA-256(origin || "\n" || 0x01 || key)
// (c2sp.org/signed-note), whose first four bytes are the key hint of its
// checkpoint signatures; for an ECDSA key SHA-256 of the key's PKIX DER
// encoding. The log is listed in the root's signing configuration with major
// API version 2.
func WithRekorV2(url string, key crypto.PublicKey) DeploymentOption {
	return func(d *deployment) error {
		d.tlogs = append(d.tlogs, logSpec{fmt.Sprintf("WithRekorV2(%q)", url), url, key, 2})
		return nil
	}
}

// WithCTLog adds a certificate-transparency log (the one the deployment's
// Fulcio submits precertificates to) at base URL url with signing key key.
// Its log ID is SHA-256 of the key's PKIX DER encoding (RFC 6962).
func WithCTLog(url string, key crypto.PublicKey) DeploymentOption {
	return func(d *deployment) error {
		d.ctlogs = append(d.ctlogs, logSpec{fmt.Sprintf("WithCTLog(%q)", url), url, key, 0})
		return nil
	}
}

// WithOIDCProvider lists the OIDC provider at issuer URL url in the root's
// signing configuration, with major API version 1. It adds no trusted
// material. Default: none.
func WithOIDCProvider(url string) DeploymentOption {
	return func(d *deployment) error {
		d.oidcs = append(d.oidcs, url)
		return nil
	}
}

// WithValidity sets the validity window of every authority and log key of
// the deployment, and of every service of its signing configuration. v.Start
// must be set; a zero v.End leaves the window open-ended. Give it at most
// once.
//
// Default: from the earliest NotBefore of all the certificates given to
// WithFulcio and WithTimestampAuthority, open-ended. A deployment without
// certificates (only log keys) needs WithValidity. Windows may differ per
// piece only in a trusted_root.json document (see ParseJSON).
func WithValidity(v TimeRange) DeploymentOption {
	return func(d *deployment) error {
		if d.validity != nil {
			return errors.New("WithValidity given more than once")
		}
		if v.Start.IsZero() {
			return errors.New("WithValidity: window without start")
		}
		if !v.End.IsZero() && v.End.Before(v.Start) {
			return errors.New("WithValidity: window ends before it starts")
		}
		d.validity = &v
		return nil
	}
}

// WithOperator names the operator of every service in the root's signing
// configuration, as a scheme-less URI such as "example.com". Give it at most
// once. Default: each service's host name, without port.
func WithOperator(name string) DeploymentOption {
	return func(d *deployment) error {
		if d.operatorSet {
			return errors.New("WithOperator given more than once")
		}
		if name == "" {
			return errors.New("WithOperator: empty name")
		}
		d.operator, d.operatorSet = name, true
		return nil
	}
}

// FromPrivateDeployment builds the trusted material of a private Sigstore
// deployment (or of any mix of CA, logs and TSA) from its URLs, keys and
// certificates:
//
//	root, err := trustroot.FromPrivateDeployment(
//		trustroot.WithFulcio("https://fulcio.example.com", intermediate, root),
//		trustroot.WithRekorV2("https://rekor.example.com", rekorKey),
//		trustroot.WithCTLog("https://ct.example.com/log", ctKey),
//		trustroot.WithTimestampAuthority("https://tsa.example.com/api/v1/timestamp", tsaLeaf, tsaRoot),
//		trustroot.WithOIDCProvider("https://oidc.example.com"),
//	)
//
// The pieces go through the checks ParseJSON applies to a trusted_root.json
// document (see the package documentation), and the root is the one
// ParseJSON would return for the document MarshalJSON writes: MediaType is
// MediaTypeTrustedRootV01, every log's hash algorithm is SHA-256, every
// authority's Subject is its first certificate's organization and common
// name, and windows are as WithValidity describes.
//
// For an enterprise CA that is not a Sigstore service, the root is just its
// chain (nothing else is required; verify.New then requires no log, SCT or
// timestamp, and checks certificates at its clock's time):
//
//	root, err := trustroot.FromPrivateDeployment(trustroot.WithCertificateAuthority(intermediate, root))
//
// The root also carries a signing configuration (SigningConfig, SigningConfigJSON)
// listing, in option order, the CAs of WithFulcio, OIDC providers, Rekor logs (v1 with
// major API version 1, v2 with 2) and TSAs, each with the validity window
// and operator (see WithOperator), and selector ANY for logs and TSAs.
//
// At least one CA, log or TSA is required. Every error names the option at
// fault and wraps ErrMalformed.
func FromPrivateDeployment(opts ...DeploymentOption) (*TrustedRoot, error) {
	var d deployment
	for i, o := range opts {
		if o == nil {
			return nil, malformed("FromPrivateDeployment: option %d is nil", i)
		}
		if err := o(&d); err != nil {
			return nil, malformed("FromPrivateDeployment: %v", err)
		}
	}
	if len(d.cas)+len(d.tsas)+len(d.tlogs)+len(d.ctlogs) == 0 {
		return nil, malformed("FromPrivateDeployment: no certificate authority, log or timestamp authority given")
	}
	for _, a := range append(append([]authoritySpec(nil), d.cas...), d.tsas...) {
		if err := a.check(); err != nil {
			return nil, malformed("FromPrivateDeployment: %s: %v", a.opt, err)
		}
	}
	window, err := d.window()
	if err != nil {
		return nil, err
	}
	vf := rangeProto(window)

	tr := &prototrust.TrustedRoot{MediaType: MediaTypeTrustedRootV01}
	for _, a := range d.cas {
		ca := a.proto(vf)
		if err := checkAuthority(ca, false); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, a.opt)
		}
		tr.CertificateAuthorities = append(tr.CertificateAuthorities, ca)
	}
	for _, a := range d.tsas {
		ca := a.proto(vf)
		if err := checkAuthority(ca, true); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, a.opt)
		}
		tr.TimestampAuthorities = append(tr.TimestampAuthorities, ca)
	}
	for _, l := range d.tlogs {
		p, err := l.proto(vf)
		if err != nil {
			return nil, err
		}
		tr.Tlogs = append(tr.Tlogs, p)
	}
	for _, l := range d.ctlogs {
		p, err := l.proto(vf)
		if err != nil {
			return nil, err
		}
		tr.Ctlogs = append(tr.Ctlogs, p)
	}
	r, err := fromProto(tr)
	if err != nil {
		return nil, fmt.Errorf("%w (FromPrivateDeployment)", err)
	}

	sc, err := d.signingConfig(vf)
	if err != nil {
		return nil, err
	}
	if _, err := signingConfigFromProto(sc); err != nil {
		return nil, fmt.Errorf("%w (FromPrivateDeployment)", err)
	}
	if r.signingConfig, err = compactJSON(sc); err != nil {
		return nil, err
	}
	return r, nil
}

// checkAuthority makes the checks of ParseJSON on a CA or TSA of
// FromPrivateDeployment and, unlike ParseJSON, verifies its chain's links
// now: the caller assembled the chain, and an error here names the option at
// fault. The authority parsed here is discarded; the root's own is checked
// again on first use (VerifyChain).
func checkAuthority(ca *prototrust.CertificateAuthority, tsa bool) error {
	c, err := parseCA(ca, tsa)
	if err != nil {
		return err
	}
	return c.VerifyChain()
}

func (a authoritySpec) check() error {
	if !a.noService {
		if err := checkServiceURL(a.url); err != nil {
			return err
		}
	}
	if len(a.chain) == 0 {
		return errors.New("no certificates")
	}
	for i, c := range a.chain {
		if c == nil {
			return fmt.Errorf("certificate %d is nil", i)
		}
	}
	return nil
}

func (a authoritySpec) proto(vf *protocommon.TimeRange) *prototrust.CertificateAuthority {
	ca := &prototrust.CertificateAuthority{
		Uri:       a.url,
		CertChain: &protocommon.X509CertificateChain{},
		ValidFor:  vf,
		Subject: &protocommon.DistinguishedName{
			CommonName: a.chain[0].Subject.CommonName,
		},
	}
	if o := a.chain[0].Subject.Organization; len(o) > 0 {
		ca.Subject.Organization = o[0]
	}
	for _, c := range a.chain {
		ca.CertChain.Certificates = append(ca.CertChain.Certificates, &protocommon.X509Certificate{RawBytes: c.Raw})
	}
	return ca
}

// window returns the validity window of every piece.
func (d *deployment) window() (TimeRange, error) {
	if d.validity != nil {
		return *d.validity, nil
	}
	var start time.Time
	for _, a := range append(append([]authoritySpec(nil), d.cas...), d.tsas...) {
		for _, c := range a.chain {
			if start.IsZero() || c.NotBefore.Before(start) {
				start = c.NotBefore
			}
		}
	}
	if start.IsZero() {
		return TimeRange{}, malformed("FromPrivateDeployment: WithValidity is required when no certificates are given")
	}
	return TimeRange{Start: start.UTC()}, nil
}

func (l logSpec) proto(vf *protocommon.TimeRange) (*prototrust.TransparencyLogInstance, error) {
	fail := func(format string, args ...any) error {
		return malformed("FromPrivateDeployment: %s: %s", l.opt, fmt.Sprintf(format, args...))
	}
	if err := checkServiceURL(l.url); err != nil {
		return nil, fail("%v", err)
	}
	if l.key == nil {
		return nil, fail("nil key")
	}
	if _, err := sigalg.ForKey(l.key); err != nil {
		return nil, fail("%v", err)
	}
	details, err := keyDetails(l.key)
	if err != nil {
		return nil, fail("%v", err)
	}
	der, err := sigalg.MarshalPublicKey(l.key)
	if err != nil {
		return nil, fail("%v", err)
	}
	id := sha256.Sum256(der)
	logID := id[:]
	if l.version == 2 {
		switch k := l.key.(type) {
		case ed25519.PublicKey:
			logID = noteKeyID((&TrustedLog{BaseURL: l.url}).Name(), k)
		case *ecdsa.PublicKey:
		default:
			return nil, fail("Rekor v2 needs an Ed25519 or ECDSA key, got %T", l.key)
		}
	}
	p := &prototrust.TransparencyLogInstance{
		BaseUrl:       l.url,
		HashAlgorithm: protocommon.HashAlgorithm_SHA2_256,
		PublicKey: &protocommon.PublicKey{
			RawBytes:   der,
			KeyDetails: details,
			ValidFor:   vf,
		},
		LogId: &protocommon.LogId{KeyId: logID},
	}
	if _, err := parseLog(p); err != nil {
		return nil, fmt.Errorf("%w (%s)", err, l.opt)
	}
	return p, nil
}

// noteKeyID is the signed-note key ID of an Ed25519 key named name
// (c2sp.org/signed-note, golang.org/x/mod/sumdb/note): SHA-256 of the name,
// a newline, the signature type 0x01 and the 32-byte key.
func noteKeyID(name string, key ed25519.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', 0x01})
	h.Write(key)
	return h.Sum(nil)
}

// keyDetails returns the protobuf-specs PublicKeyDetails of an allowed key.
func keyDetails(pub crypto.PublicKey) (protocommon.PublicKeyDetails, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256, nil
		case elliptic.P384():
			return protocommon.PublicKeyDetails_PKIX_ECDSA_P384_SHA_384, nil
		case elliptic.P521():
			return protocommon.PublicKeyDetails_PKIX_ECDSA_P521_SHA_512, nil
		}
	case ed25519.PublicKey:
		return protocommon.PublicKeyDetails_PKIX_ED25519, nil
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			return protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_2048_SHA256, nil
		case 3072:
			return protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_3072_SHA256, nil
		case 4096:
			return protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V15_4096_SHA256, nil
		}
		//lint:ignore SA1019 the one name for RSA PKCS#1 v1.5 keys of other sizes.
		return protocommon.PublicKeyDetails_PKIX_RSA_PKCS1V5, nil
	}
	return 0, fmt.Errorf("unsupported key %T", pub)
}

// signingConfig lists the deployment's services.
func (d *deployment) signingConfig(vf *protocommon.TimeRange) (*prototrust.SigningConfig, error) {
	sc := &prototrust.SigningConfig{MediaType: MediaTypeSigningConfigV02}
	svc := func(opt, u string, version uint32) (*prototrust.Service, error) {
		if err := checkServiceURL(u); err != nil {
			return nil, malformed("FromPrivateDeployment: %s: %v", opt, err)
		}
		op := d.operator
		if !d.operatorSet {
			p, _ := url.Parse(u) // checked above
			op = strings.ToLower(p.Hostname())
		}
		return &prototrust.Service{Url: u, MajorApiVersion: version, ValidFor: vf, Operator: op}, nil
	}
	for _, a := range d.cas {
		if a.noService {
			continue
		}
		s, err := svc(a.opt, a.url, 1)
		if err != nil {
			return nil, err
		}
		sc.CaUrls = append(sc.CaUrls, s)
	}
	for _, u := range d.oidcs {
		s, err := svc(fmt.Sprintf("WithOIDCProvider(%q)", u), u, 1)
		if err != nil {
			return nil, err
		}
		sc.OidcUrls = append(sc.OidcUrls, s)
	}
	for _, l := range d.tlogs {
		s, err := svc(l.opt, l.url, l.version)
		if err != nil {
			return nil, err
		}
		sc.RekorTlogUrls = append(sc.RekorTlogUrls, s)
	}
	for _, a := range d.tsas {
		s, err := svc(a.opt, a.url, 1)
		if err != nil {
			return nil, err
		}
		sc.TsaUrls = append(sc.TsaUrls, s)
	}
	if len(sc.RekorTlogUrls) > 0 {
		sc.RekorTlogConfig = &prototrust.ServiceConfiguration{Selector: prototrust.ServiceSelector_ANY}
	}
	if len(sc.TsaUrls) > 0 {
		sc.TsaConfig = &prototrust.ServiceConfiguration{Selector: prototrust.ServiceSelector_ANY}
	}
	return sc, nil
}

// MarshalJSON encodes the root's trusted material as a compact
// trusted_root.json document (protobuf-specs JSON) that ParseJSON reads back
// into the same material: the media type is the root's, or
// MediaTypeTrustedRootV01 for a root from a ClientTrustConfig document. The
// signing configuration, if any, is not included (see SigningConfig). Keys
// are written in their PKIX DER encoding (PKCS#1 for keys whose key details
// name PKCS#1), which may differ byte for byte from the source document's.
func (r *TrustedRoot) MarshalJSON() ([]byte, error) {
	tr := &prototrust.TrustedRoot{MediaType: r.mediaType}
	switch r.mediaType {
	case MediaTypeTrustedRootV01, MediaTypeTrustedRootV01Legacy, MediaTypeTrustedRootV02:
	default:
		tr.MediaType = MediaTypeTrustedRootV01
	}
	for _, l := range r.tlogs {
		p, err := logProto(l)
		if err != nil {
			return nil, err
		}
		tr.Tlogs = append(tr.Tlogs, p)
	}
	for _, l := range r.ctlogs {
		p, err := logProto(l)
		if err != nil {
			return nil, err
		}
		tr.Ctlogs = append(tr.Ctlogs, p)
	}
	for _, c := range r.cas {
		tr.CertificateAuthorities = append(tr.CertificateAuthorities, authorityProto(c))
	}
	for _, c := range r.tsas {
		tr.TimestampAuthorities = append(tr.TimestampAuthorities, authorityProto(c))
	}
	return compactJSON(tr)
}

func logProto(l *TrustedLog) (*prototrust.TransparencyLogInstance, error) {
	var der []byte
	var err error
	if k, ok := l.PublicKey.(*rsa.PublicKey); ok && strings.HasPrefix(l.KeyDetails, "PKCS1_") {
		der = x509.MarshalPKCS1PublicKey(k)
	} else if der, err = sigalg.MarshalPublicKey(l.PublicKey); err != nil {
		return nil, fmt.Errorf("trustroot: encoding log %s: %v", l.BaseURL, err)
	}
	var h protocommon.HashAlgorithm
	switch l.HashAlgorithm {
	case crypto.SHA256:
		h = protocommon.HashAlgorithm_SHA2_256
	case crypto.SHA384:
		h = protocommon.HashAlgorithm_SHA2_384
	case crypto.SHA512:
		h = protocommon.HashAlgorithm_SHA2_512
	default:
		return nil, fmt.Errorf("trustroot: encoding log %s: hash %v", l.BaseURL, l.HashAlgorithm)
	}
	p := &prototrust.TransparencyLogInstance{
		BaseUrl:       l.BaseURL,
		HashAlgorithm: h,
		PublicKey: &protocommon.PublicKey{
			RawBytes:   der,
			KeyDetails: protocommon.PublicKeyDetails(protocommon.PublicKeyDetails_value[l.KeyDetails]),
			ValidFor:   rangeProto(l.ValidFor),
		},
		LogId:    &protocommon.LogId{KeyId: l.LogID},
		Operator: l.Operator,
	}
	if len(l.CheckpointKeyID) > 0 {
		p.CheckpointKeyId = &protocommon.LogId{KeyId: l.CheckpointKeyID}
	}
	return p, nil
}

func authorityProto(c *CertificateAuthority) *prototrust.CertificateAuthority {
	ca := &prototrust.CertificateAuthority{
		Uri:       c.URI,
		Subject:   &protocommon.DistinguishedName{CommonName: c.Subject.CommonName},
		CertChain: &protocommon.X509CertificateChain{},
		ValidFor:  rangeProto(c.ValidFor),
		Operator:  c.Operator,
	}
	if o := c.Subject.Organization; len(o) > 0 {
		ca.Subject.Organization = o[0]
	}
	for _, cert := range c.Certificates {
		ca.CertChain.Certificates = append(ca.CertChain.Certificates, &protocommon.X509Certificate{RawBytes: cert.Raw})
	}
	return ca
}
