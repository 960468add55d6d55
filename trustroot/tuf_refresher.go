package trustroot

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A TUFRefresher keeps a long-running service's trust material current: it
// updates from a TUF repository in the background and swaps the new
// TrustedRoot in atomically. It holds no global state; create one per
// repository and share it. Its methods are safe for concurrent use.
type TUFRefresher struct {
	current atomic.Pointer[TrustedRoot]
	mu      sync.Mutex
	err     error
	stop    context.CancelFunc
	done    chan struct{}
}

// NewTUFRefresher obtains trust material with FromTUF(ctx, opts...) and, if
// that succeeds, refreshes it every interval until ctx ends or Stop is
// called. Each refresh contacts the repository whatever the freshness window
// (or, with TUFOffline, reads the cache again) and updates the cache; a
// refresh that fails leaves the current material in place and is reported by
// Err. A refresh never falls back to the cache or to the embedded snapshot.
// The options are FromTUF's; interval must be positive.
func NewTUFRefresher(ctx context.Context, interval time.Duration, opts ...TUFOption) (*TUFRefresher, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("trustroot: NewTUFRefresher: interval %v, need > 0", interval)
	}
	c, err := newTUFConfig(opts)
	if err != nil {
		return nil, err
	}
	root, err := c.fromTUF(ctx, false)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &TUFRefresher{stop: cancel, done: make(chan struct{})}
	r.current.Store(root)
	go r.run(ctx, c, interval)
	return r, nil
}

func (r *TUFRefresher) run(ctx context.Context, c *tufConfig, interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		root, err := c.fromTUF(ctx, true)
		if ctx.Err() != nil {
			return // stopped during the refresh: not a failure
		}
		if err == nil {
			r.current.Store(root)
		}
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}
}

// Current returns the most recently obtained trust material. It never
// returns nil. Its TUFStatus says when it was obtained.
func (r *TUFRefresher) Current() *TrustedRoot { return r.current.Load() }

// Err returns the error of the most recent refresh, or nil if it succeeded
// or none has run yet. While it is not nil, Current returns the material of
// the last successful refresh (or of NewTUFRefresher). Errors are FromTUF's.
func (r *TUFRefresher) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stop ends the background refreshes and waits for a refresh in progress to
// return. Current remains usable. Stop may be called more than once.
func (r *TUFRefresher) Stop() {
	r.stop()
	<-r.done
}
