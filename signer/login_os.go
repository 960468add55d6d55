package signer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// openBrowser starts the platform's URL opener and waits up to 3 s for it
// to fail; an opener still running then is taken to have opened the page.
// Errors never quote the URL.
func openBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
			return errors.New("no desktop session: DISPLAY and WAYLAND_DISPLAY are unset")
		}
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Args[0], err)
		}
		return nil
	case <-time.After(3 * time.Second):
		return nil
	}
}

// maxCodeLine bounds a line of out-of-band code entry.
const maxCodeLine = 4096

// readLine reads one line from r, at most maxCodeLine bytes, until ctx
// ends. On cancellation the reading goroutine stays blocked on r until it
// returns.
func readLine(ctx context.Context, r io.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReaderSize(io.LimitReader(r, maxCodeLine+1), maxCodeLine+1).ReadString('\n')
		if err == io.EOF && line != "" {
			err = nil
		}
		ch <- result{strings.TrimSpace(line), err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			return "", fmt.Errorf("reading the code: %w", res.err)
		}
		return res.line, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
