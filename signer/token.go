package signer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sigil-dev/sigil/internal/httpx"
	"github.com/sigil-dev/sigil/internal/oidctoken"
)

// ErrInvalidToken means an OIDC ID token cannot be used with Fulcio: it is
// not a JWS compact serialisation with one signature by an allowed
// algorithm (RS256/384/512, PS256/384/512, ES256/384/512, EdDSA), or it
// has no issuer (iss) or subject (sub), its audience (aud) does not include
// the expected one ("sigstore" by default), it has no expiry (exp) or has
// expired, or its not-before time (nbf) is still ahead; exp and nbf are
// checked with a minute of leeway for clock skew. The message names the
// check, never the token.
//
// These checks read the claims without verifying the token's signature:
// Fulcio verifies it against the issuer's keys. They catch, before a
// network round trip, a token Fulcio would refuse.
var ErrInvalidToken = oidctoken.ErrInvalid

// A TokenSource supplies OIDC ID tokens to exchange for Fulcio
// certificates. IDToken is called once for every certificate; sources that
// fetch tokens should return a fresh one each time, since ID tokens are
// short-lived. Tokens are bearer credentials: implementations must not log
// them, and sigil never puts them in errors.
//
// [Fulcio.Certificate] checks every token it gets as [ErrInvalidToken]
// describes before sending it.
type TokenSource interface {
	IDToken(ctx context.Context) (string, error)
}

// TokenFunc adapts a function to a [TokenSource], for tokens from an
// interactive login, a device flow or a secret store.
type TokenFunc func(ctx context.Context) (string, error)

// IDToken returns f(ctx).
func (f TokenFunc) IDToken(ctx context.Context) (string, error) { return f(ctx) }

type staticToken string

func (s staticToken) IDToken(context.Context) (string, error) { return string(s), nil }

// StaticToken returns a source that always supplies tok. It suits one-shot
// tools: ID tokens expire within minutes, and an expired one is refused with
// [ErrInvalidToken] when it is used, not here.
func StaticToken(tok string) TokenSource { return staticToken(tok) }

type tokenFile string

func (p tokenFile) IDToken(context.Context) (string, error) { return oidctoken.ReadFile(string(p)) }

// TokenFile returns a source that reads the token from the file at path
// each time one is needed, so a file that something else keeps refreshing
// (a Kubernetes projected service-account token, for instance) always gives
// the current token. The file must hold the token alone, up to 64 KiB;
// surrounding white space is ignored.
func TokenFile(path string) TokenSource { return tokenFile(path) }

type envToken struct{}

func (envToken) IDToken(context.Context) (string, error) { return oidctoken.Env("SIGSTORE_ID_TOKEN") }

// TokenFromEnv returns a source that reads the token from the environment
// variable SIGSTORE_ID_TOKEN each time one is needed, as cosign and the
// other Sigstore clients do. It fails if the variable is unset or empty.
func TokenFromEnv() TokenSource { return envToken{} }

type githubToken struct{ client httpx.Client }

func (g *githubToken) IDToken(ctx context.Context) (string, error) {
	return oidctoken.GitHubActions(ctx, &g.client, oidctoken.DefaultAudience)
}

// GitHubActionsToken returns a source that requests a fresh ID token for
// the audience "sigstore" from GitHub Actions each time one is needed: a
// GET of $ACTIONS_ID_TOKEN_REQUEST_URL with the bearer token
// $ACTIONS_ID_TOKEN_REQUEST_TOKEN, which GitHub sets for jobs with the
// "id-token: write" permission. Without them it fails with an error saying
// so. Requests are retried as [WithRetries] describes, with its
// defaults; failures are *[ServiceError] values.
func GitHubActionsToken() TokenSource {
	return &githubToken{client: httpx.Client{Service: "GitHub Actions ID token"}}
}

// TokenIdentity reads the issuer (iss), subject (sub) and, if present,
// email claims of an ID token, without verifying its signature or checking
// its validity: for displaying whose certificate will be requested, not for
// any trust decision. An error wraps [ErrInvalidToken] and never contains
// the token.
func TokenIdentity(tok string) (issuer, subject, email string, err error) {
	c, err := oidctoken.Parse(tok)
	if err != nil {
		return "", "", "", err
	}
	if c.Issuer == "" || c.Subject == "" {
		return "", "", "", fmt.Errorf("%w: %w: no issuer (iss) or subject (sub)", ErrInvalidToken, oidctoken.ErrMissingClaim)
	}
	return c.Issuer, c.Subject, c.Email, nil
}

// ErrNoAmbientToken means [AmbientToken] found no token in the environment
// and has no fallback.
var ErrNoAmbientToken = errors.New("signer: no ambient ID token: SIGSTORE_ID_TOKEN is unset and this is not a GitHub Actions job with the \"id-token: write\" permission")

type ambientToken struct {
	github   TokenSource
	fallback TokenSource
}

func (a *ambientToken) IDToken(ctx context.Context) (string, error) {
	switch {
	case strings.TrimSpace(os.Getenv("SIGSTORE_ID_TOKEN")) != "":
		return oidctoken.Env("SIGSTORE_ID_TOKEN")
	case os.Getenv(oidctoken.GitHubRequestURLEnv) != "" && os.Getenv(oidctoken.GitHubRequestTokenEnv) != "":
		return a.github.IDToken(ctx)
	case a.fallback != nil:
		return a.fallback.IDToken(ctx)
	}
	return "", ErrNoAmbientToken
}

// AmbientToken returns a source that uses the token the environment
// provides, if it provides one, and fallback otherwise: for programs that
// sign in CI without a person and on a laptop with one. At each call, in
// this order:
//
//   - SIGSTORE_ID_TOKEN is set: that token ([TokenFromEnv]);
//   - ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are
//     set: a token from GitHub Actions ([GitHubActionsToken]);
//   - otherwise fallback, typically a [Login] ([NewBrowserLogin],
//     [NewDeviceLogin]); with a nil fallback, [ErrNoAmbientToken].
//
// The choice is made by what the environment holds, not by what fails: a
// GitHub Actions request that fails is an error, never a reason to open a
// browser in CI.
func AmbientToken(fallback TokenSource) TokenSource {
	return &ambientToken{github: GitHubActionsToken(), fallback: fallback}
}
