// Package readme holds no code: its test compiles the Go snippets of the
// repository's README.md against the current API, so the README cannot drift.
package readme
