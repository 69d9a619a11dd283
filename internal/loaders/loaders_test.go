package loaders

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The subscribers of one event with one viewer share loaders; another
// event or viewer gets its own.
func TestForEvent(t *testing.T) {
	f := NewFactory(Services{})
	anon := f.ForEvent(1, 0)
	require.Same(t, anon, f.ForEvent(1, 0))
	require.NotSame(t, anon, f.ForEvent(2, 0), "another event")
	require.NotSame(t, anon, f.ForEvent(1, 7), "another viewer")

	// Past EventLoadersTTL, an event's loaders are made afresh.
	now := time.Now()
	f.now = func() time.Time { return now.Add(EventLoadersTTL + time.Second) }
	require.NotSame(t, anon, f.ForEvent(1, 0))
}

// A subscription's response reads the loaders of its own event: the next
// event's are handed over only once the next response starts.
func TestHandover(t *testing.T) {
	f := NewFactory(Services{})
	ctx := f.ForSubscription(context.Background())
	l1, l2 := f.ForEvent(1, 0), f.ForEvent(2, 0)
	require.True(t, Handover(ctx, l1), "the first event needs no wait")
	// The first response may start after its event was handed over; that
	// start frees no turn for the second event.
	first := f.ForResponse(ctx)
	require.Same(t, l1, For(first))

	handed := make(chan bool)
	go func() { handed <- Handover(ctx, l2) }()
	select {
	case <-handed:
		t.Fatal("the second event was handed over while the first response ran")
	case <-time.After(50 * time.Millisecond):
	}
	require.Same(t, l1, For(first), "the first response keeps its loaders")

	second := f.ForResponse(ctx)
	require.True(t, <-handed)
	require.Same(t, l2, For(second))

	// A stream whose subscription ends stops waiting.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	require.False(t, Handover(ended, f.ForEvent(3, 0)))
}

// Once reads once per key, whoever asks, and the read of shared loaders
// does not end with the reader that started it.
func TestOnce(t *testing.T) {
	f := NewFactory(Services{})
	l := f.ForEvent(1, 0)
	calls := 0
	fetch := func(ctx context.Context) (any, error) {
		calls++
		return "v", ctx.Err()
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := l.Once(gone, "k", fetch)
	require.NoError(t, err, "the read of shared loaders ignores the end of its first reader")
	require.Equal(t, "v", v)
	v, err = l.Once(context.Background(), "k", fetch)
	require.NoError(t, err)
	require.Equal(t, "v", v)
	require.Equal(t, 1, calls)
}
