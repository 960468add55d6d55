// Package oidctoken reads OpenID Connect ID tokens before they are sent to
// Fulcio: it parses the compact JWS with an algorithm allow-list, reads the
// claims WITHOUT verifying the signature, and checks that the token is
// usable (not expired, meant for Sigstore, names an issuer and a subject).
//
// The signature is not checked here on purpose: Fulcio verifies it against
// the issuer's published keys, and a client cannot do better without
// fetching them. These checks only catch, before a network round trip, a
// token that Fulcio would refuse, with an error that says why.
//
// Errors never quote the token: ID tokens are bearer credentials.
package oidctoken

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// MaxSize bounds a token, in bytes. Real ID tokens are 1 to 4 KiB.
	MaxSize = 64 << 10

	// Leeway is the clock skew allowed when checking exp and nbf.
	Leeway = time.Minute

	// DefaultAudience is the audience Fulcio expects.
	DefaultAudience = "sigstore"
)

// ErrInvalid is wrapped by every error about a token: it is malformed or
// fails one of the checks. signer.ErrInvalidToken is this error.
var ErrInvalid = errors.New("signer: invalid OIDC ID token")

// Causes, wrapped together with ErrInvalid, that name the failed check.
var (
	ErrMalformed    = errors.New("malformed token")
	ErrExpired      = errors.New("token expired")
	ErrNotYetValid  = errors.New("token not yet valid")
	ErrAudience     = errors.New("token audience")
	ErrMissingClaim = errors.New("missing claim")
	ErrIssuer       = errors.New("token issuer")
	ErrNonce        = errors.New("token nonce")
)

func invalid(cause error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: "+format, append([]any{ErrInvalid, cause}, args...)...)
}

// Algorithms are the JWS algorithms a token may be signed with: what OIDC
// providers use and Fulcio's verifier accepts. No "none", no HMAC.
var Algorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512,
	jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
	jose.EdDSA,
}

// Claims are the claims of a token that matter to Fulcio, unverified.
type Claims struct {
	Issuer    string
	Subject   string
	Email     string // "" when absent
	Audience  []string
	Expiry    time.Time // zero when absent
	NotBefore time.Time // zero when absent
	Nonce     string    // "" when absent
}

type rawClaims struct {
	jwt.Claims
	Email *string `json:"email"`
	Nonce string  `json:"nonce"`
}

// Parse parses a compact-serialised JWS token and returns its claims,
// without verifying its signature. Surrounding white space (a trailing
// newline from a file) is ignored. Errors wrap ErrInvalid and ErrMalformed.
func Parse(token string) (*Claims, error) {
	token = strings.TrimSpace(token)
	switch {
	case token == "":
		return nil, invalid(ErrMalformed, "empty token")
	case len(token) > MaxSize:
		return nil, invalid(ErrMalformed, "%d bytes, at most %d allowed", len(token), MaxSize)
	case strings.Count(token, ".") != 2:
		return nil, invalid(ErrMalformed, "not a compact JWS (header.payload.signature)")
	}
	tok, err := jwt.ParseSigned(token, Algorithms)
	if err != nil {
		return nil, invalid(ErrMalformed, "%s", joseError(err))
	}
	if len(tok.Headers) != 1 {
		return nil, invalid(ErrMalformed, "%d signatures, want 1", len(tok.Headers))
	}
	var rc rawClaims
	if err := tok.UnsafeClaimsWithoutVerification(&rc); err != nil {
		return nil, invalid(ErrMalformed, "claims: %s", joseError(err))
	}
	c := &Claims{
		Issuer:    rc.Issuer,
		Subject:   rc.Subject,
		Audience:  []string(rc.Audience),
		Expiry:    rc.Expiry.Time(),
		NotBefore: rc.NotBefore.Time(),
		Nonce:     rc.Nonce,
	}
	if rc.Email != nil {
		c.Email = *rc.Email
	}
	return c, nil
}

// joseError strips go-jose's package prefix. go-jose's messages describe
// the structure (missing parts, bad base64, unexpected algorithm), never
// the token's content.
func joseError(err error) string {
	return strings.TrimPrefix(err.Error(), "go-jose/go-jose: ")
}

// Check checks that the claims make a token Fulcio can accept at now: it
// has an issuer and a subject, its audience contains audience, it has an
// expiry that has not passed and a not-before (if any) that has, each with
// Leeway for clock skew. Errors wrap ErrInvalid and one of ErrMissingClaim,
// ErrAudience, ErrExpired, ErrNotYetValid.
func (c *Claims) Check(audience string, now time.Time) error {
	switch {
	case c.Issuer == "":
		return invalid(ErrMissingClaim, "no issuer (iss)")
	case c.Subject == "":
		return invalid(ErrMissingClaim, "no subject (sub)")
	}
	found := false
	for _, a := range c.Audience {
		found = found || a == audience
	}
	if !found {
		return invalid(ErrAudience, "audience %q does not include %q", c.Audience, audience)
	}
	switch {
	case c.Expiry.IsZero():
		return invalid(ErrMissingClaim, "no expiry (exp)")
	case now.After(c.Expiry.Add(Leeway)):
		return invalid(ErrExpired, "expired at %s", c.Expiry.UTC().Format(time.RFC3339))
	case !c.NotBefore.IsZero() && now.Add(Leeway).Before(c.NotBefore):
		return invalid(ErrNotYetValid, "not valid before %s (is the clock right?)", c.NotBefore.UTC().Format(time.RFC3339))
	}
	return nil
}

// CheckIssued checks what a client that requested the token itself knows
// about it: the issuer is exactly issuer and, if nonce is not empty, the
// nonce claim is exactly nonce (OpenID Connect Core 3.1.3.7). Errors wrap
// ErrInvalid and ErrIssuer or ErrNonce, and quote neither nonce.
func (c *Claims) CheckIssued(issuer, nonce string) error {
	if c.Issuer != issuer {
		return invalid(ErrIssuer, "issued by %q, want %q", c.Issuer, issuer)
	}
	if nonce != "" && subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1 {
		if c.Nonce == "" {
			return invalid(ErrNonce, "no nonce claim; the provider ignored the request's nonce")
		}
		return invalid(ErrNonce, "the nonce claim is not the one this login sent")
	}
	return nil
}

// Challenge returns what a proof of possession signs for Fulcio's public-key
// request: the email claim when the token has one, the subject otherwise.
// Fulcio v1.8 checks the proof against its principal's name, which is the email address
// for email issuers and the subject for every other issuer type
// (pkg/identity/*/principal.go); this is the rule cosign and sigstore-go use
// to guess it.
func (c *Claims) Challenge() string {
	if c.Email != "" {
		return c.Email
	}
	return c.Subject
}

// ParseAndCheck parses token and checks it (see Parse and Claims.Check).
func ParseAndCheck(token, audience string, now time.Time) (*Claims, error) {
	c, err := Parse(token)
	if err != nil {
		return nil, err
	}
	if err := c.Check(audience, now); err != nil {
		return nil, err
	}
	return c, nil
}
