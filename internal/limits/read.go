package limits

import (
	"fmt"
	"io"
	"os"
)

// ReadFile reads the file at path, but never more than limit+1 bytes of it:
// a file larger than limit bytes is an error, so a caller's bound on a file
// it is given holds for the memory reading it takes. Errors opening the file
// are returned as os.Open returns them (errors.Is(err, fs.ErrNotExist)
// holds for a missing file); they name the path, the size error does not.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than the limit of %d bytes", limit)
	}
	return data, nil
}
