package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServeUntil serves handler on ln until ctx ends, then drains: see drain.
// Requests in flight get timeout to finish. stopping is closed when the
// server shuts down (Options.Stopping, which ends streams).
func ServeUntil(ctx context.Context, handler http.Handler, ln net.Listener, stopping chan struct{}, timeout time.Duration, log *slog.Logger) error {
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	srv.RegisterOnShutdown(func() { close(stopping) })
	conns := &connTracker{}
	srv.ConnState = conns.observe
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := drain(sctx, srv, ln, errc, conns); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// newConnWait bounds how long a stop waits for connections that were
// accepted but have not sent a request yet.
const newConnWait = 2 * time.Second

// connTracker counts the connections that were accepted but whose first
// request has not been read yet. http.Server.Shutdown closes such a
// connection as soon as its request arrives, unanswered; a stop waits for
// them first.
type connTracker struct {
	mu    sync.Mutex
	fresh map[net.Conn]bool
}

// observe is the server's ConnState hook.
func (t *connTracker) observe(c net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fresh == nil {
		t.fresh = map[net.Conn]bool{}
	}
	if state == http.StateNew {
		t.fresh[c] = true
	} else {
		delete(t.fresh, c)
	}
}

func (t *connTracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.fresh)
}

// drain stops the server without dropping a request: it stops accepting
// (with an inherited socket, new connections then wait in its backlog for
// the next process), tells clients not to reuse connections, waits until
// Serve has returned, lets every accepted connection send its request, and
// then shuts down, which waits for the requests in flight until ctx ends.
func drain(ctx context.Context, srv *http.Server, ln net.Listener, served <-chan error, conns *connTracker) error {
	srv.SetKeepAlivesEnabled(false)
	if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	// Once Serve has returned, every connection it accepted is tracked.
	select {
	case <-served:
	case <-ctx.Done():
		return ctx.Err()
	}
	deadline := time.Now().Add(newConnWait)
	for conns.pending() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
