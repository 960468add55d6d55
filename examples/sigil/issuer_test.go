package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// privateSigningConfig names a Fulcio and a Rekor log of a private
// deployment, and no OIDC provider.
const privateSigningConfig = `{
  "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
  "caUrls": [{"url": "https://fulcio.private.sigil.test", "majorApiVersion": 1, "validFor": {"start": "2024-01-01T00:00:00Z"}}],
  "rekorTlogUrls": [{"url": "https://rekor.private.sigil.test", "majorApiVersion": 1, "validFor": {"start": "2024-01-01T00:00:00Z"}}],
  "rekorTlogConfig": {"selector": "ANY"},
  "tsaConfig": {"selector": "ANY"}
}`

// TestLoginIssuer: the login goes to --oidc-issuer or the signing config's
// provider. A signing config that names none does not send the person to
// the public-good provider (whose tokens, audience "sigstore", would then
// be handed to the config's Fulcio): sign-bundle asks for --oidc-issuer,
// and ambient tokens still work.
func TestLoginIssuer(t *testing.T) {
	private, err := trustroot.ParseSigningConfig([]byte(privateSigningConfig))
	if err != nil {
		t.Fatal(err)
	}
	public, err := trustroot.ParseSigningConfig(productionSigningConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		flag   string
		cfg    *trustroot.SigningConfig
		want   string
		errSub string
	}{
		{"public-good config", "", public, signer.PublicGoodOIDCIssuer, ""},
		{"flag over config", "https://oidc.private.sigil.test", public, "https://oidc.private.sigil.test", ""},
		{"flag, config without provider", "https://oidc.private.sigil.test", private, "https://oidc.private.sigil.test", ""},
		{"config without provider", "", private, "", "names no OIDC provider usable now; pass --oidc-issuer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loginIssuer(&signArgs{oidcIssuer: tc.flag}, tc.cfg)
			if tc.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSub) || !errors.Is(err, trustroot.ErrNoService) {
					t.Fatalf("got %q, %v; want an ErrNoService saying %q", got, err, tc.errSub)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}

	// Without a provider, an ambient token is still used; without one, the
	// error asks for --oidc-issuer (no login is tried).
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "")
	t.Setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "")
	t.Setenv("SIGSTORE_ID_TOKEN", "ambient.token.value")
	ts, err := tokenSource(&signArgs{}, private)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := ts.IDToken(context.Background()); err != nil || tok != "ambient.token.value" {
		t.Fatalf("ambient token: %q, %v", tok, err)
	}
	t.Setenv("SIGSTORE_ID_TOKEN", "")
	if _, err := ts.IDToken(context.Background()); err == nil || !strings.Contains(err.Error(), "pass --oidc-issuer") {
		t.Fatalf("no ambient token, no provider: %v", err)
	}
}
