package interop_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-dev/sigil/internal/testservices"
)

// The pinned clients (scripts/install-interop installs these versions).
const (
	cosignVersion = "v3.1.3"
	js4           = "sigstore-js-4.1.1"
	js5           = "sigstore-js-5.0.1"
)

// jsClient is one installed sigstore-js version and the Node that runs it.
type jsClient struct {
	name     string // js4 or js5
	node     string // the node binary
	nodePath string // its node_modules (NODE_PATH for verify.js)
	pkg      string // the sigstore package version it must be
	nodeWant string // the Node major version it is checked on
}

// tools are the other clients, found where scripts/install-interop put them.
type tools struct {
	cosign string
	js     []jsClient
	script string // js/verify.js
}

// requireTools returns the installed clients. If one is missing it skips
// the test, or fails it when SIGIL_REQUIRE_SERVICES is set, like
// testservices.Require.
func requireTools(t *testing.T) *tools {
	t.Helper()
	tl, err := findTools()
	if err == nil {
		return tl
	}
	if testservices.Required() {
		t.Fatalf("SIGIL_REQUIRE_SERVICES is set but the interop clients are missing: %v (run scripts/install-interop)", err)
	}
	t.Skipf("interop clients missing (run scripts/install-interop; SIGIL_REQUIRE_SERVICES=1 makes this a failure): %v", err)
	return nil
}

func findTools() (*tools, error) {
	dir := os.Getenv("SIGIL_INTEROP_DIR")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(home, ".cache", "sigil", "interop")
	}
	script, err := filepath.Abs(filepath.Join("js", "verify.js"))
	if err != nil {
		return nil, err
	}
	system, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node (Node 20, for %s): %w", js4, err)
	}
	tl := &tools{
		cosign: filepath.Join(dir, "bin", "cosign"),
		script: script,
		js: []jsClient{
			{name: js4, node: system, nodePath: filepath.Join(dir, "sigstore-js-4", "node_modules"), pkg: "4.1.1", nodeWant: "v20."},
			{name: js5, node: filepath.Join(dir, "sigstore-js-5", "node_modules", ".bin", "node"), nodePath: filepath.Join(dir, "sigstore-js-5", "node_modules"), pkg: "5.0.1", nodeWant: "v22."},
		},
	}
	out, err := exec.Command(tl.cosign, "version", "--json").Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tl.cosign, err)
	}
	var v struct{ GitVersion string }
	if err := json.Unmarshal(out, &v); err != nil || v.GitVersion != cosignVersion {
		return nil, fmt.Errorf("%s is %q, want %s (%v)", tl.cosign, v.GitVersion, cosignVersion, err)
	}
	for _, c := range tl.js {
		nv, err := exec.Command(c.node, "--version").Output()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.node, err)
		}
		if !strings.HasPrefix(string(nv), c.nodeWant) {
			return nil, fmt.Errorf("%s: node %s, want %sx", c.name, bytes.TrimSpace(nv), c.nodeWant)
		}
		pj, err := os.ReadFile(filepath.Join(c.nodePath, "sigstore", "package.json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		var p struct{ Version string }
		if err := json.Unmarshal(pj, &p); err != nil || p.Version != c.pkg {
			return nil, fmt.Errorf("%s: sigstore package is %q, want %s (%v)", c.name, p.Version, c.pkg, err)
		}
	}
	return tl, nil
}

// runCosign runs cosign with args in dir, with a private HOME (cosign caches
// TUF metadata there; with --trusted-root and --signing-config it needs
// none) and the password of imported keys. It returns the combined output.
func (tl *tools) runCosign(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tl.cosign, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "COSIGN_PASSWORD="+cosignPassword, "COSIGN_YES=true")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cosignPassword encrypts the keys imported into cosign (a test key).
const cosignPassword = "interop"

// jsCase is one verification for verify.js.
type jsCase struct {
	ID                 string `json:"id"`
	Bundle             string `json:"bundle"`
	Artifact           string `json:"artifact,omitempty"`
	TrustedRoot        string `json:"trustedRoot"`
	Key                string `json:"key,omitempty"`
	SAN                string `json:"san,omitempty"`
	Issuer             string `json:"issuer,omitempty"`
	TlogThreshold      int    `json:"tlogThreshold"`
	CTLogThreshold     int    `json:"ctlogThreshold"`
	TimestampThreshold int    `json:"timestampThreshold"`
}

type jsResult struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// runJS verifies cases with one sigstore-js version in one Node process.
func (tl *tools) runJS(ctx context.Context, c jsClient, dir string, cases []jsCase) (map[string]jsResult, error) {
	in := filepath.Join(dir, c.name+"-cases.json")
	data, err := json.Marshal(cases)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.node, tl.script, in)
	cmd.Env = append(os.Environ(), "NODE_PATH="+c.nodePath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", c.name, err, stderr.Bytes())
	}
	res := map[string]jsResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r jsResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: output line %q: %v", c.name, sc.Bytes(), err)
		}
		res[r.ID] = r
	}
	if len(res) != len(cases) {
		return nil, fmt.Errorf("%s: %d results for %d cases; stderr: %s", c.name, len(res), len(cases), stderr.Bytes())
	}
	return res, nil
}
