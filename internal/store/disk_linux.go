package store

import (
	"fmt"
	"path/filepath"
	"syscall"
)

// diskProblem says whether the file system that holds path is mounted
// read-only (as ext4 does after an I/O error) or has less than minFree
// bytes left for unprivileged writers.
func diskProblem(path string, minFree uint64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		return nil // the write lock below will tell
	}
	const stReadOnly = 1 // ST_RDONLY
	if st.Flags&stReadOnly != 0 {
		return fmt.Errorf("the file system that holds %s is read-only", path)
	}
	if free := st.Bavail * uint64(st.Bsize); free < minFree {
		return fmt.Errorf("the disk that holds %s is full (%d bytes free)", path, free)
	}
	return nil
}
