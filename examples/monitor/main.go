// Command monitor watches Sigstore transparency logs with package monitor:
// it checks that each log of a trusted root only grows (consistency proofs
// between the checkpoints it has seen) and reports, as JSON lines, the
// entries added since its last run that match a watch list.
//
//	monitor -trust-config FILE | -trusted-root FILE [-signing-config FILE]
//	        -state DIR [-once | -interval DURATION]
//	        [-read-url BASEURL=URL]... [-witness-policy BASEURL=FILE]...
//	        [-identity ISSUER=SAN]... [-identity-regexp ISSUER=REGEXP]...
//	        [-key PEMFILE]... [-cert-sha256 HEX]... [-digest sha256:HEX]...
//	        [-from-now] [-workers N]
//
// Every log of the trusted root is monitored; a log the signing
// configuration lists with major API version 2 is read through tlog-tiles
// (at -read-url if given), every other one as Rekor v1. Output, one JSON
// object a line on stdout: {"type":"checkpoint",...} after each verified
// check, {"type":"match",...} for each matching entry, and
// {"type":"inconsistency",...} with both signed checkpoints when a log is
// not append-only. The exit status is 0 when everything checked, 3 when
// some log was inconsistent (so cron or CI notice), 1 for other failures
// and 2 for usage errors. With -interval it runs until interrupted,
// exiting 3 at the first inconsistency.
package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/monitor"
	"github.com/sigil-dev/sigil/policy"
	"github.com/sigil-dev/sigil/trustroot"
	"github.com/sigil-dev/sigil/witness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// Exit statuses.
const (
	exitOK           = 0
	exitFailure      = 1
	exitUsage        = 2
	exitInconsistent = 3
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trustConfig := fs.String("trust-config", "", "ClientTrustConfig JSON (trusted root and signing configuration)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json")
	signingConfig := fs.String("signing-config", "", "signing configuration JSON (says which logs are Rekor v2)")
	stateDir := fs.String("state", "", "state directory (created if missing)")
	once := fs.Bool("once", false, "check every log once and exit (the default without -interval)")
	interval := fs.Duration("interval", 0, "run continuously, checking every DURATION")
	workers := fs.Int("workers", 4, "entry batches read at once per log")
	fromNow := fs.Bool("from-now", false, "on a log's first check, skip the entries it already has (watch only later ones)")
	var readURLs, policies, identities, identityREs, keys, certs, digests multi
	fs.Var(&readURLs, "read-url", "BASEURL=URL: read the log at BASEURL from URL (tlog-tiles; may be file://)")
	fs.Var(&policies, "witness-policy", "BASEURL=FILE: require the witness policy in FILE for the log at BASEURL")
	fs.Var(&identities, "identity", "ISSUER=SAN: watch certificates of this exact OIDC issuer and identity")
	fs.Var(&identityREs, "identity-regexp", "ISSUER=REGEXP: watch certificates of this issuer whose identity matches the anchored REGEXP")
	fs.Var(&keys, "key", "PEMFILE: watch entries signed by this public key (bare or certified)")
	fs.Var(&certs, "cert-sha256", "HEX: watch entries recording the certificate with this SHA-256")
	fs.Var(&digests, "digest", "sha256:HEX: watch entries signing this artifact or payload digest")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "monitor: "+format+"\n", a...)
		return exitUsage
	}
	if fs.NArg() > 0 {
		return usage("unexpected arguments %q", fs.Args())
	}
	if *stateDir == "" || (*trustConfig == "") == (*trustedRoot == "") {
		return usage("need -state and one of -trust-config, -trusted-root")
	}
	if *once && *interval != 0 {
		return usage("-once and -interval exclude each other")
	}

	logs, err := loadLogs(*trustConfig, *trustedRoot, *signingConfig, readURLs, policies)
	if err != nil {
		fmt.Fprintln(stderr, "monitor:", err)
		return exitFailure
	}
	list, err := watchList(identities, identityREs, keys, certs, digests)
	if err != nil {
		return usage("%v", err)
	}
	if err := os.MkdirAll(*stateDir, 0o700); err != nil {
		fmt.Fprintln(stderr, "monitor:", err)
		return exitFailure
	}
	m, err := monitor.New(*stateDir)
	if err != nil {
		fmt.Fprintln(stderr, "monitor:", err)
		return exitFailure
	}
	out := json.NewEncoder(stdout)
	for {
		status := pass(ctx, m, logs, list, *workers, *fromNow, out, stderr)
		if *interval == 0 || status == exitInconsistent || ctx.Err() != nil {
			return status
		}
		select {
		case <-time.After(*interval):
		case <-ctx.Done():
			return status
		}
	}
}

// pass checks and watches every log once.
func pass(ctx context.Context, m *monitor.Monitor, logs []*monitor.Log, list *monitor.WatchList, workers int, fromNow bool, out *json.Encoder, stderr io.Writer) int {
	status := exitOK
	worse := func(s int) {
		if s == exitInconsistent || status == exitOK {
			status = s
		}
	}
	// Every log's consistency is checked at once (their fetches overlap);
	// the entries are then watched log by log, each on workers goroutines.
	updates, errs := m.CheckAll(ctx, logs, len(logs))
	for i, l := range logs {
		u, err := updates[i], errs[i]
		var ie *monitor.InconsistencyError
		switch {
		case errors.As(err, &ie):
			out.Encode(map[string]any{"type": "inconsistency", "log": ie.BaseURL, "reason": ie.Reason,
				"old": checkpointJSON(ie.Old), "new": checkpointJSON(ie.New), "error": err.Error()})
			worse(exitInconsistent)
			continue
		case err != nil:
			fmt.Fprintf(stderr, "monitor: %s: %v\n", l.Log.BaseURL, err)
			worse(exitFailure)
			continue
		}
		line := map[string]any{"type": "checkpoint", "log": u.BaseURL, "new": checkpointJSON(u.New)}
		if u.Old != nil {
			line["old"] = checkpointJSON(u.Old)
		}
		out.Encode(line)
		if u.Old == nil && fromNow {
			if _, err := m.SkipEntries(ctx, l); err != nil {
				fmt.Fprintf(stderr, "monitor: %s: %v\n", l.Log.BaseURL, err)
				worse(exitFailure)
				continue
			}
		}
		_, err = m.Watch(ctx, l, list, workers, func(mt monitor.Match) error {
			line := map[string]any{"type": "match", "log": mt.BaseURL, "index": mt.Index, "kind": mt.Kind,
				"reasons": mt.Reasons, "body": mt.Body}
			if !mt.Time.IsZero() {
				line["time"] = mt.Time.Format(time.RFC3339)
			}
			return out.Encode(line)
		})
		if err != nil {
			fmt.Fprintf(stderr, "monitor: %s: %v\n", l.Log.BaseURL, err)
			worse(exitFailure)
		}
	}
	return status
}

func checkpointJSON(c *monitor.Checkpoint) map[string]any {
	if c == nil {
		return nil
	}
	return map[string]any{"origin": c.Origin, "size": c.Size, "rootHash": hex.EncodeToString(c.RootHash),
		"checkpoint": string(c.Envelope), "witnesses": c.Witnesses}
}

func loadLogs(trustConfig, trustedRoot, signingConfig string, readURLs, policies []string) ([]*monitor.Log, error) {
	var root *trustroot.TrustedRoot
	var cfg *trustroot.SigningConfig
	var err error
	if trustConfig != "" {
		if root, err = trustroot.FromFile(trustConfig); err != nil {
			return nil, err
		}
		if cfg, err = root.SigningConfig(); err != nil {
			return nil, err
		}
	} else if root, err = trustroot.FromFile(trustedRoot); err != nil {
		return nil, err
	}
	if signingConfig != "" {
		data, err := os.ReadFile(signingConfig)
		if err != nil {
			return nil, err
		}
		if cfg, err = trustroot.ParseSigningConfig(data); err != nil {
			return nil, err
		}
	}
	logs := monitor.Logs(root, cfg)
	byURL := map[string]*monitor.Log{}
	for _, l := range logs {
		byURL[l.Log.BaseURL] = l
	}
	for _, kv := range readURLs {
		base, u, ok := strings.Cut(kv, "=")
		l := byURL[base]
		if !ok || l == nil {
			return nil, fmt.Errorf("-read-url %q: want BASEURL=URL for a log of the trusted root", kv)
		}
		l.ReadURL = u
	}
	for _, kv := range policies {
		base, file, ok := strings.Cut(kv, "=")
		l := byURL[base]
		if !ok || l == nil {
			return nil, fmt.Errorf("-witness-policy %q: want BASEURL=FILE for a log of the trusted root", kv)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if l.Witnesses, err = witness.ParsePolicy(data); err != nil {
			return nil, fmt.Errorf("-witness-policy %s: %w", file, err)
		}
	}
	return logs, nil
}

func watchList(identities, identityREs, keys, certs, digests []string) (*monitor.WatchList, error) {
	list := &monitor.WatchList{}
	for _, kv := range identities {
		iss, san, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("-identity %q: want ISSUER=SAN", kv)
		}
		list.Identities = append(list.Identities, policy.Identity(iss, san))
	}
	for _, kv := range identityREs {
		iss, re, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("-identity-regexp %q: want ISSUER=REGEXP", kv)
		}
		m, err := policy.Regexp(re)
		if err != nil {
			return nil, fmt.Errorf("-identity-regexp %q: %w", kv, err)
		}
		list.Identities = append(list.Identities, policy.IdentityMatch(policy.Exact(iss), m))
	}
	for _, f := range keys {
		pub, err := readKey(f)
		if err != nil {
			return nil, fmt.Errorf("-key %s: %w", f, err)
		}
		list.PublicKeys = append(list.PublicKeys, pub)
	}
	for _, h := range certs {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("-cert-sha256 %q: want 64 hex digits", h)
		}
		list.CertificateFingerprints = append(list.CertificateFingerprints, [32]byte(b))
	}
	for _, d := range digests {
		v, ok := strings.CutPrefix(d, "sha256:")
		b, err := hex.DecodeString(v)
		if !ok || err != nil || len(b) != 32 {
			return nil, fmt.Errorf("-digest %q: want sha256:<64 hex digits>", d)
		}
		list.Digests = append(list.Digests, monitor.Digest{Alg: crypto.SHA256, Value: b})
	}
	return list, nil
}

func readKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(data)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM public key")
	}
	return x509.ParsePKIXPublicKey(blk.Bytes)
}
