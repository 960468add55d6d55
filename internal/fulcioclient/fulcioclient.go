// Package fulcioclient speaks Fulcio's v2 REST API (POST
// /api/v2/signingCert) and checks what comes back against a trusted root
// before anyone uses it.
//
// Requests take one of Fulcio's two proof-of-possession forms: a PEM
// certificate signing request, whose own signature is the proof, or a PEM
// public key with a signature over the token's challenge claim. Responses
// are a PEM chain, leaf first, with the SCTs embedded in the leaf.
package fulcioclient

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/limits"
	"github.com/sigil-dev/sigil/internal/sigalg"
)

// Path is the signing-certificate endpoint, relative to Fulcio's base URL.
const Path = "/api/v2/signingCert"

// ErrInvalidResponse is wrapped by every error about a response that cannot
// be used: it does not parse or fails a check. signer's
// ErrInvalidCertificateResponse is this error.
var ErrInvalidResponse = errors.New("signer: invalid certificate response from Fulcio")

// Causes, wrapped together with ErrInvalidResponse, that name the failed check.
var (
	ErrMalformed      = errors.New("malformed response")
	ErrDetachedSCT    = errors.New("detached SCTs are not supported")
	ErrKeyMismatch    = errors.New("leaf does not certify the requested key")
	ErrNotCodeSigning = errors.New("leaf not valid for code signing")
	ErrUntrustedChain = errors.New("chain does not lead to a trusted CA")
	ErrInvalidSCT     = errors.New("invalid embedded SCT")
)

func invalid(cause error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{ErrInvalidResponse, cause}, args...)...)
}

// Wire types of the v2 API (fulcio.proto, JSON mapping).
type (
	request struct {
		Credentials      credentials       `json:"credentials"`
		PublicKeyRequest *publicKeyRequest `json:"publicKeyRequest,omitempty"`
		CSR              []byte            `json:"certificateSigningRequest,omitempty"` // base64 of the PEM CSR
	}
	credentials struct {
		OIDCIdentityToken string `json:"oidcIdentityToken"`
	}
	publicKeyRequest struct {
		PublicKey         publicKey `json:"publicKey"`
		ProofOfPossession []byte    `json:"proofOfPossession"`
	}
	publicKey struct {
		Algorithm string `json:"algorithm"`
		Content   string `json:"content"`
	}
	response struct {
		Embedded *signedCertificate `json:"signedCertificateEmbeddedSct"`
		Detached *signedCertificate `json:"signedCertificateDetachedSct"`
	}
	signedCertificate struct {
		Chain struct {
			Certificates []string `json:"certificates"`
		} `json:"chain"`
		SignedCertificateTimestamp []byte `json:"signedCertificateTimestamp"`
	}
)

// CSRRequest returns the body of a request for a certificate for key,
// proving possession with a certificate signing request that key signs.
// The CSR's subject is empty: Fulcio takes the identity from the token.
// key signs through its crypto.Signer interface, with the signature
// algorithm crypto/x509 picks for it: ECDSA with the curve's hash, RSA
// PKCS#1 v1.5 with SHA-256, pure Ed25519.
func CSRRequest(token string, key crypto.Signer) ([]byte, error) {
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{}}, key)
	if err != nil {
		return nil, fmt.Errorf("signer: making the certificate signing request: %w", err)
	}
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	return json.Marshal(&request{Credentials: credentials{token}, CSR: csr})
}

// PublicKeyRequest returns the body of a request for a certificate for
// pub, with proof, a signature by the key over the token's challenge claim.
func PublicKeyRequest(token string, pub crypto.PublicKey, proof []byte) ([]byte, error) {
	alg, err := KeyAlgorithm(pub)
	if err != nil {
		return nil, err
	}
	der, err := sigalg.MarshalPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("signer: encoding the public key: %w", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return json.Marshal(&request{
		Credentials: credentials{token},
		PublicKeyRequest: &publicKeyRequest{
			PublicKey:         publicKey{Algorithm: alg, Content: string(pemKey)},
			ProofOfPossession: proof,
		},
	})
}

// KeyAlgorithm returns the name Fulcio's PublicKeyAlgorithm enum gives pub's type.
func KeyAlgorithm(pub crypto.PublicKey) (string, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA", nil
	case *rsa.PublicKey:
		return "RSA", nil
	case ed25519.PublicKey:
		return "ED25519", nil
	}
	return "", fmt.Errorf("signer: Fulcio does not take %T keys", pub)
}

// A Client sends signing-certificate requests to one Fulcio instance.
type Client struct {
	HTTP    httpx.Client // its Service should be "fulcio"
	BaseURL string       // without a trailing slash
}

// SigningCert posts body and returns the response body. Failures are
// *httpx.Error values; a 4xx status other than 429 is not retried.
func (c *Client) SigningCert(ctx context.Context, body []byte) ([]byte, error) {
	resp, err := c.HTTP.Do(ctx, &httpx.Request{
		Method:      http.MethodPost,
		URL:         strings.TrimSuffix(c.BaseURL, "/") + Path,
		ContentType: "application/json",
		Accept:      "application/json",
		Body:        body,
		OK:          []int{http.StatusOK, http.StatusCreated},
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ParseResponse parses a signing-certificate response and returns its
// chain, leaf first, as Fulcio sent it. A response with a detached SCT is
// refused (ErrDetachedSCT). Errors wrap ErrInvalidResponse.
func ParseResponse(body []byte) ([]*x509.Certificate, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, invalid(ErrMalformed, "not JSON of a SigningCertificate: %v", err)
	}
	switch {
	case r.Embedded != nil && r.Detached != nil:
		return nil, invalid(ErrMalformed, "both signedCertificateEmbeddedSct and signedCertificateDetachedSct")
	case r.Detached != nil:
		return nil, invalid(ErrDetachedSCT, "Fulcio returned signedCertificateDetachedSct (its CA cannot embed SCTs); "+
			"sigil needs the SCT embedded in the certificate")
	case r.Embedded == nil:
		return nil, invalid(ErrMalformed, "no signedCertificateEmbeddedSct")
	}
	pems := r.Embedded.Chain.Certificates
	if len(pems) == 0 {
		return nil, invalid(ErrMalformed, "empty chain")
	}
	if len(pems) > limits.MaxChainLength {
		return nil, invalid(ErrMalformed, "chain of %d certificates, at most %d allowed", len(pems), limits.MaxChainLength)
	}
	chain := make([]*x509.Certificate, 0, len(pems))
	for i, p := range pems {
		block, rest := pem.Decode([]byte(p))
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, invalid(ErrMalformed, "certificate %d is not a PEM CERTIFICATE block", i)
		}
		if len(strings.TrimSpace(string(rest))) != 0 {
			return nil, invalid(ErrMalformed, "certificate %d: data after the PEM block", i)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, invalid(ErrMalformed, "certificate %d: %v", i, err)
		}
		chain = append(chain, cert)
	}
	return chain, nil
}
