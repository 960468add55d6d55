// Command oidc-provider is the OpenID provider of the local Sigstore stack
// for interactive logins: the OpenID-certified zitadel/oidc v3 library
// (github.com/zitadel/oidc/v3/pkg/op) with its example server's storage,
// login page and device-authorization pages (example/server/exampleop and
// example/server/storage), unchanged. What this program adds is the
// configuration the example hard-codes: the issuer URL, the users, and a
// public client "sigstore" (no secret, as on the public-good instance) that
// may use the authorization code flow with PKCE S256, with any loopback
// redirect port (RFC 8252) or the out-of-band redirect, and the device
// authorization grant (RFC 8628). ID tokens are RS256, aud "sigstore",
// valid for an hour, and carry the email and email_verified claims that
// Fulcio's email issuers need.
//
//	oidc-provider -addr 127.0.0.1:5556 -issuer http://127.0.0.1:5556 \
//	  -user alice:PASSWORD:alice@example.com [-device-code-lifetime 10s]
//
// Pages a user (or a test driving them) goes through:
//
//   - browser flow: GET /auth?... redirects to /login/username?authRequestID=ID;
//     POST /login/username (id, username, password) redirects to
//     /authorize/callback?id=ID, which redirects to the client's redirect_uri
//     with code and state.
//   - device flow: GET /device?user_code=CODE shows the login form; POST
//     /device/login (user_code, username, password) sets a cookie and shows
//     the consent page; GET /device/confirm?action=allowed (or denied).
//
// It is a nested module so that zitadel/oidc and its dependencies stay out
// of sigil's go.mod; scripts/services/install.sh builds it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// clientID is the public client Sigstore clients use.
const clientID = "sigstore"

// Redirect URIs registered for the client. The loopback one matches any
// port (zitadel's native-client rule, RFC 8252 section 7.3).
var redirectURIs = []string{
	"http://127.0.0.1/auth/callback",
	"http://localhost/auth/callback",
	"urn:ietf:wg:oauth:2.0:oob",
}

type userList []string

func (u *userList) String() string     { return strings.Join(*u, ",") }
func (u *userList) Set(v string) error { *u = append(*u, v); return nil }

func main() {
	addr := flag.String("addr", "127.0.0.1:5556", "listen address")
	issuer := flag.String("issuer", "http://127.0.0.1:5556", "issuer URL (as Fulcio is configured with it)")
	lifetime := flag.Duration("device-code-lifetime", 0, "shorten device codes' lifetime (default: the example's 5 minutes)")
	var users userList
	flag.Var(&users, "user", "USERNAME:PASSWORD:EMAIL, repeatable")
	flag.Parse()
	if len(users) == 0 {
		fmt.Fprintln(os.Stderr, "oidc-provider: at least one -user is needed")
		os.Exit(2)
	}
	us, err := newUserStore(users)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oidc-provider:", err)
		os.Exit(2)
	}
	storage.RegisterClients(storage.NativeClient(clientID, redirectURIs...))
	st := &store{Storage: storage.NewStorage(us), deviceLifetime: *lifetime}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	router := exampleop.SetupServer(*issuer, st, logger, false)
	srv := &http.Server{Addr: *addr, Handler: router, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("listening", "addr", *addr, "issuer", *issuer)
	if err := srv.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, "oidc-provider:", err)
		os.Exit(1)
	}
}

// store is the example's in-memory storage with the sigstore client's grant
// types and claims, and optionally short-lived device codes.
type store struct {
	*storage.Storage
	deviceLifetime time.Duration
}

func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil || id != clientID {
		return c, err
	}
	nc, ok := c.(*storage.Client)
	if !ok {
		return nil, fmt.Errorf("client %s has type %T", id, c)
	}
	return sigstoreClient{nc}, nil
}

func (s *store) StoreDeviceAuthorization(ctx context.Context, clientID, deviceCode, userCode string, expires time.Time, scopes []string) error {
	if s.deviceLifetime > 0 {
		if short := time.Now().Add(s.deviceLifetime); short.Before(expires) {
			expires = short
		}
	}
	return s.Storage.StoreDeviceAuthorization(ctx, clientID, deviceCode, userCode, expires, scopes)
}

// sigstoreClient is the example's native client (public, PKCE, loopback
// redirects) that may also use the device grant, and whose ID tokens carry
// the email claims even though an access token is issued with them.
type sigstoreClient struct{ *storage.Client }

func (sigstoreClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeDeviceCode}
}

func (sigstoreClient) IDTokenUserinfoClaimsAssertion() bool { return true }

// userStore implements the example's storage.UserStore.
type userStore map[string]*storage.User

func newUserStore(specs []string) (userStore, error) {
	us := userStore{}
	for _, spec := range specs {
		parts := strings.SplitN(spec, ":", 3)
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("-user %q: want USERNAME:PASSWORD:EMAIL", parts[0])
		}
		// The user's ID (the tokens' sub) is the user name: the example's
		// device pages complete the authorization with the user name as the
		// subject, which the ID token's claims are then looked up by.
		id := parts[0]
		us[id] = &storage.User{
			ID: id, Username: parts[0], Password: parts[1],
			FirstName: parts[0], LastName: "Test",
			Email: parts[2], EmailVerified: true,
			PreferredLanguage: language.English,
		}
	}
	return us, nil
}

func (u userStore) GetUserByID(id string) *storage.User { return u[id] }

func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}

func (userStore) ExampleClientID() string { return "service" }
