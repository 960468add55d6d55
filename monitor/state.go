package monitor

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// maxStateSize bounds a state file.
const maxStateSize = 1 << 20

// state is the content of one log's state file.
type state struct {
	// BaseURL is the log's base URL in the trusted root.
	BaseURL string `json:"baseUrl"`
	// Checkpoint is the last verified checkpoint envelope.
	Checkpoint string `json:"checkpoint"`
	// Entries is the number of entries already scanned by Watch (at most
	// the checkpoint's size); 0 when nothing was scanned.
	Entries uint64 `json:"entries"`
	// Range is the compact Merkle range of the first Entries leaves (hex
	// hashes, transparency-dev/merkle/compact), which binds the entries
	// read so far to the tree.
	Range []string `json:"range,omitempty"`
}

// stateFile returns the path of the state file of the log at baseURL: a
// readable prefix (the URL's host and path) and a hash of the whole URL.
func stateFile(dir, baseURL string) string {
	h := sha256.Sum256([]byte(baseURL))
	name := baseURL
	if u, err := url.Parse(baseURL); err == nil && u.Host != "" {
		name = u.Host + u.Path
	}
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, name)
	if len(name) > 64 {
		name = name[:64]
	}
	return filepath.Join(dir, name+"-"+hex.EncodeToString(h[:8])+".json")
}

// readState reads a state file; it returns nil, nil when there is none.
func readState(path string) (*state, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("monitor: state file %s larger than 1 MiB", path)
	}
	var s state
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("monitor: state file %s: %w", path, err)
	}
	return &s, nil
}

// writeState replaces a state file atomically: the new content is written
// to a temporary file in the same directory, synced, and renamed over the
// old one, so a reader (or a crash) sees the old state or the new one,
// never a mix.
func writeState(path string, s *state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(data, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
