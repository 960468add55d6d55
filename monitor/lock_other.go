//go:build !unix

package monitor

import "errors"

func lock(path string) (func(), error) {
	return nil, errors.New("monitor: state locking needs a Unix system")
}
