package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// graph maps an import path to the packages it imports directly.
type graph map[string][]string

// importGraph returns the import graph of pkgs and everything they link,
// standard library included.
func importGraph(t *testing.T, pkgs ...string) graph {
	t.Helper()
	args := []string{"list", "-deps", "-json=ImportPath,Imports"}
	for _, p := range pkgs {
		args = append(args, module+"/"+p)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	g := graph{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		g[p.ImportPath] = p.Imports
	}
	return g
}

// forbiddenPaths returns, for every package in forbidden that from reaches
// without passing through a package in boundary, one import path from from
// to it.
func (g graph) forbiddenPaths(from string, boundary, forbidden []string) [][]string {
	var found [][]string
	seen := map[string]bool{from: true}
	parent := map[string]string{}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if slices.Contains(forbidden, p) {
			path := []string{p}
			for q := p; q != from; {
				q = parent[q]
				path = append([]string{q}, path...)
			}
			found = append(found, path)
			continue
		}
		for _, d := range g[p] {
			if seen[d] || slices.Contains(boundary, d) {
				continue
			}
			seen[d] = true
			parent[d] = p
			queue = append(queue, d)
		}
	}
	return found
}

// networkClients are the packages through which Go code talks to a network:
// the standard library's clients and sigil's own service clients. Package net
// itself is not one of them: crypto/x509 imports it for net.IP.
var networkClients = []string{
	"net/http", "net/rpc", "crypto/tls", "net/smtp",
	module + "/internal/httpx",
	module + "/internal/fulcioclient",
	module + "/monitor",
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher",
	"github.com/theupdateframework/go-tuf/v2/metadata/updater",
}

// TestVerifyReachesNoNetworkClient: Verify is offline. The verify package
// links trustroot, whose FromTUF is the one trustroot entry point that uses
// the network (ARCHITECTURE.md; trustroot's TestTUFNetworkOnlyInTUFFiles
// keeps that code in trustroot/tuf*.go), so trustroot is the boundary of the
// walk; every other path from verify to a network client fails the test.
func TestVerifyReachesNoNetworkClient(t *testing.T) {
	g := importGraph(t, "verify")
	boundary := []string{module + "/trustroot"}
	for _, path := range g.forbiddenPaths(module+"/verify", boundary, networkClients) {
		t.Errorf("verify reaches a network client: %s", strings.Join(path, " -> "))
	}
}

// TestForbiddenPathsFindsNetworkClients shows the check above can fail: sign
// talks to services, and the same walk from sign finds net/http through
// sigil's HTTP client.
func TestForbiddenPathsFindsNetworkClients(t *testing.T) {
	g := importGraph(t, "sign")
	paths := g.forbiddenPaths(module+"/sign", []string{module + "/trustroot"}, networkClients)
	var viaHTTPX bool
	for _, p := range paths {
		if slices.Contains(p, module+"/internal/httpx") || p[len(p)-1] == module+"/internal/httpx" {
			viaHTTPX = true
		}
	}
	if !viaHTTPX {
		t.Fatalf("the walk from sign found no path through internal/httpx: %v", paths)
	}
	// A synthetic graph: a direct import is found, one behind the boundary is not.
	s := graph{"a": {"b", "x"}, "b": {"net/http"}, "x": {"net/http"}}
	if got := s.forbiddenPaths("a", []string{"x"}, networkClients); len(got) != 1 || strings.Join(got[0], " ") != "a b net/http" {
		t.Errorf("synthetic graph: %v, want [[a b net/http]]", got)
	}
}
