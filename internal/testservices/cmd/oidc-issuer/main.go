// Command oidc-issuer is a minimal, real OpenID Connect token issuer for the
// local Sigstore test stack (scripts/services). Standard library only.
//
// Serve mode (default) publishes the discovery document and a JWKS holding
// an ES256 and an RS256 key, and mints ID tokens on /token:
//
//	oidc-issuer -addr 127.0.0.1:8088 -issuer http://127.0.0.1:8088 -key-dir DIR
//	curl 'http://127.0.0.1:8088/token?sub=alice&email=alice@example.com&alg=RS256'
//
// /token takes sub, email ("-" for none), aud (default "sigstore"), ttl
// (default 10m) and alg (ES256 or RS256) as query or form values; every
// other value becomes a string claim. It answers text/plain with the
// compact JWT, or JSON {"id_token":...} when the request accepts
// application/json.
//
// Token mode prints a token signed with the keys a server keeps in -key-dir:
//
//	oidc-issuer token -key-dir DIR -issuer http://127.0.0.1:8088 -sub alice -email alice@example.com
//
// -files-dir additionally serves a directory read-only on -files-addr (the
// Rekor v2 POSIX log's tiles and checkpoint).
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// signingKey is one of the issuer's keys with its JWK.
type signingKey struct {
	alg  string
	kid  string
	priv crypto.Signer
	jwk  map[string]string
}

var b64 = base64.RawURLEncoding.EncodeToString

// loadOrCreate reads DIR/oidc-<alg>.key (PKCS#8 PEM) or, if missing and
// create is set, generates the key and writes it there.
func loadOrCreate(dir, alg string, create bool) (*signingKey, error) {
	path := filepath.Join(dir, "oidc-"+strings.ToLower(alg)+".key")
	var priv crypto.Signer
	if data, err := os.ReadFile(path); err == nil {
		blk, _ := pem.Decode(data)
		if blk == nil {
			return nil, fmt.Errorf("%s: no PEM block", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		priv = k.(crypto.Signer)
	} else if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, err
	} else {
		if alg == "RS256" {
			priv, err = rsa.GenerateKey(rand.Reader, 2048)
		} else {
			priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			return nil, err
		}
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, err
		}
	}
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(spki)
	k := &signingKey{alg: alg, kid: hex.EncodeToString(h[:8]), priv: priv}
	k.jwk = map[string]string{"alg": alg, "use": "sig", "kid": k.kid}
	switch pub := priv.Public().(type) {
	case *ecdsa.PublicKey:
		if alg != "ES256" {
			return nil, fmt.Errorf("%s: EC key for %s", path, alg)
		}
		raw, _ := pub.Bytes() // 0x04 || X || Y
		k.jwk["kty"], k.jwk["crv"], k.jwk["x"], k.jwk["y"] = "EC", "P-256", b64(raw[1:33]), b64(raw[33:])
	case *rsa.PublicKey:
		if alg != "RS256" {
			return nil, fmt.Errorf("%s: RSA key for %s", path, alg)
		}
		k.jwk["kty"], k.jwk["n"], k.jwk["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	default:
		return nil, fmt.Errorf("%s: unsupported key %T", path, pub)
	}
	return k, nil
}

// mint returns a signed compact JWT. v holds sub, email, aud, ttl and extra
// string claims (alg is the caller's business).
func mint(k *signingKey, issuer string, v url.Values) (string, error) {
	get := func(name, def string) string {
		if s := v.Get(name); s != "" {
			return s
		}
		return def
	}
	ttl, err := time.ParseDuration(get("ttl", "10m"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims := map[string]any{}
	for name, vals := range v {
		claims[name] = vals[0]
	}
	delete(claims, "ttl")
	delete(claims, "alg")
	claims["iss"], claims["aud"], claims["sub"] = issuer, get("aud", "sigstore"), get("sub", "test-subject")
	claims["iat"], claims["nbf"], claims["exp"] = now.Unix(), now.Add(-time.Minute).Unix(), now.Add(ttl).Unix()
	if e := get("email", "test@example.com"); e != "-" {
		claims["email"], claims["email_verified"] = e, true
	} else {
		delete(claims, "email")
	}
	hdr, _ := json.Marshal(map[string]string{"alg": k.alg, "typ": "JWT", "kid": k.kid})
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64(hdr) + "." + b64(body)
	digest := sha256.Sum256([]byte(signing))
	var sig []byte
	switch priv := k.priv.(type) {
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			return "", err
		}
		sig = make([]byte, 64) // JWS: fixed-width r || s, not DER
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	default:
		if sig, err = k.priv.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			return "", err
		}
	}
	return signing + "." + b64(sig), nil
}

func main() {
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	tokenMode := len(os.Args) > 1 && os.Args[1] == "token"
	args := os.Args[1:]
	if tokenMode {
		args = args[1:]
	}
	fs := flag.NewFlagSet("oidc-issuer", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:8088", "listen address")
	issuer := fs.String("issuer", "http://127.0.0.1:8088", "issuer URL (iss claim)")
	keyDir := fs.String("key-dir", "", "directory for the signing keys (created if missing); empty: keys in memory only")
	filesDir := fs.String("files-dir", "", "serve this directory read-only on -files-addr")
	filesAddr := fs.String("files-addr", "127.0.0.1:3080", "listen address for -files-dir")
	alg := fs.String("alg", "ES256", "token mode: ES256 or RS256")
	sub := fs.String("sub", "test-subject", "token mode: sub claim")
	email := fs.String("email", "test@example.com", `token mode: email claim ("-" for none)`)
	aud := fs.String("aud", "sigstore", "token mode: aud claim")
	ttl := fs.Duration("ttl", 10*time.Minute, "token mode: lifetime")
	_ = fs.Parse(args)

	if tokenMode {
		k, err := loadOrCreate(*keyDir, strings.ToUpper(*alg), false)
		if err != nil {
			log.Fatalf("token: %v (is the server's -key-dir right?)", err)
		}
		v := url.Values{"sub": {*sub}, "email": {*email}, "aud": {*aud}, "ttl": {ttl.String()}}
		for _, kv := range fs.Args() { // extra claims as name=value
			name, val, _ := strings.Cut(kv, "=")
			v.Set(name, val)
		}
		tok, err := mint(k, *issuer, v)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tok)
		return
	}

	keys := map[string]*signingKey{}
	var jwks []map[string]string
	for _, a := range []string{"ES256", "RS256"} {
		dir := *keyDir
		if dir == "" {
			dir, _ = os.MkdirTemp("", "oidc-issuer")
			defer os.RemoveAll(dir)
		}
		k, err := loadOrCreate(dir, a, true)
		if err != nil {
			log.Fatal(err)
		}
		keys[a] = k
		jwks = append(jwks, k.jwk)
	}
	writeJSON := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{
			"issuer": *issuer, "jwks_uri": *issuer + "/jwks",
			"token_endpoint": *issuer + "/token", "authorization_endpoint": *issuer + "/auth",
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"ES256", "RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, map[string]any{"keys": jwks}) })
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		k, ok := keys[strings.ToUpper(r.Form.Get("alg"))]
		if r.Form.Get("alg") == "" {
			k, ok = keys["ES256"], true
		}
		if !ok {
			http.Error(w, "alg must be ES256 or RS256", http.StatusBadRequest)
			return
		}
		tok, err := mint(k, *issuer, r.Form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			writeJSON(w, map[string]any{"id_token": tok, "access_token": tok, "token_type": "Bearer"})
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(tok))
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })

	if *filesDir != "" {
		go func() {
			log.Printf("serving %s read-only on %s", *filesDir, *filesAddr)
			log.Fatal(http.ListenAndServe(*filesAddr, http.FileServer(http.Dir(*filesDir))))
		}()
	}
	log.Printf("oidc issuer %s listening on %s (kids ES256=%s RS256=%s)", *issuer, *addr, keys["ES256"].kid, keys["RS256"].kid)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
