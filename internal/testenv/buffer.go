package testenv

import (
	"bytes"
	"strings"
	"sync"
)

// Buffer is an io.Writer that a test may read while other goroutines write
// to it: a server's output, or a logger's.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Count returns how many times s occurs in what was written.
func (b *Buffer) Count(s string) int {
	return strings.Count(b.String(), s)
}
