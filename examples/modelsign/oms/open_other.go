//go:build !unix

package oms

import "os"

func openFile(path string) (fileReader, error) { return os.Open(path) }
