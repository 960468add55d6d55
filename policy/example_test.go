package policy_test

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/sigil-dev/sigil/policy"
)

// The examples judge the leaf certificate of a real Sigstore bundle, signed
// by a GitHub Actions workflow through the public-good Fulcio. Package verify
// builds the Input after verifying the bundle; here it comes straight from
// the file.

// happyPath returns the verified facts of
// ../testdata/conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json.
func happyPath() *policy.Input {
	c, err := readBundleCert(happyPathBundle)
	if err != nil {
		panic(err)
	}
	return &policy.Input{Certificate: c, PublicKey: c.PublicKey}
}

// check evaluates p on in and prints the verdict.
func check(p policy.Policy, in *policy.Input) {
	if err := p.Evaluate(in); err != nil {
		fmt.Println("fail:", err)
		return
	}
	fmt.Println("pass")
}

func ExampleIdentity() {
	in := happyPath()

	p := policy.Identity(
		"https://token.actions.githubusercontent.com",
		"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
	)
	check(p, in)

	// The same workflow, but signed through a different OIDC issuer.
	p = policy.Identity(
		"https://accounts.google.com",
		"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
	)
	err := p.Evaluate(in)
	var v *policy.ViolationError
	if errors.As(err, &v) {
		fmt.Println("fail:", v.Reason)
	}
	// Output:
	// pass
	// fail: issuer "https://token.actions.githubusercontent.com" does not match
}

func ExampleIdentityMatch() {
	in := happyPath()

	// Any workflow of the repository, run on its main branch. The pattern is
	// anchored at both ends.
	san, err := policy.Regexp(`https://github\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/\.github/workflows/[^/]+@refs/heads/main`)
	if err != nil {
		panic(err)
	}
	check(policy.IdentityMatch(policy.Exact("https://token.actions.githubusercontent.com"), san), in)

	// Anchoring: the repository URL alone does not match the longer SAN.
	repo, err := policy.Regexp(`https://github\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon`)
	if err != nil {
		panic(err)
	}
	check(policy.IdentityMatch(policy.Exact("https://token.actions.githubusercontent.com"), repo), in)
	// Output:
	// pass
	// fail: policy: identity(issuer "https://token.actions.githubusercontent.com", san ~https://github\.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon): subject alternative names ["https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"] do not match
}

func ExampleExtension() {
	in := happyPath()

	check(policy.Extension(policy.OIDSourceRepositoryURI,
		policy.Exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")), in)
	check(policy.Extension(policy.OIDSourceRepositoryVisibilityAtSigning, policy.Exact("private")), in)
	check(policy.Extension(policy.OIDDeploymentEnvironment, policy.Exact("production")), in)
	// Output:
	// pass
	// fail: policy: extension(1.3.6.1.4.1.57264.1.22 "private"): value "public" does not match
	// fail: policy: extension(1.3.6.1.4.1.57264.1.23 "production"): certificate lacks the extension
}

func ExampleAll() {
	in := happyPath()

	release := policy.All(
		policy.Identity(
			"https://token.actions.githubusercontent.com",
			"https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
		),
		policy.Extension(policy.OIDRunnerEnvironment, policy.Exact("github-hosted")),
		policy.Extension(policy.OIDSourceRepositoryRef, policy.Exact("refs/heads/main")),
	)
	check(release, in)

	// All reports the first policy that failed.
	tagged := policy.All(
		policy.Extension(policy.OIDRunnerEnvironment, policy.Exact("github-hosted")),
		policy.Extension(policy.OIDSourceRepositoryRef, policy.Exact("refs/tags/v1.0.0")),
	)
	check(tagged, in)

	// All with no policies rejects everything.
	check(policy.All(), in)
	// Output:
	// pass
	// fail: policy: extension(1.3.6.1.4.1.57264.1.14 "refs/tags/v1.0.0"): value "refs/heads/main" does not match
	// fail: policy: all(): no policies given
}

func ExampleAny() {
	in := happyPath()

	// Either of two repositories may sign.
	p := policy.Any(
		policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/sigstore/cosign")),
		policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon")),
	)
	check(p, in)

	p = policy.Any(
		policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/sigstore/cosign")),
		policy.Extension(policy.OIDSourceRepositoryURI, policy.Exact("https://github.com/sigstore/rekor")),
	)
	check(p, in)
	// Output:
	// pass
	// fail: policy: at-least(1, extension(1.3.6.1.4.1.57264.1.12 "https://github.com/sigstore/cosign"), extension(1.3.6.1.4.1.57264.1.12 "https://github.com/sigstore/rekor")): 0 of 2 passed, need 1: policy: extension(1.3.6.1.4.1.57264.1.12 "https://github.com/sigstore/cosign"): value "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon" does not match; policy: extension(1.3.6.1.4.1.57264.1.12 "https://github.com/sigstore/rekor"): value "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon" does not match
}

func ExampleAtLeast() {
	in := happyPath()

	p := policy.AtLeast(2,
		policy.Extension(policy.OIDRunnerEnvironment, policy.Exact("github-hosted")),
		policy.Extension(policy.OIDSourceRepositoryVisibilityAtSigning, policy.Exact("private")),
		policy.Extension(policy.OIDBuildTrigger, policy.Exact("workflow_dispatch")),
	)
	check(p, in)

	// An n larger than the number of policies can never be met: the policy
	// rejects every input.
	check(policy.AtLeast(3, p), in)
	// Output:
	// pass
	// fail: policy: at-least(3, at-least(2, extension(1.3.6.1.4.1.57264.1.11 "github-hosted"), extension(1.3.6.1.4.1.57264.1.22 "private"), extension(1.3.6.1.4.1.57264.1.20 "workflow_dispatch"))): n = 3 is not between 1 and 1, the number of policies
}

func ExampleNot() {
	in := happyPath()

	// Refuse signatures made from pull requests.
	check(policy.Not(policy.Extension(policy.OIDBuildTrigger, policy.Exact("pull_request_target"))), in)
	check(policy.Not(policy.Extension(policy.OIDBuildTrigger, policy.Exact("workflow_dispatch"))), in)

	// A policy that can never pass does not become one that always passes.
	check(policy.Not(policy.Identity("", "")), in)
	// Output:
	// pass
	// fail: policy: not(extension(1.3.6.1.4.1.57264.1.20 "workflow_dispatch")): inner policy passed
	// fail: policy: not(identity(issuer <empty>, san <empty>)): inner policy is misconfigured: empty matcher never matches
}

func ExampleFunc() {
	in := happyPath()

	hosted := func(want string) policy.Policy {
		return policy.Func("runner "+want, func(in *policy.Input) error {
			// in.Certificate is nil for a key-only signer; ExtensionValue
			// then reports the extension as absent.
			got, ok := policy.ExtensionValue(in.Certificate, policy.OIDRunnerEnvironment)
			if !ok {
				return errors.New("no runner environment")
			}
			if got != want {
				return fmt.Errorf("runner environment is %q", got)
			}
			return nil
		})
	}
	check(hosted("github-hosted"), in)
	check(hosted("self-hosted"), in)
	check(hosted("github-hosted"), &policy.Input{PublicKey: in.PublicKey})
	// Output:
	// pass
	// fail: policy: func(runner self-hosted): runner environment is "github-hosted"
	// fail: policy: func(runner github-hosted): no runner environment
}

func ExamplePublicKey() {
	in := happyPath()

	// The key of the happy-path certificate verified the signature.
	check(policy.PublicKey(in.Certificate.PublicKey), in)

	// The key of another Fulcio certificate did not.
	other, err := readBundleCert(otherNameBundle)
	if err != nil {
		panic(err)
	}
	check(policy.PublicKey(other.PublicKey), in)
	// Output:
	// pass
	// fail: policy: public-key(*ecdsa.PublicKey): signer used a different key
}

func ExampleIssuerClaim() {
	in := happyPath()
	iss, ok := policy.IssuerClaim(in.Certificate)
	fmt.Println(iss, ok)
	// Output:
	// https://token.actions.githubusercontent.com true
}

func ExampleSubjectAlternativeNames() {
	in := happyPath()
	for _, san := range policy.SubjectAlternativeNames(in.Certificate) {
		fmt.Println(san)
	}
	// Output:
	// https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
}

func ExampleExtensionValue() {
	in := happyPath()
	for _, oid := range []struct {
		name string
		oid  asn1.ObjectIdentifier
	}{
		{"source repository", policy.OIDSourceRepositoryURI},
		{"source ref", policy.OIDSourceRepositoryRef},
		{"runner", policy.OIDRunnerEnvironment},
		{"workflow trigger (legacy)", policy.OIDGitHubWorkflowTrigger},
	} {
		v, _ := policy.ExtensionValue(in.Certificate, oid.oid)
		fmt.Printf("%s: %s\n", oid.name, v)
	}
	// Output:
	// source repository: https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon
	// source ref: refs/heads/main
	// runner: github-hosted
	// workflow trigger (legacy): workflow_dispatch
}
