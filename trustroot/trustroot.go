package trustroot

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrust "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Media types sigil reads.
const (
	MediaTypeTrustedRootV01       = "application/vnd.dev.sigstore.trustedroot.v0.1+json"
	MediaTypeTrustedRootV01Legacy = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
	MediaTypeTrustedRootV02       = "application/vnd.dev.sigstore.trustedroot.v0.2+json"
	MediaTypeClientTrustConfig    = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
)

// ErrMalformed is wrapped by every error about the content of a trusted-root
// or client-trust-config document.
var ErrMalformed = errors.New("trustroot: malformed")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// TimeRange is a validity window. Both ends are inclusive; a zero End means
// the window is open-ended. Windows from a parsed root always have a Start.
type TimeRange struct {
	Start, End time.Time
}

// Contains reports whether t lies within the window, ends included.
func (r TimeRange) Contains(t time.Time) bool {
	return !t.Before(r.Start) && (r.End.IsZero() || !t.After(r.End))
}

// CertificateAuthority is a trusted CA (such as Fulcio or an enterprise CA)
// or a trusted timestamp authority.
type CertificateAuthority struct {
	// URI is the authority's service URL, informational.
	URI string
	// Subject is the authority's name as the trusted root states it.
	Subject pkix.Name
	// Certificates is the chain: for a CA the issuing certificate first and
	// the root last; for a timestamp authority the signing (leaf)
	// certificate first. Every certificate but the first is a CA
	// certificate; that each is issued and signed by the next is checked by
	// VerifyChain, on first use. Do not modify.
	Certificates []*x509.Certificate
	// ValidFor is the window in which the trusted root vouches for it.
	ValidFor TimeRange
	// Operator names who runs the authority (a scheme-less URI such as
	// "sigstore.dev"), or is empty (trusted roots before v0.2 name none).
	// Verifiers count the timestamp authorities of one operator once
	// toward a timestamp threshold.
	Operator string

	// links is the answer of VerifyChain, computed on its first call; nil
	// for an authority this package did not build.
	links *chainLinks
}

// chainLinks holds the answer of one check of a chain's links.
type chainLinks struct {
	once sync.Once
	err  error
}

// VerifyChain checks the links of the authority's chain: every certificate
// but the last is issued by the next one (its issuer name is the next one's
// subject) and signed by it (crypto/x509's CheckSignatureFrom: a signature
// algorithm crypto/x509 accepts, made by the key of a CA certificate whose
// key usage, if any, allows certificate signing). The last certificate, the
// anchor, is trusted because the trusted root lists it: its self-signature,
// if it has one, is not checked.
//
// The check costs a signature verification per link, so it is not made when
// the root is parsed but on the first call, once per authority, and every
// later call returns the same answer; it is safe for concurrent use.
// Verifiers and clients call it before relying on the chain. The error wraps
// ErrMalformed.
func (ca *CertificateAuthority) VerifyChain() error {
	if ca.links == nil {
		return verifyLinks(ca.Certificates, ca.URI)
	}
	ca.links.once.Do(func() { ca.links.err = verifyLinks(ca.Certificates, ca.URI) })
	return ca.links.err
}

// verifyLinks checks that each certificate of chain is issued and signed by
// the next.
func verifyLinks(chain []*x509.Certificate, uri string) error {
	for i := 0; i+1 < len(chain); i++ {
		c, issuer := chain[i], chain[i+1]
		if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
			return malformed("certificate %d (%s) is not signed by certificate %d: its issuer is %s, not %s (authority %s)",
				i, c.Subject, i+1, c.Issuer, issuer.Subject, uri)
		}
		if err := c.CheckSignatureFrom(issuer); err != nil {
			return malformed("certificate %d (%s) is not signed by certificate %d: %v (authority %s)", i, c.Subject, i+1, err, uri)
		}
	}
	return nil
}

// ChainValidity returns the window in which every certificate of the
// authority's chain is valid: the latest NotBefore to the earliest NotAfter.
func (ca *CertificateAuthority) ChainValidity() TimeRange {
	var w TimeRange
	for i, c := range ca.Certificates {
		if i == 0 || c.NotBefore.After(w.Start) {
			w.Start = c.NotBefore
		}
		if i == 0 || c.NotAfter.Before(w.End) {
			w.End = c.NotAfter
		}
	}
	return w
}

// TrustedLog is a transparency log the root trusts, with the key it signs
// with: a Rekor log (v1 or v2) or a certificate-transparency log. (The client
// that writes to a Rekor log is sign.TransparencyLog's business, not this.)
type TrustedLog struct {
	// BaseURL is the log's URL; its host names the log's checkpoints.
	BaseURL string
	// HashAlgorithm is the log's Merkle-tree hash.
	HashAlgorithm crypto.Hash
	// PublicKey is the log's signing key.
	PublicKey crypto.PublicKey
	// KeyDetails is the protobuf-specs name of the key's algorithm.
	KeyDetails string
	// LogID identifies the log in bundles and SCTs.
	LogID []byte
	// CheckpointKeyID, when set, is the ID whose first four bytes prefix the
	// log's checkpoint signatures; otherwise LogID is used.
	CheckpointKeyID []byte
	// ValidFor is the window in which the trusted root vouches for the key.
	ValidFor TimeRange
	// Operator names who runs the log (a scheme-less URI such as
	// "sigstore.dev"), or is empty (trusted roots before v0.2 name none).
	// Verifiers count the logs of one operator once toward a threshold of
	// log entries, SCTs or observer timestamps.
	Operator string
}

// Name returns the Rekor v2 origin of the log, the name it signs its
// checkpoints with: the host name of its base URL without the port (what
// sigstore-go and cosign expect, and what rekor-tiles signs when its
// --hostname is that name), or the base URL itself if it has no host.
func (l *TrustedLog) Name() string {
	u, err := url.Parse(l.BaseURL)
	if err != nil || u.Hostname() == "" {
		return l.BaseURL
	}
	return u.Hostname()
}

// TrustedRoot is a parsed, checked set of trusted material. The slices and
// values its methods return are shared, not copied: callers must not modify
// them.
type TrustedRoot struct {
	mediaType     string
	cas           []*CertificateAuthority
	tlogs         []*TrustedLog
	ctlogs        []*TrustedLog
	tsas          []*CertificateAuthority
	signingConfig []byte
	snapshot      time.Time
	tuf           *TUFStatus // set by FromTUF
}

// MediaType returns the media type of the document the root came from.
func (r *TrustedRoot) MediaType() string { return r.mediaType }

// CertificateAuthorities returns the trusted certificate authorities.
func (r *TrustedRoot) CertificateAuthorities() []*CertificateAuthority { return r.cas }

// TransparencyLogs returns the trusted transparency logs (Rekor).
func (r *TrustedRoot) TransparencyLogs() []*TrustedLog { return r.tlogs }

// CTLogs returns the trusted certificate-transparency logs.
func (r *TrustedRoot) CTLogs() []*TrustedLog { return r.ctlogs }

// TimestampAuthorities returns the trusted RFC 3161 timestamp authorities.
func (r *TrustedRoot) TimestampAuthorities() []*CertificateAuthority { return r.tsas }

// TransparencyLogByID returns the transparency log (Rekor) with the given log
// ID, and whether there is one. If several share the ID, the first listed is returned.
func (r *TrustedRoot) TransparencyLogByID(logID []byte) (*TrustedLog, bool) {
	return findLog(r.tlogs, logID)
}

// CTLogByID returns the certificate-transparency log with the given log ID,
// and whether there is one. If several share the ID, the first listed is returned.
func (r *TrustedRoot) CTLogByID(logID []byte) (*TrustedLog, bool) {
	return findLog(r.ctlogs, logID)
}

func findLog(logs []*TrustedLog, id []byte) (*TrustedLog, bool) {
	for _, l := range logs {
		if bytes.Equal(l.LogID, id) {
			return l, true
		}
	}
	return nil, false
}

// SigningConfigJSON returns the signing configuration carried by a
// ClientTrustConfig document or published by the TUF repository FromTUF read
// (signing_config.v0.2.json), as compact protobuf-specs JSON, or nil when the
// root came from a trusted_root.json document or the configuration was
// absent. FromPrivateDeployment roots carry one listing their services. It is
// returned as is, not checked; [TrustedRoot.SigningConfig] parses and checks
// it. The result is a copy.
func (r *TrustedRoot) SigningConfigJSON() []byte { return bytes.Clone(r.signingConfig) }

// Snapshot reports whether the root is one of sigil's embedded snapshots of
// the public-good instance and, if so, the date it was taken.
func (r *TrustedRoot) Snapshot() (time.Time, bool) { return r.snapshot, !r.snapshot.IsZero() }

// FromFile reads a trusted_root.json or ClientTrustConfig file and parses it
// with ParseJSON. Errors reading the file are returned wrapped, not as
// ErrMalformed.
func FromFile(path string) (*TrustedRoot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trustroot: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limits.MaxTrustedRootSize+1))
	if err != nil {
		return nil, fmt.Errorf("trustroot: reading %s: %w", path, err)
	}
	return ParseJSON(data)
}

// Unknown fields are ignored, so that documents written for newer versions
// of the format still parse.
var jsonOpts = protojson.UnmarshalOptions{DiscardUnknown: true}

// protojsonError formats an error from protojson, whose messages contain
// non-breaking spaces to discourage matching on them.
func protojsonError(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}

// ParseJSON parses a trusted root (media types trustedroot v0.1, in both
// spellings, and v0.2) or a ClientTrustConfig document, and checks it as
// described in the package documentation. Unknown fields are ignored. Every
// error wraps ErrMalformed. Input larger than 4 MiB is rejected.
func ParseJSON(data []byte) (*TrustedRoot, error) {
	if len(data) > limits.MaxTrustedRootSize {
		return nil, malformed("%d bytes exceeds the limit of %d", len(data), limits.MaxTrustedRootSize)
	}
	// A trusted_root.json is decoded once. A ClientTrustConfig decodes as a
	// TrustedRoot too (its trustedRoot and signingConfig fields are unknown
	// there, so skipped) and names its media type; it is then decoded as
	// what it is. A document that does not decode as a TrustedRoot may
	// still be a ClientTrustConfig (a top-level field the config does not
	// have, of a type the TrustedRoot field of that name does not take).
	var tr prototrust.TrustedRoot
	trErr := jsonOpts.Unmarshal(data, &tr)
	if trErr == nil && tr.GetMediaType() != MediaTypeClientTrustConfig {
		return fromProto(&tr)
	}
	var ctc prototrust.ClientTrustConfig
	ctcErr := jsonOpts.Unmarshal(data, &ctc)
	if ctcErr == nil && ctc.GetMediaType() == MediaTypeClientTrustConfig {
		if ctc.GetTrustedRoot() == nil {
			return nil, malformed("client trust config without trusted root")
		}
		r, err := fromProto(ctc.GetTrustedRoot())
		if err != nil {
			return nil, fmt.Errorf("%w (trustedRoot)", err)
		}
		r.mediaType = MediaTypeClientTrustConfig
		if sc := ctc.GetSigningConfig(); sc != nil {
			out, err := protojson.Marshal(sc)
			if err != nil {
				return nil, malformed("signing config: %v", protojsonError(err))
			}
			// protojson randomizes insignificant whitespace; compact it so
			// the result is deterministic.
			var buf bytes.Buffer
			if err := json.Compact(&buf, out); err != nil {
				return nil, malformed("signing config: %v", err)
			}
			r.signingConfig = buf.Bytes()
		}
		return r, nil
	}
	if trErr != nil {
		return nil, malformed("%s", protojsonError(trErr))
	}
	if ctcErr != nil {
		// A client trust config whose content failed to parse: report why
		// rather than an unsupported trusted-root media type.
		return nil, malformed("client trust config: %s", protojsonError(ctcErr))
	}
	return nil, malformed("unsupported media type %q", ctc.GetMediaType())
}

// FromProto builds a TrustedRoot from a protobuf-specs TrustedRoot message,
// with the same checks as ParseJSON. Every error wraps ErrMalformed. The
// TrustedRoot does not share memory with tr: later changes to tr do not
// affect it.
func FromProto(tr *prototrust.TrustedRoot) (*TrustedRoot, error) {
	if tr == nil {
		return nil, malformed("nil trusted root")
	}
	return fromProto(proto.Clone(tr).(*prototrust.TrustedRoot))
}

// fromProto builds a TrustedRoot from tr, which it may retain.
func fromProto(tr *prototrust.TrustedRoot) (*TrustedRoot, error) {
	r := &TrustedRoot{mediaType: tr.GetMediaType()}
	switch r.mediaType {
	case MediaTypeTrustedRootV01, MediaTypeTrustedRootV01Legacy, MediaTypeTrustedRootV02:
	default:
		return nil, malformed("unsupported media type %q", r.mediaType)
	}
	n := len(tr.GetTlogs()) + len(tr.GetCtlogs()) + len(tr.GetCertificateAuthorities()) + len(tr.GetTimestampAuthorities())
	if n > limits.MaxTrustedEntities {
		return nil, malformed("%d entities exceed the limit of %d", n, limits.MaxTrustedEntities)
	}
	for i, l := range tr.GetTlogs() {
		tl, err := parseLog(l)
		if err != nil {
			return nil, fmt.Errorf("%w (tlogs[%d])", err, i)
		}
		r.tlogs = append(r.tlogs, tl)
	}
	for i, l := range tr.GetCtlogs() {
		tl, err := parseLog(l)
		if err != nil {
			return nil, fmt.Errorf("%w (ctlogs[%d])", err, i)
		}
		r.ctlogs = append(r.ctlogs, tl)
	}
	for i, ca := range tr.GetCertificateAuthorities() {
		c, err := parseCA(ca, false)
		if err != nil {
			return nil, fmt.Errorf("%w (certificateAuthorities[%d])", err, i)
		}
		r.cas = append(r.cas, c)
	}
	for i, ca := range tr.GetTimestampAuthorities() {
		c, err := parseCA(ca, true)
		if err != nil {
			return nil, fmt.Errorf("%w (timestampAuthorities[%d])", err, i)
		}
		r.tsas = append(r.tsas, c)
	}
	return r, nil
}

func parseRange(tr *protocommon.TimeRange) (TimeRange, error) {
	if tr == nil || tr.GetStart() == nil {
		return TimeRange{}, malformed("validity window without start")
	}
	if err := tr.GetStart().CheckValid(); err != nil {
		return TimeRange{}, malformed("validity start: %v", err)
	}
	r := TimeRange{Start: tr.GetStart().AsTime()}
	if tr.End != nil {
		if err := tr.GetEnd().CheckValid(); err != nil {
			return TimeRange{}, malformed("validity end: %v", err)
		}
		r.End = tr.GetEnd().AsTime()
		if r.End.Before(r.Start) {
			return TimeRange{}, malformed("validity window ends before it starts")
		}
	}
	return r, nil
}

func hashOf(a protocommon.HashAlgorithm) (crypto.Hash, error) {
	if h, ok := sigalg.DigestByProtoName(a.String()); ok {
		return h, nil
	}
	return 0, malformed("unsupported hash algorithm %v", a)
}

func parseLog(l *prototrust.TransparencyLogInstance) (*TrustedLog, error) {
	pk := l.GetPublicKey()
	if pk == nil || len(pk.GetRawBytes()) == 0 {
		return nil, malformed("log without public key")
	}
	h, err := hashOf(l.GetHashAlgorithm())
	if err != nil {
		return nil, err
	}
	details := pk.GetKeyDetails().String()
	var pub crypto.PublicKey
	if strings.HasPrefix(details, "PKCS1_") {
		// Legacy key details whose raw bytes are a PKCS#1 RSAPublicKey.
		pub, err = x509.ParsePKCS1PublicKey(pk.GetRawBytes())
	} else {
		pub, err = x509.ParsePKIXPublicKey(pk.GetRawBytes())
	}
	if err != nil {
		return nil, malformed("log public key: %v", err)
	}
	alg, err := sigalg.ForKeyDetails(details)
	if err != nil {
		return nil, malformed("log public key: %v", err)
	}
	if err := alg.Check(pub); err != nil {
		return nil, malformed("log public key: %v", err)
	}
	vf, err := parseRange(pk.GetValidFor())
	if err != nil {
		return nil, fmt.Errorf("%w (log %s)", err, l.GetBaseUrl())
	}
	id := l.GetLogId().GetKeyId()
	if len(id) == 0 {
		return nil, malformed("log %s without log ID", l.GetBaseUrl())
	}
	return &TrustedLog{
		BaseURL:         l.GetBaseUrl(),
		HashAlgorithm:   h,
		PublicKey:       pub,
		KeyDetails:      details,
		LogID:           id,
		CheckpointKeyID: l.GetCheckpointKeyId().GetKeyId(),
		ValidFor:        vf,
		Operator:        l.GetOperator(),
	}, nil
}

func parseCA(ca *prototrust.CertificateAuthority, tsa bool) (*CertificateAuthority, error) {
	ders := ca.GetCertChain().GetCertificates()
	if len(ders) == 0 {
		return nil, malformed("authority %s without certificates", ca.GetUri())
	}
	if len(ders) > limits.MaxChainLength {
		return nil, malformed("chain of %d certificates exceeds the limit of %d", len(ders), limits.MaxChainLength)
	}
	c := &CertificateAuthority{URI: ca.GetUri(), Operator: ca.GetOperator(), links: &chainLinks{}}
	c.Subject.Organization = nonEmpty(ca.GetSubject().GetOrganization())
	c.Subject.CommonName = ca.GetSubject().GetCommonName()
	for i, d := range ders {
		cert, err := x509.ParseCertificate(d.GetRawBytes())
		if err != nil {
			return nil, malformed("authority %s certificate %d: %v", ca.GetUri(), i, err)
		}
		if _, err := sigalg.ForKey(cert.PublicKey); err != nil {
			return nil, malformed("authority %s certificate %d (%s): %v", ca.GetUri(), i, cert.Subject, err)
		}
		c.Certificates = append(c.Certificates, cert)
	}
	if err := checkChain(c.Certificates, tsa); err != nil {
		return nil, fmt.Errorf("%w (authority %s)", err, ca.GetUri())
	}
	vf, err := parseRange(ca.GetValidFor())
	if err != nil {
		return nil, fmt.Errorf("%w (authority %s)", err, ca.GetUri())
	}
	c.ValidFor = vf
	return c, nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// checkChain checks what makes a trusted chain usable, without verifying a
// signature: every issuer is a CA certificate (basic constraints present, cA
// asserted), and a timestamp authority's signing certificate has the
// timeStamping extended key usage. That each certificate is issued and
// signed by the next is checked on first use (VerifyChain). Validity periods
// are not checked here: they are checked against the verified signing time.
func checkChain(certs []*x509.Certificate, tsa bool) error {
	for i, c := range certs {
		if !tsa || i > 0 {
			if !c.IsCA || !c.BasicConstraintsValid {
				return malformed("certificate %d (%s) is not a CA", i, c.Subject)
			}
		}
	}
	if tsa {
		leaf := certs[0]
		ok := false
		for _, u := range leaf.ExtKeyUsage {
			ok = ok || u == x509.ExtKeyUsageTimeStamping
		}
		if !ok {
			return malformed("timestamp authority certificate %s lacks the timeStamping usage", leaf.Subject)
		}
	}
	return nil
}

// Embedded snapshots of the public-good instance's trusted roots, taken from
// the sigstore/root-signing and root-signing-staging TUF targets (see
// embedded/SOURCE.md).
var (
	//go:embed embedded/production.trusted_root.json
	productionJSON []byte
	//go:embed embedded/staging.trusted_root.json
	stagingJSON []byte
)

// Dates of the embedded snapshots.
var (
	productionSnapshotDate = time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)
	stagingSnapshotDate    = time.Date(2026, 8, 21, 0, 0, 0, 0, time.UTC)
)

var (
	production = sync.OnceValues(func() (*TrustedRoot, error) { return embedded(productionJSON, productionSnapshotDate) })
	staging    = sync.OnceValues(func() (*TrustedRoot, error) { return embedded(stagingJSON, stagingSnapshotDate) })
)

func embedded(data []byte, date time.Time) (*TrustedRoot, error) {
	r, err := ParseJSON(data)
	if err != nil {
		return nil, err
	}
	r.snapshot = date
	return r, nil
}

// PublicGood returns the embedded snapshot of the public-good production
// instance's trusted root; Snapshot reports its date. It never touches the
// network; for current trust material use a TUF-backed source. Every call
// returns the same TrustedRoot.
func PublicGood() (*TrustedRoot, error) { return production() }

// PublicGoodStaging returns the embedded snapshot of the public-good staging
// instance's trusted root, like PublicGood.
func PublicGoodStaging() (*TrustedRoot, error) { return staging() }

// LogIDString formats a log ID for messages, as lowercase hex.
func LogIDString(id []byte) string { return hex.EncodeToString(id) }
