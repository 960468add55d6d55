// Package samples gives tests the real requests and responses recorded
// from the local Sigstore stack in scripts/services/samples (see its
// README.md): the files, the trusted root of that run, and its signing
// event.
//
// Functions take a testing.TB and fail it on error; with a nil TB (in
// Example functions) they panic instead.
package samples

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sigil-dev/sigil/trustroot"
)

// Dir is the samples directory.
var Dir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "services", "samples")
}()

func check(tb testing.TB, err error) {
	if err == nil {
		return
	}
	if tb == nil {
		panic(err)
	}
	tb.Helper()
	tb.Fatal(err)
}

// Read returns the sample file name.
func Read(tb testing.TB, name string) []byte {
	if tb != nil {
		tb.Helper()
	}
	b, err := os.ReadFile(filepath.Join(Dir, name))
	check(tb, err)
	return b
}

// Root returns the trusted root of the recorded run (trusted_root.json).
func Root(tb testing.TB) *trustroot.TrustedRoot {
	if tb != nil {
		tb.Helper()
	}
	r, err := trustroot.ParseJSON(Read(tb, "trusted_root.json"))
	check(tb, err)
	return r
}

// Event is the signing event every recorded service call is about: the
// signature of artifact.txt by the key of signer.pub, which the recorded
// Fulcio leaf certifies.
type Event struct {
	Certificate *x509.Certificate // the Fulcio leaf, as logged in rekor1-request.json
	PublicKey   crypto.PublicKey  // signer.pub
	Signature   []byte            // artifact.sig, ASN.1 DER ECDSA
	Digest      []byte            // SHA-256 of artifact.txt
}

// SigningEvent returns the recorded signing event.
func SigningEvent(tb testing.TB) *Event {
	if tb != nil {
		tb.Helper()
	}
	var req struct {
		Spec struct {
			Signature struct {
				PublicKey struct {
					Content []byte `json:"content"`
				} `json:"publicKey"`
			} `json:"signature"`
		} `json:"spec"`
	}
	check(tb, json.Unmarshal(Read(tb, "rekor1-request.json"), &req))
	cert, err := parsePEM(req.Spec.Signature.PublicKey.Content, x509.ParseCertificate)
	check(tb, err)
	pub, err := parsePEM(Read(tb, "signer.pub"), x509.ParsePKIXPublicKey)
	check(tb, err)
	d := sha256.Sum256(Read(tb, "artifact.txt"))
	return &Event{Certificate: cert, PublicKey: pub, Signature: Read(tb, "artifact.sig"), Digest: d[:]}
}

func parsePEM[T any](data []byte, parse func([]byte) (T, error)) (T, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		var zero T
		return zero, errors.New("samples: no PEM block")
	}
	return parse(b.Bytes)
}

// ClientFor returns an HTTP client that sends every request, whatever its
// URL, to the test server srv: a replay server can then stand in for a
// service at its recorded address (Rekor v2 checkpoints name the host of the
// log's URL, so the trusted root's URL cannot be rewritten to the server's).
func ClientFor(srv *httptest.Server) *http.Client {
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}
}
