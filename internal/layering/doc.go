// Package layering holds no code: its test keeps sigil's package graph as
// DESIGN.md draws it.
package layering
