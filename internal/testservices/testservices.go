// Package testservices finds the local Sigstore stack that
// scripts/services/start.sh runs on 127.0.0.1 (OIDC issuer, Fulcio, CT log,
// Rekor v1, Rekor v2, TSA), for integration tests.
//
// A test calls Require, which returns the running stack or skips the test
// with the reason it is not available; with SIGIL_REQUIRE_SERVICES=1 (as
// .ci/run sets) a missing stack fails the test instead, so CI cannot pass by
// skipping:
//
//	func TestSignWithFulcio(t *testing.T) {
//		s := testservices.Require(t)
//		tok, err := s.Token(t.Context(), "alice", "alice@example.com")
//		...
//	}
//
// The stack is described by STATE/stack.env, where STATE is
// $SIGIL_SERVICES_STATE (default /tmp/sigil-services). Any SIGIL_* variable
// of that file set in the environment overrides the file. The stack only
// listens inside its network namespace: run the tests through
// scripts/services/run-in-netns.sh (see scripts/services/README.md).
package testservices

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Stack is a running local Sigstore stack.
type Stack struct {
	// StateDir is the stack's state directory ($SIGIL_SERVICES_STATE).
	StateDir string

	OIDCURL   string // OIDC issuer for email identities (Fulcio type "email"), e.g. http://127.0.0.1:8088
	OIDCCIURL string // OIDC issuer for CI identities (Fulcio type "ci-provider"), e.g. http://127.0.0.1:8089
	FulcioURL string // Fulcio base URL (POST /api/v2/signingCert)
	TSAURL    string // RFC 3161 timestamp URL (POST), e.g. http://127.0.0.1:3004/api/v1/timestamp

	RekorV1URL    string // Rekor v1 base URL (POST /api/v1/log/entries)
	RekorV1TreeID string // Trillian tree of Rekor v1 (its checkpoint origin is "<host:port> - <tree ID>")

	RekorV2URL     string // Rekor v2 base URL (POST /api/v2/log/entries)
	RekorV2ReadURL string // Rekor v2 read side: GET /checkpoint, /tile/..., /tile/entries/...
	RekorV2Origin  string // Rekor v2 checkpoint origin and key name

	CTURL string // CT log base URL, with its prefix (GET /ct/v1/get-sth)

	TrustedRootPath   string // trusted_root.json (all of the above)
	SigningConfigPath string // signing_config.v0.2.json
	TrustConfigPath   string // trust_config.json (ClientTrustConfig: both)
}

// PKI returns the path of a file of the stack's throwaway key and CA
// material, e.g. "fulcio-chain.pem", "tsa-chain.pem", "rekor1.pub",
// "rekor2.pub", "ct.pub".
func (s *Stack) PKI(name string) string { return filepath.Join(s.StateDir, "pki", name) }

// DefaultStateDir is the state directory when SIGIL_SERVICES_STATE is unset.
const DefaultStateDir = "/tmp/sigil-services"

var (
	once     sync.Once
	stack    *Stack
	stackErr error
)

// FromEnv returns the running stack, or ok=false when there is none (no
// stack.env, or a service does not answer its health check from this
// process). The result is computed once per process.
func FromEnv() (s *Stack, ok bool) {
	s, err := Check()
	return s, err == nil
}

// Check is FromEnv with the reason the stack is unavailable.
func Check() (*Stack, error) {
	once.Do(func() { stack, stackErr = load() })
	return stack, stackErr
}

// Required reports whether SIGIL_REQUIRE_SERVICES asks for the stack.
func Required() bool {
	v := os.Getenv("SIGIL_REQUIRE_SERVICES")
	return v != "" && v != "0" && v != "false"
}

// Require returns the running stack. Without one it skips the test, or,
// when SIGIL_REQUIRE_SERVICES=1, fails it; either way with the reason.
func Require(t testing.TB) *Stack {
	t.Helper()
	s, err := Check()
	if err == nil {
		return s
	}
	if Required() {
		t.Fatalf("SIGIL_REQUIRE_SERVICES is set but the local Sigstore stack is unavailable: %v", err)
	}
	t.Skipf("local Sigstore stack unavailable (scripts/services/README.md; SIGIL_REQUIRE_SERVICES=1 makes this a failure): %v", err)
	return nil
}

func load() (*Stack, error) {
	dir := os.Getenv("SIGIL_SERVICES_STATE")
	if dir == "" {
		dir = DefaultStateDir
	}
	vars, err := readEnvFile(filepath.Join(dir, "stack.env"))
	if err != nil {
		return nil, fmt.Errorf("%w (start it with scripts/services/start.sh)", err)
	}
	get := func(name string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return vars[name]
	}
	s := &Stack{
		StateDir:          dir,
		OIDCURL:           get("SIGIL_OIDC_URL"),
		OIDCCIURL:         get("SIGIL_OIDC_CI_URL"),
		FulcioURL:         get("SIGIL_FULCIO_URL"),
		TSAURL:            get("SIGIL_TSA_URL"),
		RekorV1URL:        get("SIGIL_REKOR_V1_URL"),
		RekorV1TreeID:     get("SIGIL_REKOR_V1_TREE_ID"),
		RekorV2URL:        get("SIGIL_REKOR_V2_URL"),
		RekorV2ReadURL:    get("SIGIL_REKOR_V2_READ_URL"),
		RekorV2Origin:     get("SIGIL_REKOR_V2_ORIGIN"),
		CTURL:             get("SIGIL_CT_URL"),
		TrustedRootPath:   get("SIGIL_TRUSTED_ROOT"),
		SigningConfigPath: get("SIGIL_SIGNING_CONFIG"),
		TrustConfigPath:   get("SIGIL_TRUST_CONFIG"),
	}
	for _, p := range []string{s.TrustedRootPath, s.SigningConfigPath, s.TrustConfigPath} {
		if _, err := os.Stat(p); err != nil {
			return nil, err
		}
	}
	health := []string{
		s.OIDCURL + "/healthz",
		s.OIDCCIURL + "/healthz",
		s.FulcioURL + "/healthz",
		strings.TrimSuffix(s.TSAURL, "/api/v1/timestamp") + "/ping",
		s.RekorV1URL + "/api/v1/log",
		s.RekorV2URL + "/healthz",
		s.RekorV2ReadURL + "/checkpoint",
		s.CTURL + "/ct/v1/get-sth",
	}
	for _, u := range health {
		if err := ping(u); err != nil {
			if ns := vars["SIGIL_NETNS_ID"]; ns != "" {
				if mine, _ := os.Readlink("/proc/self/ns/net"); mine != ns {
					return nil, fmt.Errorf("%w; this process is in network namespace %s, the stack in %s: run the tests through scripts/services/run-in-netns.sh, in the same namespace as start.sh", err, mine, ns)
				}
			}
			return nil, err
		}
	}
	return s, nil
}

// readEnvFile reads KEY=VALUE lines; blank lines and # comments are skipped.
func readEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		vars[k] = v
	}
	return vars, sc.Err()
}

var client = &http.Client{Timeout: 5 * time.Second}

// ping checks that u answers 200, trying a few times over about two
// seconds: a service busy publishing (Rekor v2 writes its checkpoint
// periodically) must not make a whole test run skip or fail.
func ping(u string) error {
	var err error
	for range 8 {
		if err = pingOnce(u); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}

func pingOnce(u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// Token returns an ID token (ES256, audience "sigstore") from the email
// issuer for sub and email; Fulcio certifies the email.
func (s *Stack) Token(ctx context.Context, sub, email string) (string, error) {
	return s.token(ctx, s.OIDCURL, url.Values{"sub": {sub}, "email": {email}})
}

// TokenWith returns an ID token from issuer (s.OIDCURL or s.OIDCCIURL) with
// the given claims. Recognised: sub, email ("-" for none), aud (default
// "sigstore"), ttl (a Go duration, default 10m), alg (ES256, the default, or
// RS256); any other value becomes a string claim. For the CI issuer, Fulcio
// reads repository, ref, sha, workflow_ref and run_id into its extensions and
// makes "https://git.example.test/<workflow_ref>" the SAN URI.
func (s *Stack) TokenWith(ctx context.Context, issuer string, claims url.Values) (string, error) {
	return s.token(ctx, issuer, claims)
}

func (s *Stack) token(ctx context.Context, issuer string, q url.Values) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/token?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New("oidc token: " + resp.Status + ": " + strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
