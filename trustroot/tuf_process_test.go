package trustroot

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// useCache updates from the repository and reads the cache offline, rounds
// times, failing if either call fails or finds anything to discard in the
// cache: a cache shared by concurrent writers must always be whole.
func useCache(repoURL string, root []byte, dir string, rounds int) error {
	ctx := context.Background()
	for i := range rounds {
		for _, mode := range []TUFOption{TUFFreshness(0), TUFOffline()} {
			r, err := FromTUF(ctx, TUFRepository(repoURL, root), TUFCacheDir(dir), mode)
			if err != nil {
				return fmt.Errorf("round %d: %w", i, err)
			}
			if st, _ := r.TUFStatus(); st.CacheErr != nil {
				return fmt.Errorf("round %d: cache: %w", i, st.CacheErr)
			}
		}
	}
	return nil
}

const helperEnv = "SIGIL_TUF_HELPER_PROCESS"

// TestTUFHelperProcess is the body of the processes
// TestTUFCacheSharedByProcesses starts; run directly, it does nothing.
func TestTUFHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestTUFCacheSharedByProcesses")
	}
	rounds, err := strconv.Atoi(os.Getenv("SIGIL_TUF_ROUNDS"))
	if err != nil {
		t.Fatal(err)
	}
	root := readTestdata(t, os.Getenv("SIGIL_TUF_ROOT"))
	if err := useCache(os.Getenv("SIGIL_TUF_URL"), root, os.Getenv("SIGIL_TUF_CACHE"), rounds); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("helper: %d rounds\n", rounds)
}

// TestTUFCacheSharedByProcesses has several processes and goroutines update
// and read one cache directory at once while the repository publishes new
// versions.
func TestTUFCacheSharedByProcesses(t *testing.T) {
	const processes, goroutines, rounds = 3, 3, 8
	repo := newTUFTestRepo(t)
	dir := t.TempDir()
	rootFile := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(rootFile, repo.rootJSON(1), 0o600); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, processes+goroutines)
	for range processes {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTUFHelperProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), helperEnv+"=1", "SIGIL_TUF_URL="+repo.URL, "SIGIL_TUF_ROOT="+rootFile,
			"SIGIL_TUF_CACHE="+dir, "SIGIL_TUF_ROUNDS="+strconv.Itoa(rounds))
		wg.Go(func() {
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), fmt.Sprintf("helper: %d rounds", rounds)) {
				errs <- fmt.Errorf("helper process: %v\n%s", err, out)
			}
		})
	}
	for range goroutines {
		wg.Go(func() {
			if err := useCache(repo.URL, repo.rootJSON(1), dir, rounds); err != nil {
				errs <- err
			}
		})
	}
	// Meanwhile the repository publishes: new timestamps, new targets.
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	contents := [][]byte{readTestdata(t, testdataRoots+"staging.trusted_root.json"), readTestdata(t, testdataRoots+"production.trusted_root.json")}
	for i := 0; ; i++ {
		select {
		case <-done:
		case <-time.After(2 * time.Millisecond):
			if i%5 == 4 {
				repo.newTargets(contents[i%2])
			} else {
				repo.newTimestamp()
			}
			continue
		}
		break
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// One whole cache file remains, no temporary files.
	if names := cacheFiles(t, dir); len(names) != 1 || names[0] != tufStateFile {
		t.Errorf("cache directory holds %v", names)
	}
	if err := useCache(repo.URL, repo.rootJSON(1), dir, 1); err != nil {
		t.Error(err)
	}
}
