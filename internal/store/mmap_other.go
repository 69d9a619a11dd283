//go:build !unix

package store

import (
	"errors"
	"os"
)

func mmap(*os.File, int) ([]byte, error) {
	return nil, errors.New("memory-mapped files are not supported on this system")
}
