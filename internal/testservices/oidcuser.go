package testservices

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// The stack's OpenID provider (zitadel/oidc's example pages) is driven the
// way a person's browser drives it: GET the page, POST the form it holds,
// follow the redirects. These helpers play that person, as the stack's one
// user (OIDCProviderUser, OIDCProviderPassword).

// browser is a fresh user agent: its own cookies, redirects followed.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: client.Timeout}
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// page GETs or POSTs u and returns the body of the page it ends on.
func page(ctx context.Context, c *http.Client, method, u string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

// formFields returns the hidden inputs of the page's form.
func formFields(body string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// SignInBrowser plays the person in a browser login: it opens authURL (the
// authorization request a login put in the browser), fills in the
// provider's login form as the stack's user, and follows the redirects to
// the request's redirect_uri — the login's loopback listener — whose page
// it returns with its status ("200 Signed in. ..."). An error page of the
// provider (a refused authorization request) is returned as an error.
func (s *Stack) SignInBrowser(ctx context.Context, authURL string) (string, error) {
	resp, err := s.signIn(ctx, browser(), authURL)
	if err != nil {
		return "", err
	}
	return resp, nil
}

// SignInOutOfBand is SignInBrowser for an out-of-band redirect_uri
// (urn:ietf:wg:oauth:2.0:oob): the provider's last redirect goes to that
// URN, which no browser can open; the person reads the code off it, and so
// does this, returning the code.
func (s *Stack) SignInOutOfBand(ctx context.Context, authURL string) (string, error) {
	c := browser()
	var code string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme == "urn" {
			code = req.URL.Query().Get("code")
			if code == "" {
				code = "missing:" + req.URL.Query().Get("error")
			}
			return http.ErrUseLastResponse
		}
		return nil
	}
	if _, err := s.signIn(ctx, c, authURL); err != nil && code == "" {
		return "", err
	}
	if code == "" || strings.HasPrefix(code, "missing:") {
		return "", fmt.Errorf("out-of-band redirect without a code (%s)", code)
	}
	return code, nil
}

func (s *Stack) signIn(ctx context.Context, c *http.Client, authURL string) (string, error) {
	resp, body, err := page(ctx, c, http.MethodGet, authURL, nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/login/username"`) {
		return "", fmt.Errorf("authorization request: %s, no login form: %.300s", resp.Status, body)
	}
	form := formFields(body)
	if form.Get("id") == "" {
		return "", errors.New("login form without an auth request id")
	}
	form.Set("username", s.OIDCProviderUser)
	form.Set("password", s.OIDCProviderPassword)
	resp, body, err = page(ctx, c, http.MethodPost, s.OIDCProviderURL+"/login/username", form)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 == 3 { // stopped by CheckRedirect
		return "", nil
	}
	if strings.HasPrefix(resp.Request.URL.String(), s.OIDCProviderURL) {
		return "", fmt.Errorf("still at the provider after logging in (%s): %.300s", resp.Status, body)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(body)), nil
}

// ApproveDevice plays the person approving (allow) or denying a device
// login on their phone: it opens the provider's device page for userCode,
// logs in as the stack's user, and presses Allow or Deny on the consent
// page.
func (s *Stack) ApproveDevice(ctx context.Context, userCode string, allow bool) error {
	c := browser()
	resp, body, err := page(ctx, c, http.MethodGet, s.OIDCProviderURL+"/device?user_code="+url.QueryEscape(userCode), nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `action="/device/login"`) {
		return fmt.Errorf("device page: %s, no login form: %.300s", resp.Status, body)
	}
	form := formFields(body)
	form.Set("username", s.OIDCProviderUser)
	form.Set("password", s.OIDCProviderPassword)
	resp, body, err = page(ctx, c, http.MethodPost, s.OIDCProviderURL+"/device/login", form)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "./confirm?action=allowed") {
		return fmt.Errorf("device login: %s, no consent page: %.300s", resp.Status, body)
	}
	action := "denied"
	if allow {
		action = "allowed"
	}
	resp, body, err = page(ctx, c, http.MethodGet, s.OIDCProviderURL+"/device/confirm?action="+action, nil)
	if err != nil {
		return err
	}
	if want := "Device authorization " + action; resp.StatusCode != http.StatusOK || !strings.Contains(body, want) {
		return fmt.Errorf("device consent: %s, want %q: %.300s", resp.Status, want, body)
	}
	return nil
}
