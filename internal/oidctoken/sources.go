package oidctoken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/sigil-dev/sigil/internal/httpx"
)

// ReadFile reads a token from a file, at most MaxSize bytes, with
// surrounding white space removed. Errors name the file, never its content.
func ReadFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("signer: reading ID token: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return "", fmt.Errorf("signer: reading ID token from %s: %w", path, err)
	}
	if len(data) > MaxSize {
		return "", invalid(ErrMalformed, "%s holds more than %d bytes", path, MaxSize)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", invalid(ErrMalformed, "%s is empty", path)
	}
	return tok, nil
}

// Env reads a token from the environment variable name.
func Env(name string) (string, error) {
	tok := strings.TrimSpace(os.Getenv(name))
	if tok == "" {
		return "", fmt.Errorf("signer: no ID token: %s is not set", name)
	}
	return tok, nil
}

// GitHub Actions' ID-token request environment (actions/toolkit, core.getIDToken).
const (
	GitHubRequestURLEnv   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	GitHubRequestTokenEnv = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// ErrNoGitHubActions means the GitHub Actions ID-token environment is
// missing: not running in GitHub Actions, or the job lacks the
// "id-token: write" permission.
var ErrNoGitHubActions = errors.New("signer: no GitHub Actions ID token: " + GitHubRequestURLEnv + " and " +
	GitHubRequestTokenEnv + " must be set (does the job have the \"id-token: write\" permission?)")

// GitHubActions requests an ID token for audience from GitHub Actions' token
// service, as actions/toolkit's core.getIDToken does: GET the request URL
// with an audience query parameter, with the request token as a bearer
// token; the answer is {"value": token}. Neither token appears in errors.
func GitHubActions(ctx context.Context, c *httpx.Client, audience string) (string, error) {
	reqURL, bearer := os.Getenv(GitHubRequestURLEnv), os.Getenv(GitHubRequestTokenEnv)
	if reqURL == "" || bearer == "" {
		return "", ErrNoGitHubActions
	}
	u, err := url.Parse(reqURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("signer: %s is not an http(s) URL", GitHubRequestURLEnv)
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodGet,
		URL:    u.String(),
		Accept: "application/json",
		Header: http.Header{"Authorization": {"bearer " + bearer}},
		OK:     []int{http.StatusOK},
	})
	if err != nil {
		return "", err
	}
	return parseGitHubActionsResponse(resp.Body)
}

// parseGitHubActionsResponse returns the token of a GitHub Actions ID-token
// response, {"value": token}. Errors never quote the response.
func parseGitHubActionsResponse(data []byte) (string, error) {
	var body struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return "", fmt.Errorf("signer: GitHub Actions ID-token response is not JSON {\"value\": ...}: %v", jsonErrorKind(err))
	}
	if body.Value == "" {
		return "", errors.New("signer: GitHub Actions ID-token response has no value")
	}
	return body.Value, nil
}

// jsonErrorKind describes a JSON error without quoting the input, which may
// hold a token.
func jsonErrorKind(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at offset %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s where %s was expected", te.Value, te.Type)
	}
	return "cannot decode"
}
