// Package signer is where sigil's signing keys, and what verifiers know them
// by, come from. It turns a key — generated, loaded from a file, or held in
// an HSM or cloud KMS behind a [crypto.Signer] — into a [Credential], which
// package sign uses to make bundles.
//
// # Keys
//
// [Generate] makes an ephemeral in-memory key (ECDSA P-256 by default).
// [ParsePrivateKeyPEM] loads a key file: PKCS#8, PKCS#1 and SEC 1 keys as
// OpenSSL writes them, PBES2-encrypted PKCS#8 (`openssl pkcs8 -topk8 -v2
// aes-256-cbc`), and cosign's encrypted keys (`cosign generate-key-pair`).
// Any other [crypto.Signer] works as it is: sigil never needs the private key
// itself, only the Public and Sign methods.
//
//	key, err := signer.ParsePrivateKeyPEM(pemBytes, func() ([]byte, error) {
//		return []byte(os.Getenv("COSIGN_PASSWORD")), nil
//	})
//
// # Credentials
//
// A [Credential] pairs the key with how verifiers will find it:
//
//   - [FromKey]: a long-lived key, verified with its public key. Bundles
//     carry a hint naming it ([WithHint]; by default the base64 SHA-256 of
//     the public key's PKIX encoding).
//
//   - [FromCertificateChain]: a key certified by your own CA or issued a
//     certificate by Fulcio. The leaf must hold the key's public key and
//     each certificate must be signed by the next; whether the chain is
//     trusted is for the verifier to decide.
//
// Then sign a digest of the artifact, or a whole message:
//
//	cred, err := signer.FromKey(key)
//	sig, err := cred.SignDigest(nil, digest) // digest made with cred.HashFunc()
//
// # Fulcio certificates and identity tokens
//
// [NewFulcio] returns a certificate provider for package sign
// (sign.WithCertificateProvider): for each bundle it exchanges an OIDC
// identity token from a [TokenSource] for a short-lived certificate over the
// credential's key, from a Fulcio v2 server. The key may be ephemeral
// ([Generate]; keyless signing) or a long-lived key in an HSM, which then
// carries the signer's identity. Tokens come from a string ([StaticToken]),
// a file ([TokenFile]), the SIGSTORE_ID_TOKEN variable ([TokenFromEnv]) or
// GitHub Actions ([GitHubActionsToken]); each is checked for expiry and
// audience before it is sent (Fulcio checks its signature). Fulcio's answer
// is checked against the trusted root before it is used: the leaf certifies
// the key for code signing, chains to a trusted CA, and its embedded SCTs
// verify. Failures wrap [ErrInvalidToken] or [ErrInvalidCertificateResponse];
// failed calls are [ServiceError]s, retried with backoff when that is safe.
//
// # Interactive logins
//
// A person at a terminal has no token yet: [NewBrowserLogin] and
// [NewDeviceLogin] are token sources that have them sign in to an OIDC
// provider — by default the public-good one ([PublicGoodOIDCIssuer]); pass
// the signing configuration's with [WithLoginIssuer]. The browser login is
// the authorization code flow with PKCE (S256), state and nonce, redirected
// to a listener on 127.0.0.1 that lives only during the login (or, with no
// browser, a code the person types); the device login is RFC 8628's device
// authorization grant, for machines without a browser. Endpoints come from
// the provider's discovery document; the client is the public client
// "sigstore" ([WithLoginClientID]). Each ID token is checked (issuer,
// audience, expiry, nonce) before it is used. [AmbientToken] puts the
// environment first, as CI needs, and a login second:
//
//	login, err := signer.NewBrowserLogin(signer.WithLoginIssuer(svc.URL)) // svc: cfg.OIDCProvider(now)
//	fulcio, err := signer.NewFulcio(root, ca.URL, signer.AmbientToken(login))
//
// A failed login is a *[LoginError] naming the step, wrapping
// [ErrLoginTimeout], [ErrLoginState], [ErrLoginDenied], [ErrLoginExpired],
// [ErrLoginRefused], [ErrProviderUnavailable], [ErrProviderResponse] or
// [ErrInvalidToken]. Codes, tokens and verifiers never appear in errors.
//
// # Algorithms
//
// The signature algorithm follows from the key, through the same allow-list
// sigil's verifier uses, so what one signs the other accepts:
//
//	key                       HashFunc  SignDigest            SignMessage
//	ECDSA P-256               SHA-256   ECDSA, ASN.1 DER      hash, then ECDSA
//	ECDSA P-384               SHA-384   ECDSA, ASN.1 DER      hash, then ECDSA
//	ECDSA P-521               SHA-512   ECDSA, ASN.1 DER      hash, then ECDSA
//	RSA 2048 to 8192 bits     SHA-256   PKCS#1 v1.5 (or PSS)  hash, then sign
//	Ed25519                   SHA-512   Ed25519ph             pure Ed25519
//
// Other keys — smaller or larger RSA, P-224, secp256k1, Ed448, DSA — are
// refused with [ErrUnsupportedKey] when the key is loaded or wrapped, not
// when it first signs. RSA keys sign PKCS#1 v1.5 unless [WithRSAPSS] is given.
//
// # Errors
//
// Loading a key fails with an error wrapping [ErrMalformedKey],
// [ErrWrongPassphrase] or [ErrUnsupportedKey]; building a certificate
// credential can also fail with [ErrKeyMismatch] or [ErrInvalidChain]. Test
// them with [errors.Is]. Signing errors from the key are returned wrapped.
//
// # Security
//
// Key files are parsed with bounded work: at most 64 KiB of input, 2^21
// PBKDF2 iterations, and scrypt parameters needing at most 128 MiB. Keys
// decrypted by [ParsePrivateKeyPEM] are not kept in any other form, and the
// passphrase is not kept at all. Signatures from keys other than the
// standard library's types are verified before they are returned, catching
// HSMs and KMS clients that return signatures in the wrong encoding.
//
// Credentials are immutable and safe for concurrent use if their key is.
package signer
