package integration_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/monitor"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/trustroot"
)

// monitoredLogs returns the stack's Rekor v1 and v2 logs as the monitor
// sees them (Rekor v2 read through the stack's tiles server).
func (e *env) monitoredLogs(t *testing.T) map[string]*monitor.Log {
	t.Helper()
	find := func(u string) *trustroot.TrustedLog {
		for _, l := range e.root.TransparencyLogs() {
			if l.BaseURL == u {
				return l
			}
		}
		t.Fatalf("no log %s in the trusted root", u)
		return nil
	}
	return map[string]*monitor.Log{
		"rekor-v1": {Log: find(e.s.RekorV1URL), API: monitor.RekorV1},
		"rekor-v2": {Log: find(e.s.RekorV2URL), API: monitor.TLogTiles, ReadURL: e.s.RekorV2ReadURL},
	}
}

// signTo signs a fresh artifact with b and returns its SHA-256.
func signTo(t *testing.T, b *sign.BundleBuilder) []byte {
	t.Helper()
	art := make([]byte, 32)
	rand.Read(art)
	if _, err := b.SignArtifact(t.Context(), bytes.NewReader(art)); err != nil {
		t.Fatalf("SignArtifact: %v", err)
	}
	d := sha256.Sum256(art)
	return d[:]
}

// The monitor follows the real Rekor v1 and rekor-tiles: consistency
// between its checks, and the entries appended meanwhile found by identity
// (keyless, Fulcio), by key and by digest; a restart resumes where it
// stopped.
func TestMonitorRealLogs(t *testing.T) {
	e := setup(t)
	for name, l := range e.monitoredLogs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			m, err := monitor.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			var tlog sign.Option
			opts := []sign.Option{}
			if l.API == monitor.RekorV1 {
				tlog = sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL))
			} else {
				tlog = sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL))
				opts = append(opts, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)))
			}
			key := newKey(t, "p256")
			byKey, err := sign.NewBundleBuilder(credential(t, key), append(opts, tlog)...)
			if err != nil {
				t.Fatal(err)
			}
			keyless, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")), append(opts, tlog, sign.WithCertificateProvider(e.fulcio(t)))...)
			if err != nil {
				t.Fatal(err)
			}
			// An entry signed before the monitor starts watching: skipped,
			// never reported, though the key is watched.
			before := checkUntil(t, probeMonitor(t), l, 0).New.Size
			signTo(t, byKey)
			waitSize(t, l, before+1)
			first, err := m.Check(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			skipped, err := m.SkipEntries(t.Context(), l)
			if err != nil || skipped != first.New.Size {
				t.Fatalf("SkipEntries = %d, %v; want %d", skipped, err, first.New.Size)
			}

			keyDigest := signTo(t, byKey)
			identityDigest := signTo(t, keyless)
			other := signTo(t, byKey)

			upd := checkUntil(t, m, l, first.New.Size+3)
			if upd.Old == nil || upd.Old.Size != first.New.Size || upd.New.Size < first.New.Size+3 {
				t.Fatalf("update %d -> %d", upd.Old.Size, upd.New.Size)
			}
			list := &monitor.WatchList{
				Identities: []policy.Policy{policy.Identity(e.s.OIDCURL, emailIssuerSAN)},
				PublicKeys: []crypto.PublicKey{key.Public()},
				Digests:    []monitor.Digest{{Alg: crypto.SHA256, Value: keyDigest}, {Alg: crypto.SHA256, Value: identityDigest}},
			}
			var got []monitor.Match
			n, err := m.Watch(t.Context(), l, list, 2, func(mt monitor.Match) error { got = append(got, mt); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if n != upd.New.Size-first.New.Size {
				t.Fatalf("read %d entries, want %d", n, upd.New.Size-first.New.Size)
			}
			// Other tests of this package sign as the same identity into the
			// same logs while this one runs: a match on the identity alone is
			// theirs (this test's keyless entry also matches its digest).
			ours := got[:0]
			for _, mt := range got {
				if len(mt.Reasons) == 1 && strings.HasPrefix(mt.Reasons[0], "identity ") {
					continue
				}
				ours = append(ours, mt)
			}
			got = ours
			reasons := map[string]bool{}
			for _, mt := range got {
				if mt.Index < first.New.Size || mt.BaseURL != l.Log.BaseURL || mt.Kind != map[bool]string{true: "hashedrekord/0.0.1", false: "hashedrekord/0.0.2"}[l.API == monitor.RekorV1] {
					t.Errorf("match %d %s %s", mt.Index, mt.BaseURL, mt.Kind)
				}
				if l.API == monitor.RekorV1 && mt.Time.IsZero() {
					t.Errorf("Rekor v1 match %d without integrated time", mt.Index)
				}
				for _, r := range mt.Reasons {
					reasons[strings.SplitN(r, " ", 2)[0]] = true
					if strings.Contains(r, fmt.Sprintf("%x", other)) {
						t.Errorf("unwatched digest matched: %s", r)
					}
				}
			}
			if len(got) != 3 || !reasons["identity"] || !reasons["public"] || !reasons["digest"] {
				t.Fatalf("%d matches, reasons %v", len(got), reasons)
			}

			// A restarted monitor (new process, same state) reads only
			// what was appended since.
			m2, err := monitor.New(dir)
			if err != nil {
				t.Fatal(err)
			}
			signTo(t, keyless)
			checkUntil(t, m2, l, upd.New.Size+1)
			got = nil
			n, err = m2.Watch(t.Context(), l, list, 2, func(mt monitor.Match) error { got = append(got, mt); return nil })
			if err != nil || n < 1 || len(got) != 1 || !strings.HasPrefix(got[0].Reasons[0], "identity") {
				t.Fatalf("after restart: read %d, %v, matches %+v", n, err, got)
			}
		})
	}
}

// checkUntil checks l until its checkpoint has at least size entries
// (rekor-tiles publishes a checkpoint every second).
func checkUntil(t *testing.T, m *monitor.Monitor, l *monitor.Log, size uint64) *monitor.Update {
	t.Helper()
	var first *monitor.Update
	for range 50 {
		u, err := m.Check(t.Context(), l)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = u
		}
		if u.New.Size >= size {
			first.New = u.New
			return first
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("log %s did not reach size %d", l.Log.BaseURL, size)
	return nil
}

// probeMonitor is a monitor of its own, whose state nothing else uses.
func probeMonitor(t *testing.T) *monitor.Monitor {
	t.Helper()
	m, err := monitor.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitSize waits until l publishes a checkpoint of at least size entries,
// without checking it (so the monitor's state stays where it is).
func waitSize(t *testing.T, l *monitor.Log, size uint64) {
	t.Helper()
	checkUntil(t, probeMonitor(t), l, size)
}

// tamperProxy serves target, letting tamper rewrite the bodies of the
// paths it chooses.
func tamperProxy(t *testing.T, target string, tamper func(path string, body []byte) []byte) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.StatusCode == http.StatusOK {
				body = tamper(resp.Request.URL.Path, body)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A log that rewrites history is caught with evidence and the state stays:
// Rekor v2 through a proxy serving a rewritten hash tile, Rekor v1 through
// a proxy altering its consistency proof, and each serving a stale (older)
// checkpoint (a rollback).
func TestMonitorRealLogsInconsistent(t *testing.T) {
	e := setup(t)
	for name, l := range e.monitoredLogs(t) {
		t.Run(name, func(t *testing.T) {
			m, err := monitor.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var tlog sign.Option
			opts := []sign.Option{}
			if l.API == monitor.RekorV1 {
				tlog = sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL))
			} else {
				tlog = sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL))
				opts = append(opts, sign.WithTimestamper(e.tsa(t, e.s.TSAURL)))
			}
			b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")), append(opts, tlog)...)
			if err != nil {
				t.Fatal(err)
			}
			signTo(t, b)
			base, err := m.Check(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			signTo(t, b)
			signTo(t, b)
			waitSize(t, l, base.New.Size+2)

			read := l.ReadURL
			if read == "" {
				read = l.Log.BaseURL
			}
			var stale atomic.Pointer[[]byte]
			bad := *l
			bad.ReadURL = tamperProxy(t, read, func(p string, body []byte) []byte {
				switch {
				case strings.HasPrefix(p, "/tile/") && !strings.HasPrefix(p, "/tile/entries/"):
					for i := 0; i < len(body); i += 32 {
						body[i] ^= 1 // a rewritten hash tile: every hash
					}
				case p == "/api/v1/log/proof":
					if i := bytes.Index(body, []byte(`"hashes":["`)); i >= 0 {
						j := i + len(`"hashes":["`)
						body[j] = "10"[body[j]&1] // another hex digit
					}
				case (p == "/checkpoint" || p == "/api/v1/log") && stale.Load() != nil:
					return *stale.Load()
				}
				return body
			})
			_, err = m.Check(t.Context(), &bad)
			var ie *monitor.InconsistencyError
			if !errors.As(err, &ie) || ie.Reason != "bad consistency proof" || ie.Old.Size != base.New.Size || ie.New.Size <= base.New.Size {
				t.Fatalf("tampered proof: err = %v", err)
			}
			// The state did not move: the honest log still checks from
			// the same checkpoint.
			upd, err := m.Check(t.Context(), l)
			if err != nil || upd.Old.Size != base.New.Size {
				t.Fatalf("honest check after the inconsistency: %+v, %v", upd, err)
			}

			// Rollback: the proxy now serves the older checkpoint.
			old := body(t, read, l.API, base.New.Envelope)
			stale.Store(&old)
			_, err = m.Check(t.Context(), &bad)
			if !errors.As(err, &ie) || ie.Reason != "rollback" || ie.New.Size != base.New.Size || ie.Old.Size != upd.New.Size {
				t.Fatalf("rollback: err = %v", err)
			}
		})
	}
}

// body returns what the log's checkpoint endpoint would serve for the given
// checkpoint envelope.
func body(t *testing.T, _ string, api monitor.API, envelope []byte) []byte {
	t.Helper()
	if api == monitor.TLogTiles {
		return envelope
	}
	return fmt.Appendf(nil, `{"signedTreeHead":%q}`, envelope)
}

// SkipEntries binds the range it takes from the real logs (Rekor v1: an
// inclusion proof's left siblings and the last leaf) at successive sizes,
// odd and even.
func TestMonitorSkipEntriesSizes(t *testing.T) {
	e := setup(t)
	logs := e.monitoredLogs(t)
	b, err := sign.NewBundleBuilder(credential(t, newKey(t, "p256")),
		sign.WithTransparencyLog(e.rekorV1(t, e.s.RekorV1URL)), sign.WithTransparencyLog(e.rekorV2(t, e.s.RekorV2URL)),
		sign.WithTimestamper(e.tsa(t, e.s.TSAURL)))
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		signTo(t, b)
		for name, l := range logs {
			m := probeMonitor(t)
			u, err := m.Check(t.Context(), l)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := m.SkipEntries(t.Context(), l); err != nil || n != u.New.Size {
				t.Fatalf("%s at size %d: SkipEntries = %d, %v", name, u.New.Size, n, err)
			}
		}
	}
}
