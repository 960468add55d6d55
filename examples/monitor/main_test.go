package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/testservices"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-state", t.TempDir()},
		{"-state", t.TempDir(), "-trusted-root", "a", "-trust-config", "b"},
		{"-state", t.TempDir(), "-trusted-root", "a", "-once", "-interval", "1s"},
		{"-state", t.TempDir(), "-trusted-root", "a", "extra"},
		{"-bogus"},
	} {
		var stderr bytes.Buffer
		if got := run(context.Background(), args, &bytes.Buffer{}, &stderr); got != exitUsage {
			t.Errorf("%q: exit %d, want %d (%s)", args, got, exitUsage, stderr.String())
		}
	}
}

// lines decodes JSON lines.
func lines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var ls []map[string]any
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		ls = append(ls, m)
	}
	return ls
}

// The CLI against the stack: a first run records both logs' checkpoints, a
// second one reports the entries signed by a watched key in between (in
// both logs), and a run through a proxy serving an older Rekor v2
// checkpoint exits 3 with the inconsistency on stdout.
func TestLive(t *testing.T) {
	s := testservices.Require(t)
	root, err := trustroot.FromFile(s.TrustConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	keyFile := filepath.Join(dir, "key.pub")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	base := []string{"-trust-config", s.TrustConfigPath, "-state", state, "-read-url", s.RekorV2URL + "=" + s.RekorV2ReadURL, "-key", keyFile, "-from-now"}

	var stdout, stderr bytes.Buffer
	if got := run(t.Context(), append(base, "-once"), &stdout, &stderr); got != exitOK {
		t.Fatalf("first run: exit %d: %s", got, stderr.String())
	}
	first := lines(t, stdout.Bytes())
	if len(first) != 2 || first[0]["type"] != "checkpoint" || first[1]["type"] != "checkpoint" {
		t.Fatalf("first run: %s", stdout.String())
	}

	cred, err := signer.FromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	rekor1, err := sign.NewRekor(root, s.RekorV1URL)
	if err != nil {
		t.Fatal(err)
	}
	rekor2, err := sign.NewRekorV2(root, s.RekorV2URL)
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := sign.NewTimestampAuthority(root, s.TSAURL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.NewBundleBuilder(cred, sign.WithTransparencyLog(rekor1), sign.WithTransparencyLog(rekor2), sign.WithTimestamper(tsa))
	if err != nil {
		t.Fatal(err)
	}
	art := fmt.Appendf(nil, "monitor CLI test %d", time.Now().UnixNano())
	if _, err := b.SignArtifact(t.Context(), bytes.NewReader(art)); err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(art)

	// rekor-tiles publishes its checkpoint every second.
	var matches []map[string]any
	for range 30 {
		stdout.Reset()
		if got := run(t.Context(), append(base, "-digest", fmt.Sprintf("sha256:%x", d)), &stdout, &stderr); got != exitOK {
			t.Fatalf("second run: exit %d: %s", got, stderr.String())
		}
		for _, l := range lines(t, stdout.Bytes()) {
			if l["type"] == "match" {
				matches = append(matches, l)
			}
		}
		if len(matches) >= 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	logsMatched := map[any]bool{}
	for _, m := range matches {
		logsMatched[m["log"]] = true
		if !strings.Contains(fmt.Sprint(m["reasons"]), "public key") || !strings.Contains(fmt.Sprint(m["reasons"]), "digest") {
			t.Errorf("match %v", m)
		}
	}
	if len(matches) != 2 || !logsMatched[s.RekorV1URL] || !logsMatched[s.RekorV2URL] {
		t.Fatalf("matches: %v", matches)
	}

	// A proxy that serves Rekor v2's first checkpoint again: a rollback.
	old := first[0]
	if old["log"] != s.RekorV2URL {
		old = first[1]
	}
	stale := old["new"].(map[string]any)["checkpoint"].(string)
	u, _ := url.Parse(s.RekorV2ReadURL)
	rp := httputil.NewSingleHostReverseProxy(u)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/checkpoint" {
			w.Write([]byte(stale))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	stdout.Reset()
	args := []string{"-trust-config", s.TrustConfigPath, "-state", state, "-read-url", s.RekorV2URL + "=" + proxy.URL, "-once"}
	if got := run(t.Context(), args, &stdout, &stderr); got != exitInconsistent {
		t.Fatalf("rollback: exit %d: %s %s", got, stdout.String(), stderr.String())
	}
	found := false
	for _, l := range lines(t, stdout.Bytes()) {
		if l["type"] == "inconsistency" && l["reason"] == "rollback" && l["log"] == s.RekorV2URL && l["old"] != nil && l["new"] != nil {
			found = true
		}
	}
	if !found {
		t.Fatalf("no rollback reported: %s", stdout.String())
	}
}
