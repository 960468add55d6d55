package readme

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// freeVariables are what the README's snippets use without declaring: the
// caller's inputs.
const freeVariables = `
	var (
		bundleJSON []byte          // the bundle file's contents
		f          *os.File        // the artifact
		ctx        context.Context // the caller's context
	)
`

// extraImports are the packages the README's later snippets use besides
// those its first snippet imports.
var extraImports = []string{"context", "os", "time",
	"github.com/sigil-dev/sigil/sign", "github.com/sigil-dev/sigil/signer"}

var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// snippetProgram joins the README's Go blocks, in order, into one program:
// the import blocks become its imports, the rest the body of main.
func snippetProgram(t *testing.T, readme string) string {
	t.Helper()
	blocks := goBlock.FindAllStringSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go blocks")
	}
	imports := map[string]bool{}
	for _, p := range extraImports {
		imports[p] = true
	}
	importBlock := regexp.MustCompile(`(?s)import \((.*?)\)\n`)
	var body strings.Builder
	for i, b := range blocks {
		code := b[1]
		for _, m := range importBlock.FindAllStringSubmatch(code, -1) {
			for _, line := range strings.Fields(m[1]) {
				imports[strings.Trim(line, `"`)] = true
			}
		}
		// Each later block is a scope of its own inside the earlier ones:
		// it sees their variables and may reuse their names.
		if i > 0 {
			body.WriteString("{\n")
		}
		body.WriteString(importBlock.ReplaceAllString(code, ""))
		body.WriteString("\n")
	}
	body.WriteString(strings.Repeat("}\n", len(blocks)-1))
	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	for p := range imports {
		src.WriteString("\t\"" + p + "\"\n")
	}
	src.WriteString(")\n\nfunc main() {\n" + freeVariables + body.String() + "}\n")
	return src.String()
}

// compileErrors type-checks src as a main package of this module and
// returns its errors, except unused variables and imports (the snippets are
// fragments).
func compileErrors(t *testing.T, src string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The program is laid over a directory of this module with -overlay, so
	// it builds against the working tree's packages.
	target, err := filepath.Abs("snippet/main.go")
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{target: file}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "build", "-overlay", overlayFile, "-gcflags=-e", "-o", os.DevNull, "./snippet").CombinedOutput()
	if err == nil {
		return nil
	}
	var errs []string
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || strings.HasPrefix(line, "# ") || strings.Contains(line, "declared and not used") ||
			strings.Contains(line, "imported and not used") {
			continue
		}
		errs = append(errs, line)
	}
	return errs
}

// TestREADMESnippetsCompile compiles the README's Go snippets against the
// module's current API.
func TestREADMESnippetsCompile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src := snippetProgram(t, string(readme))
	if errs := compileErrors(t, src); len(errs) > 0 {
		t.Errorf("README snippets do not compile:\n%s\n\nprogram:\n%s", strings.Join(errs, "\n"), src)
	}
}

// TestREADMESnippetCheckFails shows the check above can fail: a call that
// does not exist in the API is reported, an unused variable is not.
func TestREADMESnippetCheckFails(t *testing.T) {
	src := snippetProgram(t, "```go\nimport (\n\t\"github.com/sigil-dev/sigil/verify\"\n)\n\nv, err := verify.NoSuchFunction()\n```\n")
	errs := compileErrors(t, src)
	if len(errs) != 1 || !strings.Contains(errs[0], "undefined: verify.NoSuchFunction") {
		t.Fatalf("errors %q, want one naming verify.NoSuchFunction", errs)
	}
}
