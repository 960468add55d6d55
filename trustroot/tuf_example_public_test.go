package trustroot_test

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

// Current public-good trust material, with the embedded snapshot as an
// explicit last resort for a first run without network access.
func ExampleFromTUF_publicGood() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root, err := trustroot.FromTUF(ctx, trustroot.UnsafeTUFAllowEmbeddedSnapshot())
	switch {
	case errors.Is(err, trustroot.ErrTUFVerification):
		log.Fatalf("the repository served data that failed verification: %v", err)
	case err != nil:
		log.Fatal(err)
	}
	if date, ok := root.Snapshot(); ok {
		status, _ := root.TUFStatus()
		log.Printf("repository unreachable (%v): using the embedded snapshot of %s", status.Err, date.Format(time.DateOnly))
	} else if status, _ := root.TUFStatus(); status.Stale {
		log.Printf("repository unreachable (%v): using material last checked %s", status.Err, status.Checked)
	}
	_ = root // verify.New(root, ...)
}

// A long-running service refreshes its trust material hourly.
func ExampleNewTUFRefresher() {
	ctx := context.Background()
	refresher, err := trustroot.NewTUFRefresher(ctx, time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	defer refresher.Stop()

	// Per request:
	root := refresher.Current()
	if err := refresher.Err(); err != nil {
		status, _ := root.TUFStatus()
		log.Printf("last refresh failed, using material checked %s: %v", status.Checked, err)
	}
	_ = root // verify.New(root, ...)
}
