//go:build unix

package store

import (
	"os"
	"syscall"
)

func mmap(f *os.File, n int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, n, syscall.PROT_READ, syscall.MAP_SHARED)
}
