// Package integration holds sigil's integration tests: every adoption stage
// signed against the real local Sigstore stack (Fulcio with a CT log, Rekor v1
// and v2, a timestamp authority, an OIDC issuer) that scripts/services starts
// in a private network namespace, then verified with package verify against
// the trusted root generated for that stack.
//
// Without a running stack the tests skip, saying why; with
// SIGIL_REQUIRE_SERVICES=1 (as scripts/test and .ci/run set) they fail
// instead. See scripts/services/README.md.
package integration
