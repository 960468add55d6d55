// The timestamp-authority client (NewTimestampAuthority): the wire-level
// client of RFC 3161 timestamp authorities. It sends a DER TimeStampReq over HTTP and validates the
// TimeStampResp against the trusted root before returning it.
//
// The request timestamps the SHA-256 digest of the signature, with a random
// 64-bit nonce and certReq set. The response must be granted, parse
// strictly (internal/rfc3161), carry our imprint and echo our nonce, and be
// signed by a timestamp authority of the trusted root whose certificate
// chain and trusted-root validity cover the token's time, as sigil's
// verifier checks it.

package sign

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/rfc3161"
)

// tsaMaxResponse bounds a response: the largest TimeStampResp rfc3161.Parse
// accepts.
const tsaMaxResponse = rfc3161.MaxSize

// tsaNonceSize is the size of the request nonce, in bytes.
const tsaNonceSize = 8

// tsaCheck names a check of a response.
type tsaCheck string

// The checks of a response, in the order they run.
const (
	tsaCheckResponse tsaCheck = "response"        // granted, and parses strictly
	tsaCheckImprint  tsaCheck = "message imprint" // SHA-256 of the signature
	tsaCheckNonce    tsaCheck = "nonce"           // echoes the request's
	tsaCheckSigner   tsaCheck = "signer"          // a trusted TSA, valid at the token's time
)

// tsaCheckError is a response that failed a check. Its message names the
// service and the check; it wraps the cause.
type tsaCheckError struct {
	Service string
	Check   tsaCheck
	Err     error
}

// Error implements error.
func (e *tsaCheckError) Error() string {
	return fmt.Sprintf("sign: %s: invalid response: %s: %v", e.Service, e.Check, e.Err)
}

// Unwrap returns ErrInvalidResponse and the cause.
func (e *tsaCheckError) Unwrap() []error { return []error{ErrInvalidResponse, e.Err} }

// tsaClient asks one timestamp authority for timestamps. It is safe for
// concurrent use if Rand is.
type tsaClient struct {
	// HTTP sends the requests; its Service names the authority in errors.
	HTTP *httpx.Client
	// URL is where requests are posted, such as
	// "https://timestamp.sigstore.dev/api/v1/timestamp".
	URL string
	// TSAs are the trusted timestamp authorities, prepared with
	// rfc3161.NewAuthority; a response must be signed by one of them.
	TSAs []*rfc3161.Authority
	// Rand is the source of nonces. Default crypto/rand.Reader.
	Rand io.Reader
}

var tsaOIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}

// Request returns the DER TimeStampReq for a SHA-256 imprint and nonce,
// with certReq true.
func tsaRequest(imprint []byte, nonce *big.Int) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(tsaOIDSHA256)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(imprint)
		})
		b.AddASN1BigInt(nonce)
		b.AddASN1Boolean(true)
	})
	return b.BytesOrPanic()
}

func (c *tsaClient) nonce() (*big.Int, error) {
	r := c.Rand
	if r == nil {
		r = rand.Reader
	}
	var buf [tsaNonceSize]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return nil, fmt.Errorf("sign: timestamp request nonce: %w", err)
	}
	n := new(big.Int).SetBytes(buf[:])
	if n.Sign() == 0 {
		return nil, errors.New("sign: timestamp request nonce: zero")
	}
	return n, nil
}

// Timestamp asks for a timestamp over signature and returns the validated
// DER TimeStampResp. Transport failures are *httpx.Error; a response that
// fails validation is a *tsaCheckError.
func (c *tsaClient) Timestamp(ctx context.Context, signature []byte) ([]byte, error) {
	if len(signature) == 0 {
		return nil, fmt.Errorf("sign: %s: empty signature", c.HTTP.Service)
	}
	nonce, err := c.nonce()
	if err != nil {
		return nil, err
	}
	imprint := sha256.Sum256(signature)
	resp, err := c.HTTP.Do(ctx, &httpx.Request{
		Method: http.MethodPost, URL: c.URL,
		ContentType: "application/timestamp-query", Accept: "application/timestamp-reply",
		Body: tsaRequest(imprint[:], nonce),
	})
	if err != nil {
		return nil, err
	}
	if _, err := c.check(resp.Body, signature, nonce); err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// tsaCheck validates a TimeStampResp answering a request over signature with
// nonce, and returns its token.
func (c *tsaClient) check(der, signature []byte, nonce *big.Int) (*rfc3161.Token, error) {
	fail := func(check tsaCheck, err error) error {
		return &tsaCheckError{Service: c.HTTP.Service, Check: check, Err: err}
	}
	tok, err := rfc3161.Parse(der)
	if err != nil {
		return nil, fail(tsaCheckResponse, err)
	}
	want := sha256.Sum256(signature)
	if !bytes.Equal(tok.HashedMessage, want[:]) {
		return nil, fail(tsaCheckImprint, fmt.Errorf("%v imprint %x, want SHA-256 %x", tok.HashAlg, tok.HashedMessage, want))
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return nil, fail(tsaCheckNonce, fmt.Errorf("nonce %v, want %v", tok.Nonce, nonce))
	}
	if _, err := tok.FindSigner(signature, c.TSAs); err != nil {
		return nil, fail(tsaCheckSigner, err)
	}
	return tok, nil
}
