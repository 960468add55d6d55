package bundle

import (
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
)

// MarshalJSON encodes the bundle as version 0.3 JSON, the format every
// current Sigstore client reads, whenever that loses nothing. Older bundles
// are upgraded: the media type becomes MediaTypeV03, and a certificate chain
// of the leaf alone becomes version 0.3's single certificate.
//
// MarshalJSON never drops a certificate. Two kinds of older bundle keep
// their version and content: a version 0.1 bundle with an entry that lacks
// an inclusion proof (version 0.3 cannot express it), and a version 0.1 or
// 0.2 bundle whose chain holds more than the leaf. Those intermediates may be
// what a verifier needs to build a path to its trusted root (BYO-PKI), and
// version 0.3 could carry them only as an x509CertificateChain, which some
// verifiers (sigstore-go by default) reject in version 0.3. A version 0.3
// bundle is written as it is, chain included.
//
// The encoding is the protobuf JSON mapping without insignificant
// whitespace, byte for byte what protojson.Marshal followed by json.Compact
// writes, and deterministic: marshaling a bundle parsed from MarshalJSON's
// output yields the same bytes.
func (b *Bundle) MarshalJSON() ([]byte, error) {
	if b.pb == nil {
		return nil, errors.New("bundle: marshaling a zero Bundle")
	}
	mediaType, singleCert := b.encoding()
	out, err := encodeBundle(make([]byte, 0, b.encodedSizeHint()), b.pb, mediaType, singleCert)
	if err != nil {
		return nil, fmt.Errorf("bundle: marshaling: %w", err)
	}
	return out, nil
}

// encoding returns what MarshalJSON writes in place of the bundle's own
// media type and certificate chain: the version 0.3 media type and, for a
// chain of the leaf alone, that leaf as the single certificate, when the
// bundle is upgradable; "" and nil otherwise.
func (b *Bundle) encoding() (mediaType string, singleCert []byte) {
	if !b.upgradable() {
		return "", nil
	}
	if c, ok := b.pb.GetVerificationMaterial().GetContent().(*protobundle.VerificationMaterial_X509CertificateChain); ok && len(b.certs) == 1 {
		singleCert = c.X509CertificateChain.GetCertificates()[0].GetRawBytes()
	}
	return MediaTypeV03, singleCert
}

// upgradable reports whether MarshalJSON writes the bundle as version 0.3.
func (b *Bundle) upgradable() bool {
	if b.version == V03 {
		return true
	}
	for _, e := range b.entries {
		if e.Proof == nil {
			return false
		}
	}
	return len(b.certs) <= 1
}

// encodedSizeHint estimates the length of the bundle's encoding, from the
// sizes of its largest fields in base64, so MarshalJSON allocates once.
func (b *Bundle) encodedSizeHint() int {
	n := 512
	for _, c := range b.certs {
		n += len(c.Raw)
	}
	for _, e := range b.pb.GetVerificationMaterial().GetTlogEntries() {
		n += len(e.GetCanonicalizedBody()) + len(e.GetInclusionPromise().GetSignedEntryTimestamp()) +
			len(e.GetInclusionProof().GetHashes())*32 + len(e.GetInclusionProof().GetCheckpoint().GetEnvelope())*3/4 + 256
	}
	for _, t := range b.pb.GetVerificationMaterial().GetTimestampVerificationData().GetRfc3161Timestamps() {
		n += len(t.GetSignedTimestamp())
	}
	n += len(b.pb.GetDsseEnvelope().GetPayload()) + 256
	return n * 4 / 3
}
