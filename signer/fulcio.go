package signer

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/sigil-dev/sigil/internal/fulcioclient"
	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/oidctoken"
	"github.com/sigil-dev/sigil/internal/sigalg"
	"github.com/sigil-dev/sigil/trustroot"
)

// ServiceError is a failed call to a Sigstore service: Fulcio, GitHub
// Actions' ID-token service, and the transparency logs and timestamp
// authorities of package sign's clients (NewRekor, NewRekorV2,
// NewTimestampAuthority), which return this type too. It names the service,
// the request (without its query) and the last HTTP status, and wraps the
// cause, so errors.Is finds context.DeadlineExceeded and network errors. It
// never holds a token.
type ServiceError = httpx.Error

// ErrStatus is wrapped by a ServiceError for an unexpected HTTP status.
var ErrStatus = httpx.ErrStatus

// ErrInvalidCertificateResponse means Fulcio answered, but with a
// certificate sigil will not use. The message names the check that failed:
//
//   - the response is malformed, or carries a detached SCT (sigil needs SCTs
//     embedded in the certificate);
//   - the leaf does not certify the key the certificate was requested for;
//   - the leaf lacks the codeSigning extended key usage, or is a CA;
//   - the chain does not lead, signature by signature, to a certificate
//     authority of the trusted root valid now;
//   - an SCT embedded in the leaf, from a CT log of the trusted root, does
//     not verify.
//
// Any of these on a Fulcio the trusted root lists is worth investigating:
// a misconfigured deployment, or a server that is not the one it claims.
var ErrInvalidCertificateResponse = fulcioclient.ErrInvalidResponse

// Fulcio obtains certificates from a Fulcio certificate authority (v2 API)
// for keys, in exchange for an OIDC ID token: keyless signing, or a
// long-lived key certified for the token's identity. It satisfies
// sign.CertificateProvider.
//
// A Fulcio is safe for concurrent use by multiple goroutines if its
// [TokenSource] is; its only state is the certificates it may reuse.
type Fulcio struct {
	root     *trustroot.TrustedRoot
	client   fulcioclient.Client
	tokens   TokenSource
	pop      bool
	audience string

	mu    sync.Mutex
	certs map[[sha256.Size]byte][]*x509.Certificate // by key and token; see reuse
}

// Reuse of certificates: a certificate Fulcio issued for a key and an ID
// token is used again for that key and that same token while it has more
// than ReuseMargin of validity left, so a BundleBuilder that signs many
// artifacts with one key asks Fulcio once, not per bundle. Another token
// (another identity, or a refreshed token) always gets a new certificate.
// At most maxCachedCerts are kept; expired ones are dropped first.
const (
	ReuseMargin    = 2 * time.Minute
	maxCachedCerts = 1024
)

func certKey(pub crypto.PublicKey, tok string) ([sha256.Size]byte, bool) {
	der, err := sigalg.MarshalPublicKey(pub)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	h := sha256.New()
	h.Write(der)
	h.Write([]byte{0})
	h.Write([]byte(tok))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k, true
}

// cached returns a certificate issued earlier for k with more than
// ReuseMargin of validity left at now.
func (f *Fulcio) cached(k [sha256.Size]byte, now time.Time) []*x509.Certificate {
	f.mu.Lock()
	defer f.mu.Unlock()
	chain, ok := f.certs[k]
	if !ok || !now.Add(ReuseMargin).Before(chain[0].NotAfter) || now.Before(chain[0].NotBefore) {
		return nil
	}
	return slices.Clone(chain)
}

func (f *Fulcio) store(k [sha256.Size]byte, chain []*x509.Certificate, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.certs == nil {
		f.certs = map[[sha256.Size]byte][]*x509.Certificate{}
	}
	if len(f.certs) >= maxCachedCerts {
		for key, c := range f.certs {
			if !now.Add(ReuseMargin).Before(c[0].NotAfter) {
				delete(f.certs, key)
			}
		}
		if len(f.certs) >= maxCachedCerts {
			clear(f.certs)
		}
	}
	f.certs[k] = slices.Clone(chain)
}

// NewFulcio returns a client of the Fulcio instance at baseURL (such as
// "https://fulcio.sigstore.dev"; http is allowed, for local deployments)
// that takes ID tokens from tokens and checks every certificate it is given
// against root, which must list at least one certificate authority.
//
// Requests carry a certificate signing request by default (see
// [WithFulcioProofOfPossession]); tokens must be issued for the audience
// "sigstore" (see [WithFulcioAudience]); failed requests are retried as
// [WithRetries] describes.
func NewFulcio(root *trustroot.TrustedRoot, baseURL string, tokens TokenSource, opts ...ServiceOption) (*Fulcio, error) {
	if root == nil {
		return nil, errors.New("signer: NewFulcio: nil trusted root")
	}
	if len(root.CertificateAuthorities()) == 0 {
		return nil, errors.New("signer: NewFulcio: the trusted root lists no certificate authority, so no certificate could be trusted")
	}
	if tokens == nil {
		return nil, errors.New("signer: NewFulcio: nil TokenSource")
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("signer: NewFulcio: base URL %q: need an http(s) URL without user, query or fragment", baseURL)
	}
	c, err := httpx.Apply(httpx.ServiceFulcio, opts)
	if err != nil {
		return nil, fmt.Errorf("signer: NewFulcio: %w", err)
	}
	if c.Audience == "" {
		c.Audience = oidctoken.DefaultAudience
	}
	return &Fulcio{
		root:     root,
		client:   fulcioclient.Client{HTTP: c.Client, BaseURL: u.String()},
		tokens:   tokens,
		pop:      c.ProofOfPossession,
		audience: c.Audience,
	}, nil
}

// Certificate obtains an ID token from the token source, checks it (see
// [TokenSource]), asks Fulcio for a certificate for the credential's public
// key, and checks the answer before returning it. A Fulcio is a
// sign.CertificateProvider: a BundleBuilder calls Certificate with its
// credential.
//
// The proof of possession is signed through the credential key's Sign
// method only: as
// part of a CSR (ECDSA with the curve's hash, RSA PKCS#1 v1.5 with SHA-256,
// pure Ed25519), or, with [WithFulcioProofOfPossession], over the token's
// challenge claim with the algorithm sigil's allow-list gives the key (the
// same ones).
//
// A certificate is reused for the same key and the same token while it has
// more than [ReuseMargin] of validity left; otherwise Fulcio is asked.
//
// The returned chain is leaf first: the leaf and the intermediates of
// Fulcio's response, without the response's self-signed root (verifiers
// take roots from their trusted root). It has been checked as
// [ErrInvalidCertificateResponse] describes; whether its identity is the
// one wanted is the verifier's policy.
//
// Errors: a token that fails the checks wraps [ErrInvalidToken]; a failed request is
// a *[ServiceError] (a 4xx status other than 429 is not retried); a
// response that fails a check wraps [ErrInvalidCertificateResponse].
// Errors of the token source are returned wrapped.
func (f *Fulcio) Certificate(ctx context.Context, c *Credential) ([]*x509.Certificate, error) {
	if f == nil || f.root == nil {
		return nil, errors.New("signer: zero Fulcio; make one with NewFulcio")
	}
	if c == nil || c.key == nil {
		return nil, errors.New("signer: nil or zero Credential (make one with FromKey)")
	}
	key, pub := c.key, c.pub
	tok, err := f.tokens.IDToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("signer: getting an ID token: %w", err)
	}
	now := time.Now()
	claims, err := oidctoken.ParseAndCheck(tok, f.audience, now)
	if err != nil {
		return nil, err
	}
	ck, reusable := certKey(pub, tok)
	if reusable {
		if chain := f.cached(ck, now); chain != nil {
			return chain, nil
		}
	}
	var body []byte
	if f.pop {
		proof, err := proofOfPossession(key, pub, claims.Challenge())
		if err != nil {
			return nil, err
		}
		body, err = fulcioclient.PublicKeyRequest(tok, pub, proof)
		if err != nil {
			return nil, err
		}
	} else {
		body, err = fulcioclient.CSRRequest(tok, key)
		if err != nil {
			return nil, err
		}
	}
	resp, err := f.client.SigningCert(ctx, body)
	if err != nil {
		return nil, err
	}
	chain, err := fulcioclient.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	chain, err = fulcioclient.Validate(chain, pub, f.root, now)
	if err != nil {
		return nil, err
	}
	if reusable {
		f.store(ck, chain, now)
	}
	return chain, nil
}

// proofOfPossession signs challenge as Fulcio checks it: with the
// algorithm sigil's allow-list (and sigstore's default verifier) gives the
// key, hashing first except for Ed25519. The signature is checked before it
// is sent.
func proofOfPossession(key crypto.Signer, pub crypto.PublicKey, challenge string) ([]byte, error) {
	alg, err := sigalg.ForKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
	}
	msg := []byte(challenge)
	sig, err := crypto.SignMessage(key, rand.Reader, msg, signerOpts(alg))
	if err != nil {
		return nil, fmt.Errorf("signer: signing the proof of possession with %s: %w", alg, err)
	}
	if err := alg.Verify(pub, msg, sig); err != nil {
		return nil, fmt.Errorf("signer: the key's Sign method returned a %s proof of possession that does not verify: %v", alg, err)
	}
	return sig, nil
}
