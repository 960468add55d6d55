package bundle

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	protorekor "github.com/sigstore/protobuf-specs/gen/pb-go/rekor/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Media types of the bundle versions sigil reads. MediaTypeV03 is the one it writes.
const (
	MediaTypeV01       = "application/vnd.dev.sigstore.bundle+json;version=0.1"
	MediaTypeV02       = "application/vnd.dev.sigstore.bundle+json;version=0.2"
	MediaTypeV03Legacy = "application/vnd.dev.sigstore.bundle+json;version=0.3"
	MediaTypeV03       = "application/vnd.dev.sigstore.bundle.v0.3+json"
)

// ErrMalformed is wrapped by every error Parse and FromProto return.
var ErrMalformed = errors.New("bundle: malformed")

// ErrUnsupportedMediaType is wrapped (with ErrMalformed) when the bundle's
// media type is not one sigil reads.
var ErrUnsupportedMediaType = fmt.Errorf("%w: unsupported media type", ErrMalformed)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// Version is a bundle format version.
type Version int

// Bundle format versions.
const (
	V01 Version = 1
	V02 Version = 2
	V03 Version = 3
)

// String returns the version number as media types spell it, such as "0.3".
func (v Version) String() string { return fmt.Sprintf("0.%d", int(v)) }

// Bundle is a parsed, structurally valid, untrusted Sigstore bundle. Create
// one with Parse or FromProto; a zero Bundle has no content.
type Bundle struct {
	pb        *protobundle.Bundle
	version   Version
	certs     []*x509.Certificate
	hasKey    bool
	keyHint   string
	msg       *MessageSignature
	env       *Envelope
	entries   []*TlogEntry
	tsas      [][]byte
	mediaType string
}

// MessageSignature is a signature over an artifact digest.
type MessageSignature struct {
	// DigestAlgorithm and Digest are the artifact digest the bundle claims;
	// both are zero when the bundle omits it.
	DigestAlgorithm crypto.Hash
	Digest          []byte
	Signature       []byte
}

// Envelope is a DSSE envelope. Sigstore bundles carry exactly one signature.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signature   []byte
	KeyID       string
}

// TlogEntry is a transparency-log entry as recorded in a bundle.
type TlogEntry struct {
	LogIndex       int64
	LogID          []byte
	Kind           string
	KindVersion    string
	IntegratedTime int64  // seconds since the epoch; 0 when absent (Rekor v2)
	SET            []byte // inclusion promise; nil when absent
	Proof          *InclusionProof
	Body           []byte // canonicalized entry body
}

// InclusionProof is a Merkle inclusion proof and the checkpoint it leads to.
type InclusionProof struct {
	LogIndex   int64
	TreeSize   int64
	RootHash   []byte
	Hashes     [][]byte
	Checkpoint []byte // signed-note envelope
}

// MediaType returns the bundle's media type as written.
func (b *Bundle) MediaType() string { return b.mediaType }

// Version returns the bundle format version.
func (b *Bundle) Version() Version { return b.version }

// Certificates returns the certificates the bundle carries, leaf first: the
// chain of the bundle (any version), the single certificate of a version 0.3
// bundle, or nil for a public-key bundle. The certificates are untrusted;
// callers must not modify them.
func (b *Bundle) Certificates() []*x509.Certificate { return b.certs }

// UsesPublicKey reports whether the bundle identifies its signer by a public
// key (a public-key identifier, with an optional hint) rather than by
// certificates. Exactly one of UsesPublicKey and a non-nil Certificates holds
// for a parsed bundle.
func (b *Bundle) UsesPublicKey() bool { return b.hasKey }

// PublicKeyHint returns the hint of a public-key bundle's key identifier: an
// untrusted name the signer gave its key. It is empty for a certificate
// bundle and for a public-key bundle that gives none (see UsesPublicKey).
func (b *Bundle) PublicKeyHint() string { return b.keyHint }

// MessageSignature returns the message signature, or nil for a DSSE bundle.
func (b *Bundle) MessageSignature() *MessageSignature { return b.msg }

// Envelope returns the DSSE envelope, or nil for a message-signature bundle.
func (b *Bundle) Envelope() *Envelope { return b.env }

// TlogEntries returns the transparency-log entries, in bundle order. The
// entries are untrusted; callers must not modify them.
func (b *Bundle) TlogEntries() []*TlogEntry { return b.entries }

// RFC3161Timestamps returns the bundle's RFC 3161 timestamps (DER
// TimeStampResp values), unparsed and in bundle order, or nil if it has none.
// Parse checks only that each is non-empty and that none is repeated.
func (b *Bundle) RFC3161Timestamps() [][]byte { return b.tsas }

// Signature returns the signature bytes every timestamp in the bundle covers:
// the message signature or the DSSE envelope's signature. It returns nil for a
// zero Bundle.
func (b *Bundle) Signature() []byte {
	switch {
	case b.msg != nil:
		return b.msg.Signature
	case b.env != nil:
		return b.env.Signature
	}
	return nil
}

// Proto returns a copy of the bundle as its protobuf-specs message, for
// interoperation with code that speaks protobuf. It returns nil for a zero
// Bundle.
func (b *Bundle) Proto() *protobundle.Bundle {
	if b.pb == nil {
		return nil
	}
	return proto.Clone(b.pb).(*protobundle.Bundle)
}

var unmarshalOptions = protojson.UnmarshalOptions{DiscardUnknown: false}

// Parse parses and structurally validates a bundle in its JSON encoding, as
// described in the package documentation. Unknown fields are rejected, and
// so are the forms the protobuf JSON mapping tolerates but the bundle format
// does not use (see the package documentation, "Canonical JSON"). Every
// error wraps ErrMalformed; an unknown media type also wraps
// ErrUnsupportedMediaType. Input larger than 32 MiB is rejected, and so is
// a DSSE payload larger than 16 MiB.
func Parse(data []byte) (*Bundle, error) {
	if len(data) > limits.MaxBundleSize {
		return nil, malformed("%d bytes exceeds the %d-byte limit", len(data), limits.MaxBundleSize)
	}
	var pb protobundle.Bundle
	if err := unmarshalOptions.Unmarshal(data, &pb); err != nil {
		return nil, malformed("%s", protojsonError(err))
	}
	if err := checkCanonical(data, pb.ProtoReflect().Descriptor()); err != nil {
		return nil, malformed("not canonical bundle JSON: %v", err)
	}
	return newBundle(&pb)
}

// protojsonError formats an error from protojson, whose messages contain
// non-breaking spaces to discourage matching on them.
func protojsonError(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}

// FromProto validates a protobuf-specs bundle message, with the same checks
// and errors as Parse, and wraps it. The message is copied; later changes to
// pb do not affect the Bundle.
func FromProto(pb *protobundle.Bundle) (*Bundle, error) {
	if pb == nil {
		return nil, malformed("nil bundle")
	}
	b, err := newBundle(proto.Clone(pb).(*protobundle.Bundle))
	if err != nil {
		return nil, err
	}
	// A message built in memory, unlike one Parse decoded, may hold strings
	// that are not valid UTF-8, which MarshalJSON could not encode.
	if _, err := encodeBundle(nil, b.pb, "", nil); err != nil {
		return nil, malformed("%v", err)
	}
	return b, nil
}

// newBundle validates pb and wraps it. The Bundle retains pb.
func newBundle(pb *protobundle.Bundle) (*Bundle, error) { return newBundleWith(pb, nil) }

// newBundleWith is newBundle for a pb whose certificates, in order, are
// certs, already parsed (New); nil certs are parsed from pb.
func newBundleWith(pb *protobundle.Bundle, certs []*x509.Certificate) (*Bundle, error) {
	b := &Bundle{pb: pb, mediaType: pb.GetMediaType(), certs: certs}
	switch b.mediaType {
	case MediaTypeV01:
		b.version = V01
	case MediaTypeV02:
		b.version = V02
	case MediaTypeV03Legacy, MediaTypeV03:
		b.version = V03
	default:
		return nil, fmt.Errorf("%w %q", ErrUnsupportedMediaType, truncate(b.mediaType))
	}
	vm := pb.GetVerificationMaterial()
	if vm == nil {
		return nil, malformed("missing verification material")
	}
	if err := b.parseMaterial(vm); err != nil {
		return nil, err
	}
	if err := b.parseContent(pb); err != nil {
		return nil, err
	}
	if err := b.parseEntries(vm.GetTlogEntries()); err != nil {
		return nil, err
	}
	if err := b.parseTimestamps(vm.GetTimestampVerificationData()); err != nil {
		return nil, err
	}
	return b, nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

func (b *Bundle) parseMaterial(vm *protobundle.VerificationMaterial) error {
	var ders [][]byte
	switch c := vm.GetContent().(type) {
	case *protobundle.VerificationMaterial_PublicKey:
		if c.PublicKey == nil {
			return malformed("empty public key identifier")
		}
		b.hasKey = true
		b.keyHint = c.PublicKey.GetHint()
		return nil
	case *protobundle.VerificationMaterial_X509CertificateChain:
		// protobuf-specs requires the single-certificate form only for
		// public-good keyless signing; BYO-PKI signers (model_signing's
		// certificate method, cosign with an enterprise chain) write a chain
		// in version 0.3 too. The certificates after the leaf are untrusted
		// intermediates: only the trusted root supplies anchors.
		for _, c := range c.X509CertificateChain.GetCertificates() {
			ders = append(ders, c.GetRawBytes())
		}
	case *protobundle.VerificationMaterial_Certificate:
		if b.version != V03 {
			return malformed("a single certificate requires version 0.3")
		}
		ders = append(ders, c.Certificate.GetRawBytes())
	default:
		return malformed("missing certificate or public key")
	}
	if len(ders) == 0 {
		return malformed("empty certificate chain")
	}
	if len(ders) > limits.MaxChainLength {
		return malformed("certificate chain of %d exceeds the limit of %d", len(ders), limits.MaxChainLength)
	}
	if b.certs != nil {
		return nil // parsed by the caller (New), from these ders
	}
	for i, der := range ders {
		if len(der) == 0 {
			return malformed("certificate %d is empty", i)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return malformed("certificate %d: %v", i, err)
		}
		b.certs = append(b.certs, c)
	}
	return nil
}

func hashFromProto(a protocommon.HashAlgorithm) (crypto.Hash, error) {
	if h, ok := sigalg.DigestByProtoName(a.String()); ok {
		return h, nil
	}
	return 0, malformed("unsupported digest algorithm %v", a)
}

func (b *Bundle) parseContent(pb *protobundle.Bundle) error {
	switch c := pb.GetContent().(type) {
	case *protobundle.Bundle_MessageSignature:
		ms := c.MessageSignature
		if ms == nil || len(ms.GetSignature()) == 0 {
			return malformed("empty message signature")
		}
		m := &MessageSignature{Signature: ms.GetSignature()}
		if d := ms.GetMessageDigest(); d != nil {
			if len(d.GetDigest()) == 0 {
				// cosign writes one for Ed25519 keys, whose signatures are
				// then not over a digest at all.
				return malformed("empty message digest (a messageDigest without a digest; omit messageDigest or give the artifact's digest)")
			}
			h, err := hashFromProto(d.GetAlgorithm())
			if err != nil {
				return err
			}
			if len(d.GetDigest()) != h.Size() {
				return malformed("message digest of %d bytes for %v", len(d.GetDigest()), h)
			}
			m.DigestAlgorithm, m.Digest = h, d.GetDigest()
		}
		b.msg = m
	case *protobundle.Bundle_DsseEnvelope:
		e := c.DsseEnvelope
		if e == nil {
			return malformed("empty DSSE envelope")
		}
		if e.GetPayloadType() == "" {
			return malformed("DSSE envelope without payload type")
		}
		if n := len(e.GetPayload()); n > limits.MaxDSSEPayloadSize {
			return malformed("DSSE payload of %d bytes exceeds the %d-byte limit", n, limits.MaxDSSEPayloadSize)
		}
		if n := len(e.GetSignatures()); n != 1 {
			return malformed("DSSE envelope with %d signatures, need exactly 1", n)
		}
		s := e.GetSignatures()[0]
		if len(s.GetSig()) == 0 {
			return malformed("empty DSSE signature")
		}
		b.env = &Envelope{PayloadType: e.GetPayloadType(), Payload: e.GetPayload(), Signature: s.GetSig(), KeyID: s.GetKeyid()}
	default:
		return malformed("missing message signature or DSSE envelope")
	}
	return nil
}

func (b *Bundle) parseEntries(pes []*protorekor.TransparencyLogEntry) error {
	if len(pes) > limits.MaxTlogEntries {
		return malformed("%d transparency-log entries exceed the limit of %d", len(pes), limits.MaxTlogEntries)
	}
	for i, pe := range pes {
		e, err := b.parseEntry(pe)
		if err != nil {
			return fmt.Errorf("%w (transparency-log entry %d)", err, i)
		}
		b.entries = append(b.entries, e)
	}
	return nil
}

func (b *Bundle) parseEntry(pe *protorekor.TransparencyLogEntry) (*TlogEntry, error) {
	if pe == nil {
		return nil, malformed("nil entry")
	}
	e := &TlogEntry{
		LogIndex:       pe.GetLogIndex(),
		LogID:          pe.GetLogId().GetKeyId(),
		Kind:           pe.GetKindVersion().GetKind(),
		KindVersion:    pe.GetKindVersion().GetVersion(),
		IntegratedTime: pe.GetIntegratedTime(),
		Body:           pe.GetCanonicalizedBody(),
	}
	switch {
	case e.LogIndex < 0:
		return nil, malformed("negative log index %d", e.LogIndex)
	case len(e.LogID) == 0 || len(e.LogID) > 64:
		return nil, malformed("log ID of %d bytes", len(e.LogID))
	case e.Kind == "" || e.KindVersion == "":
		return nil, malformed("missing kind and version")
	case len(e.Body) == 0:
		return nil, malformed("missing canonicalized body")
	case len(e.Body) > limits.MaxEntryBodySize:
		return nil, malformed("canonicalized body of %d bytes exceeds the limit", len(e.Body))
	case e.IntegratedTime < 0:
		return nil, malformed("negative integrated time")
	}
	if p := pe.GetInclusionPromise(); p != nil {
		if len(p.GetSignedEntryTimestamp()) == 0 {
			return nil, malformed("empty inclusion promise")
		}
		if e.IntegratedTime == 0 {
			return nil, malformed("inclusion promise without integrated time")
		}
		e.SET = p.GetSignedEntryTimestamp()
	}
	if p := pe.GetInclusionProof(); p != nil {
		ip := &InclusionProof{
			LogIndex: p.GetLogIndex(),
			TreeSize: p.GetTreeSize(),
			RootHash: p.GetRootHash(),
			Hashes:   p.GetHashes(),
		}
		switch {
		case ip.LogIndex < 0 || ip.TreeSize <= 0 || ip.LogIndex >= ip.TreeSize:
			return nil, malformed("inclusion proof index %d outside tree of size %d", ip.LogIndex, ip.TreeSize)
		case len(ip.RootHash) != 32:
			return nil, malformed("inclusion proof root hash of %d bytes", len(ip.RootHash))
		case len(ip.Hashes) > limits.MaxInclusionProofHashes:
			return nil, malformed("inclusion proof with %d hashes", len(ip.Hashes))
		case p.GetCheckpoint().GetEnvelope() == "":
			return nil, malformed("inclusion proof without checkpoint")
		case len(p.GetCheckpoint().GetEnvelope()) > limits.MaxCheckpointSize:
			return nil, malformed("checkpoint exceeds %d bytes", limits.MaxCheckpointSize)
		}
		for _, h := range ip.Hashes {
			if len(h) != 32 {
				return nil, malformed("inclusion proof hash of %d bytes", len(h))
			}
		}
		ip.Checkpoint = []byte(p.GetCheckpoint().GetEnvelope())
		e.Proof = ip
	}
	switch {
	case b.version == V01 && e.SET == nil:
		return nil, malformed("version 0.1 entry without inclusion promise")
	case b.version >= V02 && e.Proof == nil:
		return nil, malformed("version %v entry without inclusion proof", b.version)
	}
	return e, nil
}

func (b *Bundle) parseTimestamps(tvd *protobundle.TimestampVerificationData) error {
	ts := tvd.GetRfc3161Timestamps()
	if len(ts) > limits.MaxTimestamps {
		return malformed("%d timestamps exceed the limit of %d", len(ts), limits.MaxTimestamps)
	}
	seen := make(map[string]bool, len(ts))
	for i, t := range ts {
		der := t.GetSignedTimestamp()
		if len(der) == 0 {
			return malformed("timestamp %d is empty", i)
		}
		if seen[string(der)] {
			return malformed("timestamp %d is a duplicate", i)
		}
		seen[string(der)] = true
		b.tsas = append(b.tsas, der)
	}
	return nil
}

// compile-time check that the dsse type we rely on exists.
var _ = (*protodsse.Envelope)(nil)
