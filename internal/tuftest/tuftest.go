// Package tuftest serves minimal TUF repositories for tests and examples:
// one version of each role, one Ed25519 key for all of them, and one
// target, trusted_root.json, as a private Sigstore deployment would
// publish it.
package tuftest

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Serve starts a server for a repository whose trusted_root.json target is
// trustedRoot and whose metadata expires in 24 hours. It returns the server
// (the caller closes it) and the repository's initial root.json, which
// clients get out of band.
func Serve(trustedRoot []byte) (*httptest.Server, []byte, error) {
	expires := time.Now().Add(24 * time.Hour)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	signer, err := signature.LoadED25519Signer(priv)
	if err != nil {
		return nil, nil, err
	}
	key, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		return nil, nil, err
	}
	root := metadata.Root(expires) // version 1, consistent snapshots
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(key, role); err != nil {
			return nil, nil, err
		}
	}
	targets := metadata.Targets(expires)
	target, err := metadata.TargetFile().FromBytes("trusted_root.json", trustedRoot)
	if err != nil {
		return nil, nil, err
	}
	targets.Signed.Targets["trusted_root.json"] = target
	files := map[string][]byte{"targets/" + target.Hashes["sha256"].String() + ".trusted_root.json": trustedRoot}
	for name, m := range map[string]interface {
		Sign(signature.Signer) (*metadata.Signature, error)
		ToBytes(pretty bool) ([]byte, error)
	}{"1.root.json": root, "1.targets.json": targets, "1.snapshot.json": metadata.Snapshot(expires), "timestamp.json": metadata.Timestamp(expires)} {
		if _, err := m.Sign(signer); err != nil {
			return nil, nil, err
		}
		if files[name], err = m.ToBytes(false); err != nil {
			return nil, nil, err
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[strings.TrimPrefix(r.URL.Path, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	return srv, files["1.root.json"], nil
}
