//go:build !linux

package store

// diskProblem is not checked here: the write lock alone tells.
func diskProblem(path string, minFree uint64) error { return nil }
