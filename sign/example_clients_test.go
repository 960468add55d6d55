package sign_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/sigil-dev/sigil/internal/samples"
	"github.com/sigil-dev/sigil/sign"
	"github.com/sigil-dev/sigil/signer"
	"github.com/sigil-dev/sigil/trustroot"
)

// recordedRekor starts a server replaying the recorded Rekor v1 response
// and returns a trusted root that lists it under the server's URL.
func recordedRekor() (*trustroot.TrustedRoot, string, func()) {
	resp := samples.Read(nil, "rekor1-response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write(resp)
	}))
	doc := strings.ReplaceAll(string(samples.Read(nil, "trusted_root.json")), "http://127.0.0.1:3000", srv.URL)
	root, err := trustroot.ParseJSON([]byte(doc))
	if err != nil {
		panic(err)
	}
	return root, srv.URL, srv.Close
}

// A Rekor v1 client checks each entry against the trusted root before
// handing it to the bundle builder. Here a test server replays a recorded
// answer of rekor-server.
func ExampleNewRekor() {
	root, rekorURL, stop := recordedRekor()
	defer stop()

	rekor, err := sign.NewRekor(root, rekorURL, signer.WithRetries(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Normally: sign.NewBundleBuilder(cred, sign.WithTransparencyLog(rekor)).
	entry, err := rekor.Append(context.Background(), sampleRequest(nil, true))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s/%s entry %d, integrated at %d\n", entry.Kind, entry.KindVersion, entry.LogIndex, entry.IntegratedTime)
	// Output: hashedrekord/0.0.1 entry 0, integrated at 1795318376
}

// A timestamp authority's answer must echo the request's random nonce: a
// recorded answer, though validly signed by the trusted TSA over the same
// signature, is refused as a replay.
func ExampleNewTimestampAuthority() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write(samples.Read(nil, "tsa-response.tsr")) // recorded earlier
	}))
	defer srv.Close()
	root := samples.Root(nil)

	tsa, err := sign.NewTimestampAuthority(root, srv.URL+"/api/v1/timestamp")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Normally: sign.NewBundleBuilder(cred, sign.WithTimestamper(tsa)).
	_, err = tsa.Timestamp(context.Background(), samples.Read(nil, "artifact.sig"))
	fmt.Println("invalid response:", errors.Is(err, sign.ErrInvalidResponse))
	// Output: invalid response: true
}

// A Rekor v2 client: the log's answer (a recorded answer of rekor-tiles,
// replayed by a test server) carries an inclusion proof and a checkpoint,
// both checked against the log's key in the trusted root.
func ExampleNewRekorV2() {
	resp := samples.Read(nil, "rekor2-response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.Write(resp)
	}))
	defer srv.Close()
	// The recorded log keeps its URL: its checkpoints name that host. The
	// HTTP client reaches the test server in its place.
	root := samples.Root(nil)
	rekor, err := sign.NewRekorV2(root, "http://127.0.0.1:3003", signer.WithHTTPClient(samples.ClientFor(srv)))
	if err != nil {
		fmt.Println(err)
		return
	}
	entry, err := rekor.Append(context.Background(), sampleRequest(nil, true))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s/%s entry %d, inclusion proof in a tree of %d\n", entry.Kind, entry.KindVersion, entry.LogIndex, entry.Proof.TreeSize)
	// Output: hashedrekord/0.0.2 entry 0, inclusion proof in a tree of 1
}

// A signing configuration (here the one generated for a local stack) picks
// the logs and timestamp authorities a bundle builder asks; the trusted
// root checks their answers. Nothing is contacted until something is
// signed.
func ExampleWithSigningConfig() {
	root := samples.Root(nil)
	cfg, err := trustroot.ParseSigningConfig(samples.Read(nil, "signing_config.v0.2.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	logs, _ := cfg.RekorLogs(at)
	tsas, _ := cfg.TimestampAuthorities(at)
	for _, s := range append(logs, tsas...) {
		fmt.Println("selected:", s.URL, "API version", s.MajorAPIVersion)
	}

	key, err := signer.Generate(signer.ECDSAP256)
	if err != nil {
		fmt.Println(err)
		return
	}
	cred, err := signer.FromKey(key)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = sign.NewBundleBuilder(cred, sign.WithSigningConfig(root, cfg, signer.WithRetries(3)))
	fmt.Println("builder ready:", err == nil)
	// Output:
	// selected: http://127.0.0.1:3003 API version 2
	// selected: http://127.0.0.1:3004/api/v1/timestamp API version 1
	// builder ready: true
}
