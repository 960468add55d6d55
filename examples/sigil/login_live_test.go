package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/testservices"
)

// loginEnv is the environment of a sigil run that must log in: no ambient
// token, and a desktop session only if display is set.
func loginEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "DISPLAY", "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// signInteractive runs sign-bundle without --identity-token; person reads
// sigil's standard error line by line and may answer on its standard input.
// It returns the exit code and the whole standard error.
func signInteractive(t *testing.T, env []string, person func(line string, stdin io.Writer) bool, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sigilBin, args...)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	sc := bufio.NewScanner(stderr)
	done := false
	for sc.Scan() {
		all.WriteString(sc.Text() + "\n")
		if !done {
			done = person(sc.Text(), stdin)
		}
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), all.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, all.String()
}

var urlLine = regexp.MustCompile(`^\s+(http://\S+)$`)

// TestLiveSignInteractive signs keyless with no --identity-token against
// the real stack: the person signs in to the stack's OpenID provider
// (zitadel/oidc) in the browser (through an xdg-open that hands the URL to
// the scripted person), without a browser (out-of-band code typed on
// standard input), and with --oidc-device-flow, the provider named by
// --oidc-issuer or by the signing config; each bundle verifies with the
// person's identity.
func TestLiveSignInteractive(t *testing.T) {
	s := testservices.Require(t)
	artifact := filepath.Join(signInputs, "a.txt")
	trust := []string{"--trusted-root", s.TrustedRootPath}

	// A stand-in for xdg-open: it hands the URL to the test, as a desktop
	// hands it to the browser.
	shimDir := t.TempDir()
	urls := filepath.Join(shimDir, "urls")
	if err := os.WriteFile(filepath.Join(shimDir, "xdg-open"), []byte("#!/bin/sh\nprintf '%s\\n' \"$1\" >>"+urls+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	// The stack's signing config names its token-minting issuer (:8088) as
	// the OIDC provider; a copy naming the interactive one lets sign-bundle
	// find the provider where it normally does, without --oidc-issuer.
	cfgPath := filepath.Join(t.TempDir(), "signing_config.json")
	cfg := strings.Replace(string(readTestFile(t, s.SigningConfigPath)), `"url": "`+s.OIDCURL+`"`, `"url": "`+s.OIDCProviderURL+`"`, 1)
	if !strings.Contains(cfg, s.OIDCProviderURL) {
		t.Fatalf("%s does not list %s as it did", s.SigningConfigPath, s.OIDCURL)
	}
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}

	withIssuer := []string{"--signing-config", s.SigningConfigPath, "--oidc-issuer", s.OIDCProviderURL}
	devicePerson := func(t *testing.T) func(string, io.Writer) bool {
		var uri string
		return func(line string, _ io.Writer) bool {
			if m := urlLine.FindStringSubmatch(line); m != nil {
				uri = m[1]
			}
			_, code, ok := strings.Cut(line, "shows the code ")
			if !ok || uri == "" {
				return false
			}
			if !strings.HasPrefix(uri, s.OIDCProviderURL+"/device?user_code=") {
				t.Errorf("verification URI %q", uri)
			}
			go func() {
				if err := s.ApproveDevice(context.Background(), strings.TrimSpace(code), true); err != nil {
					t.Errorf("approving: %v", err)
				}
			}()
			return true
		}
	}
	for _, tc := range []struct {
		name   string
		env    []string
		flags  []string
		person func(t *testing.T) func(string, io.Writer) bool
	}{
		{"browser", loginEnv("DISPLAY=:99", "PATH="+shimDir+":"+os.Getenv("PATH")), withIssuer, func(t *testing.T) func(string, io.Writer) bool {
			go func() {
				for range 200 {
					data, _ := os.ReadFile(urls)
					if u := strings.TrimSpace(string(data)); u != "" {
						os.Remove(urls)
						if page, err := s.SignInBrowser(context.Background(), u); err != nil || !strings.HasPrefix(page, "200 Signed in") {
							t.Errorf("browser: %q, %v", page, err)
						}
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
				t.Error("sigil never opened the browser")
			}()
			return func(string, io.Writer) bool { return true }
		}},
		{"no browser: out-of-band code", loginEnv(), withIssuer, func(t *testing.T) func(string, io.Writer) bool {
			return func(line string, stdin io.Writer) bool {
				m := urlLine.FindStringSubmatch(line)
				if m == nil {
					return false
				}
				code, err := s.SignInOutOfBand(context.Background(), m[1])
				if err != nil {
					t.Errorf("out-of-band sign-in: %v", err)
					return true
				}
				fmt.Fprintln(stdin, code)
				return true
			}
		}},
		{"device flow", loginEnv(), append([]string{"--oidc-device-flow"}, withIssuer...), devicePerson},
		{"device flow, provider from the signing config", loginEnv(), []string{"--oidc-device-flow", "--signing-config", cfgPath}, devicePerson},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "bundle.json")
			args := append([]string{"sign-bundle", "--bundle", out}, tc.flags...)
			args = append(append(args, trust...), artifact)
			code, stderr := signInteractive(t, tc.env, tc.person(t), args...)
			if code != 0 {
				t.Fatalf("sign-bundle: exit %d: %s", code, stderr)
			}
			if c, stdout, stderr := sigil(t, nil, "verify-bundle", "--bundle", out, "--certificate-identity", s.OIDCProviderEmail,
				"--certificate-oidc-issuer", s.OIDCProviderURL, "--trusted-root", s.TrustedRootPath, artifact); c != 0 {
				t.Fatalf("verify-bundle: exit %d: %s %s", c, stdout, stderr)
			}
		})
	}
}

func readTestFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
