package signer_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/signer"
)

// offLoopback is a transport that sends requests to loopback addresses and
// records, without sending, every request to any other host: what would
// have crossed a network.
type offLoopback struct {
	mu   sync.Mutex
	sent []string // URL and body of each recorded request
}

func (o *offLoopback) RoundTrip(r *http.Request) (*http.Response, error) {
	if ip := net.ParseIP(r.URL.Hostname()); ip != nil && ip.IsLoopback() {
		return http.DefaultTransport.RoundTrip(r)
	}
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
	}
	o.mu.Lock()
	o.sent = append(o.sent, r.Method+" "+r.URL.String()+" "+string(body))
	o.mu.Unlock()
	return nil, errors.New("test transport: not sent")
}

// TestLoginRefusesInsecureRedirect: a provider endpoint that redirects to
// plain http off the loopback interface (a 307 re-sends the form: the
// authorization code and PKCE verifier, or the device code) is refused
// before anything is sent there, as checkEndpoint refuses such endpoints
// in discovery.
func TestLoginRefusesInsecureRedirect(t *testing.T) {
	for _, device := range []bool{false, true} {
		name := "browser"
		if device {
			name = "device"
		}
		t.Run(name, func(t *testing.T) {
			p := newTestProvider()
			defer p.Close()
			p.set(func(p *testProvider) { p.tokenRedirect = "http://token.sigil.test/token" })
			tr := &offLoopback{}
			opts := []signer.LoginOption{signer.WithLoginIssuer(p.URL), signer.WithLoginHTTPClient(&http.Client{Transport: tr})}
			var l *signer.Login
			var err error
			if device {
				l, err = signer.NewDeviceLogin(append(opts, signer.WithDevicePrompt(func(context.Context, signer.DeviceCode) error { return nil }))...)
			} else {
				page := make(chan string, 1)
				l, err = signer.NewBrowserLogin(append(opts, signer.WithBrowser(browser(page)))...)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.IDToken(context.Background())
			step := "token exchange"
			if device {
				step = "device token"
			}
			loginErr(t, p, err, step, signer.ErrProviderResponse)
			tr.mu.Lock()
			defer tr.mu.Unlock()
			if len(tr.sent) != 0 {
				t.Fatalf("sent off the loopback interface in the clear: %q", tr.sent)
			}
		})
	}
}

// TestLoginRefusesInsecureDiscoveryRedirect: the discovery document is
// not fetched over plain http either.
func TestLoginRefusesInsecureDiscoveryRedirect(t *testing.T) {
	srv := httptest.NewServer(http.RedirectHandler("http://discovery.sigil.test/.well-known/openid-configuration", http.StatusFound))
	defer srv.Close()
	tr := &offLoopback{}
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(srv.URL), signer.WithLoginHTTPClient(&http.Client{Transport: tr}),
		signer.WithBrowser(func(string) error { t.Error("browser opened"); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.IDToken(context.Background())
	loginErr(t, nil, err, "discovery", signer.ErrProviderResponse)
	if len(tr.sent) != 0 {
		t.Fatalf("sent off the loopback interface in the clear: %q", tr.sent)
	}
}

// TestLoginRedirectPolicyKeepsCallers: the caller's own redirect policy
// still applies after sigil's.
func TestLoginRedirectPolicyKeepsCallers(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	p.set(func(p *testProvider) { p.tokenRedirect = p.URL + "/token-moved" })
	refused := errors.New("caller refuses redirects")
	calls := 0
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { calls++; return refused }}
	page := make(chan string, 1)
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginHTTPClient(hc), signer.WithBrowser(browser(page)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.IDToken(context.Background())
	loginErr(t, p, err, "token exchange", signer.ErrProviderUnavailable)
	if calls != 1 {
		t.Fatalf("the caller's CheckRedirect ran %d times, want 1", calls)
	}
}

// TestLoginWaitHonoursContext: a call that waits for another call's login
// gives up when its own context ends, with ErrLoginTimeout, while that
// login goes on.
func TestLoginWaitHonoursContext(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	opened := make(chan struct{})
	// The person never comes back: the first login waits for its timeout.
	l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithLoginTimeout(time.Minute),
		signer.WithBrowser(func(string) error { close(opened); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	first, cancelFirst := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() { _, err := l.IDToken(first); firstDone <- err }()
	<-opened
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = l.IDToken(ctx)
	select {
	case <-firstDone:
		t.Fatal("the first login ended before the second call returned")
	default:
	}
	le := loginErr(t, p, err, "wait", signer.ErrLoginTimeout)
	if !errors.Is(le, context.Canceled) {
		t.Fatalf("%v does not wrap the context's error", le)
	}
	cancelFirst()
	loginErr(t, p, <-firstDone, "callback", signer.ErrLoginTimeout)
}

// TestBrowserLoginPageArrives: the person's browser always gets the whole
// "Signed in" page, though the listener closes as soon as the redirect
// arrived. (Closing it before the handler's response was written made the
// browser see a reset connection now and then; the repetitions make that
// race show.)
func TestBrowserLoginPageArrives(t *testing.T) {
	p := newTestProvider()
	defer p.Close()
	for i := range 40 {
		page := make(chan string, 1)
		l, err := signer.NewBrowserLogin(signer.WithLoginIssuer(p.URL), signer.WithBrowser(browser(page)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.IDToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := <-page; !strings.HasPrefix(got, "200 Signed in.") {
			t.Fatalf("login %d: the browser shows %q", i, got)
		}
	}
}
