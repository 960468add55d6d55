package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/sigil-dev/sigil"

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// TestLayering enforces ARCHITECTURE.md: sign and verify never import each other
// (their one in-toto statement type is intoto's, which imports no other public package);
// bundle, trustroot, policy and signer never import sign or verify; policy
// is standard-library only. TestVerifyReachesNoNetworkClient keeps verify offline.
func TestLayering(t *testing.T) {
	forbidden := map[string][]string{
		"bundle":    {"verify", "sign", "trustroot", "policy"},
		"intoto":    {"verify", "sign", "signer", "monitor", "bundle", "trustroot", "policy", "witness"},
		"trustroot": {"verify", "sign", "bundle", "policy"},
		"policy":    {"verify", "sign", "bundle", "trustroot"},
		"verify":    {"sign", "signer", "monitor"},
		"witness":   {"verify", "sign", "signer", "monitor", "bundle", "trustroot", "policy"},
		"monitor":   {"sign", "signer", "verify"},
		"sign":      {"verify"},
		"signer":    {"sign", "verify"},
	}
	for pkg, bad := range forbidden {
		for _, d := range deps(t, pkg) {
			for _, b := range bad {
				if d == module+"/"+b || strings.HasPrefix(d, module+"/"+b+"/") {
					t.Errorf("%s imports %s", pkg, d)
				}
			}
		}
	}
	// bundle owns the mapping to and from protobuf-specs: sign builds
	// bundles from sigil's model (bundle.New) and imports none of it.
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, module+"/sign").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasPrefix(imp, "github.com/sigstore/protobuf-specs/") {
			t.Errorf("sign imports %s", imp)
		}
	}
	for _, d := range deps(t, "policy") {
		if d != module+"/policy" {
			t.Errorf("policy must be standard-library only, imports %s", d)
		}
	}
}

// TestModuleCount keeps the library's build graph small (ARCHITECTURE.md:
// under 25 modules; sigstore-go needs 81). 18 with cloudflare/circl, which
// package witness verifies ML-DSA-44 cosignatures with (Go 1.26 has no
// public ML-DSA; circl's own requirements, x/crypto and x/sys, were
// already in the graph), up from 17.
func TestModuleCount(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}",
		module+"/bundle", module+"/trustroot", module+"/policy", module+"/verify",
		module+"/signer", module+"/sign", module+"/intoto").Output()
	if err != nil {
		t.Fatal(err)
	}
	mods := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		mods[m] = true
	}
	if len(mods) >= 25 {
		t.Fatalf("%d modules in the build graph: %v", len(mods), mods)
	}
	t.Logf("%d modules: %v", len(mods), mods)
}
