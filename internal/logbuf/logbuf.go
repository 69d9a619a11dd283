// Package logbuf buffers log output, so that a busy server does not make a
// write system call for every line it logs (one access-log line per
// request). Lines reach the underlying writer at the latest after the
// flush interval, at once for warnings and errors, and on Close.
//
// Imports only: standard library.
package logbuf

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Writer is a buffered writer that flushes itself every interval. It is
// safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// bufferSize is what is written at most in one system call.
const bufferSize = 64 << 10

// New returns a Writer over w that flushes every interval.
func New(w io.Writer, interval time.Duration) *Writer {
	b := &Writer{buf: bufio.NewWriterSize(w, bufferSize), stop: make(chan struct{}), done: make(chan struct{})}
	go b.flushEvery(interval)
	return b
}

func (b *Writer) flushEvery(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write buffers p; a p larger than the free space flushes first.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Flush writes what is buffered.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Flush()
}

// Close stops the periodic flush and flushes what is left.
func (b *Writer) Close() error {
	close(b.stop)
	<-b.done
	return b.Flush()
}

// Handler returns h, writing to b, with each record at warning level or
// above flushed at once: those are the lines someone may be waiting for.
func Handler(h slog.Handler, b *Writer) slog.Handler {
	return flushHandler{Handler: h, b: b}
}

type flushHandler struct {
	slog.Handler
	b *Writer
}

// Handle writes the record and flushes warnings and errors.
func (h flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.b.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

// WithAttrs keeps the flushing in the derived handler.
func (h flushHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushHandler{Handler: h.Handler.WithAttrs(attrs), b: h.b}
}

// WithGroup keeps the flushing in the derived handler.
func (h flushHandler) WithGroup(name string) slog.Handler {
	return flushHandler{Handler: h.Handler.WithGroup(name), b: h.b}
}
