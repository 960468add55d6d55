// Package layering holds no code: its test keeps sigil's package graph as
// ARCHITECTURE.md draws it.
package layering
