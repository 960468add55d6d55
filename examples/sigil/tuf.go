package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sigil-dev/sigil/trustroot"
)

const tufUsage = `
Trust material for verify-bundle: without --trusted-root or a TUF flag, the embedded public-good snapshot (offline).
  --tuf                             current trust material from the public-good TUF repository
                                    (staging with --staging), cached for a day in the user cache directory
  --tuf-url URL --tuf-root FILE     the same from a private TUF repository, trusted from its root.json
`

// tufTimeout bounds the whole TUF update.
const tufTimeout = 2 * time.Minute

// tufFlags are verify-bundle's flags for trust material from a TUF
// repository (trustroot.FromTUF).
type tufFlags struct {
	tuf  *bool
	url  *string
	root *string
	warn io.Writer
}

// addTUFFlags defines the TUF flags on fs. Warnings go to fs's output.
func addTUFFlags(fs *flag.FlagSet) *tufFlags {
	return &tufFlags{
		tuf:  fs.Bool("tuf", false, "use current trust material from the public-good TUF repository (staging with --staging), cached"),
		url:  fs.String("tuf-url", "", "use trust material from the private TUF repository at `URL` (with --tuf-root)"),
		root: fs.String("tuf-root", "", "initial root.json `FILE` of the --tuf-url repository, obtained out of band"),
		warn: fs.Output(),
	}
}

// enabled reports whether trust material comes from TUF.
func (f *tufFlags) enabled() bool { return *f.tuf || *f.url != "" }

// usageError checks the TUF flags against --staging and --trusted-root; it
// returns "" when they go together.
func (f *tufFlags) usageError(staging bool, trustedRoot string) string {
	switch {
	case (*f.url == "") != (*f.root == ""):
		return "--tuf-url and --tuf-root go together"
	case *f.url != "" && staging:
		return "--tuf-url excludes --staging"
	case f.enabled() && trustedRoot != "":
		return "--trusted-root excludes --tuf and --tuf-url"
	}
	return ""
}

// trustedRoot obtains the trusted root through TUF. It never falls back to
// the embedded snapshot; when the repository cannot be reached and cached
// material is used, it warns.
func (f *tufFlags) trustedRoot(staging bool) (*trustroot.TrustedRoot, error) {
	var opts []trustroot.TUFOption
	switch {
	case *f.url != "":
		initial, err := os.ReadFile(*f.root)
		if err != nil {
			return nil, err
		}
		opts = append(opts, trustroot.TUFRepository(*f.url, initial))
	case staging:
		opts = append(opts, trustroot.TUFStaging())
	}
	ctx, cancel := context.WithTimeout(context.Background(), tufTimeout)
	defer cancel()
	root, err := trustroot.FromTUF(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if st, _ := root.TUFStatus(); st.Stale {
		fmt.Fprintf(f.warn, "sigil: warning: TUF repository %s not consulted (%v); trust material last checked %s\n",
			st.Repository, st.Err, st.Checked.Format(time.RFC3339))
	}
	return root, nil
}
