package trustroot_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/sigil-dev/sigil/trustroot"
)

// serveRepository serves a minimal TUF repository, as a private Sigstore
// deployment would, whose one target is trustedRoot. It returns the server
// and the repository's initial root.json, which clients get out of band.
func serveRepository(trustedRoot []byte) (*httptest.Server, []byte) {
	expires := time.Now().Add(24 * time.Hour)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	signer, err := signature.LoadED25519Signer(priv)
	if err != nil {
		log.Fatal(err)
	}
	key, err := metadata.KeyFromPublicKey(pub)
	if err != nil {
		log.Fatal(err)
	}
	root := metadata.Root(expires) // version 1, consistent snapshots
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(key, role); err != nil { // one key for all roles, for brevity
			log.Fatal(err)
		}
	}
	targets := metadata.Targets(expires)
	target, err := metadata.TargetFile().FromBytes("trusted_root.json", trustedRoot)
	if err != nil {
		log.Fatal(err)
	}
	targets.Signed.Targets["trusted_root.json"] = target
	snapshot, timestamp := metadata.Snapshot(expires), metadata.Timestamp(expires)

	files := map[string][]byte{"targets/" + target.Hashes["sha256"].String() + ".trusted_root.json": trustedRoot}
	for name, m := range map[string]interface {
		Sign(signature.Signer) (*metadata.Signature, error)
		ToBytes(pretty bool) ([]byte, error)
	}{"1.root.json": root, "1.targets.json": targets, "1.snapshot.json": snapshot, "timestamp.json": timestamp} {
		if _, err := m.Sign(signer); err != nil {
			log.Fatal(err)
		}
		if files[name], err = m.ToBytes(false); err != nil {
			log.Fatal(err)
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
	return srv, files["1.root.json"]
}

func ExampleFromTUF() {
	trustedRoot, err := os.ReadFile("../testdata/conformance/trusted_roots/production.trusted_root.json")
	if err != nil {
		log.Fatal(err)
	}
	srv, initialRoot := serveRepository(trustedRoot)
	defer srv.Close()
	cacheDir, err := os.MkdirTemp("", "sigil-tuf-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(cacheDir)

	// The first call fetches and verifies, the second is served by the cache
	// (verified again, no network) within the 24-hour freshness window.
	opts := []trustroot.TUFOption{trustroot.TUFRepository(srv.URL, initialRoot), trustroot.TUFCacheDir(cacheDir)}
	for range 2 {
		root, err := trustroot.FromTUF(context.Background(), opts...)
		if err != nil {
			log.Fatal(err)
		}
		status, _ := root.TUFStatus()
		fmt.Printf("from the %s (root version %d): %d transparency logs, %d certificate authorities\n",
			status.Source, status.RootVersion, len(root.TransparencyLogs()), len(root.CertificateAuthorities()))
	}
	// Output:
	// from the repository (root version 1): 2 transparency logs, 2 certificate authorities
	// from the cache (root version 1): 2 transparency logs, 2 certificate authorities
}
