package auth

import (
	"context"
	"runtime"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Pool runs a hasher's work at most a fixed number at a time. An argon2id
// hash takes 19 MiB for its duration, so without a bound a burst of
// sign-ins holds that much memory per request at once; with one, memory is
// slots × 19 MiB whatever the burst, and the rest wait their turn.
type Pool struct {
	inner conduit.PasswordHasher
	slots chan struct{}
}

var _ conduit.PasswordHasher = (*Pool)(nil)

// NewPool returns inner behind n slots; n < 1 means runtime.NumCPU(), as
// more than one hash per core only adds memory, not throughput.
func NewPool(inner conduit.PasswordHasher, n int) *Pool {
	if n < 1 {
		n = runtime.NumCPU()
	}
	return &Pool{inner: inner, slots: make(chan struct{}, n)}
}

// Hash waits for a slot, then hashes. It gives up with ctx's error when ctx
// ends first.
func (p *Pool) Hash(ctx context.Context, password string) (hash string, err error) {
	if waitErr := p.do(ctx, func() { hash, err = p.inner.Hash(ctx, password) }); waitErr != nil {
		return "", waitErr
	}
	return hash, err
}

// Verify waits for a slot, then checks password against hash. It gives up
// with ctx's error when ctx ends first.
func (p *Pool) Verify(ctx context.Context, hash, password string) (ok bool, err error) {
	if waitErr := p.do(ctx, func() { ok, err = p.inner.Verify(ctx, hash, password) }); waitErr != nil {
		return false, waitErr
	}
	return ok, err
}

// do runs fn in a slot. fn sets the caller's results; do's own error is
// only that of a wait that ctx ended.
func (p *Pool) do(ctx context.Context, fn func()) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	fn()
	return nil
}
