package trustroot_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/sigil-dev/sigil/internal/tuftest"
	"github.com/sigil-dev/sigil/trustroot"
)

// serveRepository serves a minimal TUF repository, as a private Sigstore
// deployment would, whose one target is trustedRoot. It returns the server
// and the repository's initial root.json, which clients get out of band.
func serveRepository(trustedRoot []byte) (*httptest.Server, []byte) {
	srv, initialRoot, err := tuftest.Serve(trustedRoot)
	if err != nil {
		log.Fatal(err)
	}
	return srv, initialRoot
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

// DefaultTUFCacheDir says where FromTUF keeps a repository's cache, for
// example to inspect or remove it.
func ExampleDefaultTUFCacheDir() {
	base, err := os.UserCacheDir()
	if err != nil {
		log.Fatal(err)
	}
	for _, u := range []string{trustroot.TUFProductionURL, "https://tuf.example/repo"} {
		dir, err := trustroot.DefaultTUFCacheDir(u)
		if err != nil {
			log.Fatal(err)
		}
		rel, err := filepath.Rel(base, dir)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(filepath.ToSlash(rel))
	}
	// Output:
	// sigil/tuf/tuf-repo-cdn.sigstore.dev
	// sigil/tuf/tuf.example_2Frepo
}
