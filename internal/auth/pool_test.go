package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// countingHasher is a real Argon2 that records how many hashes run at once.
type countingHasher struct {
	Argon2
	running, peak atomic.Int32
}

func (c *countingHasher) Verify(ctx context.Context, hash, password string) (bool, error) {
	n := c.running.Add(1)
	defer c.running.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	return c.Argon2.Verify(ctx, hash, password)
}

func TestPool(t *testing.T) {
	ctx := context.Background()
	inner := &countingHasher{Argon2: Argon2{Memory: 1024, Time: 1, Threads: 1}}
	hash, err := inner.Hash(ctx, "correct horse")
	require.NoError(t, err)

	t.Run("BoundHolds", func(t *testing.T) {
		p := NewPool(inner, 3)
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() {
				ok, err := p.Verify(ctx, hash, map[bool]string{true: "correct horse", false: "wrong"}[i%2 == 0])
				require.NoError(t, err)
				require.Equal(t, i%2 == 0, ok)
			})
		}
		wg.Wait()
		require.EqualValues(t, 3, inner.peak.Load(), "never more than the pool's slots at once")
	})
	t.Run("ErrCallerGaveUp", func(t *testing.T) {
		p := NewPool(inner, 1)
		p.slots <- struct{}{} // the one slot is busy
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := p.Verify(ctx, hash, "correct horse")
		require.ErrorIs(t, err, context.DeadlineExceeded, "a waiting caller leaves when its request ends")
		_, err = p.Hash(ctx, "correct horse")
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("DefaultsToCPUs", func(t *testing.T) {
		require.Greater(t, cap(NewPool(inner, 0).slots), 0)
	})
}

func TestSignInLimiterForgetsRefilledKeys(t *testing.T) {
	l := newKeyedLimiter(2)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	require.Zero(t, l.take("a"))
	require.Zero(t, l.take("a"))
	require.Equal(t, 30*time.Second, l.take("a"), "2 a minute: one comes back every 30 s")
	now = now.Add(2 * time.Minute)
	require.Zero(t, l.take("b"))
	require.Len(t, l.byKey, 1, "a's bucket refilled, so it is forgotten")
}
