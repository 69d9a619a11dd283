package pubsub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/pubsub"
)

// waitFor bounds every wait for an event or a close: long enough for a
// loaded CI machine, short enough that a lost event fails the test.
const waitFor = 5 * time.Second

// ev returns a distinct event.
func ev(i int) conduit.Event {
	return conduit.Event{Kind: conduit.EventCommentAdded, ArticleID: 42, CommentID: int64(i)}
}

// newMemory returns a hub closed when tb ends.
func newMemory(tb testing.TB, buffer int) *pubsub.Memory {
	tb.Helper()
	m := pubsub.NewMemory(pubsub.Options{Buffer: buffer})
	tb.Cleanup(func() { _ = m.Close() })
	return m
}

// subscribe subscribes to topic until ctx ends.
func subscribe(tb testing.TB, ctx context.Context, s conduit.EventService, topic string) <-chan conduit.Event {
	tb.Helper()
	ch, err := s.Subscribe(ctx, topic)
	require.NoError(tb, err)
	return ch
}

// published is what the writer published: e without the hub's delivery
// number (TestMemory_DeliveryNumbers checks those).
func published(e conduit.Event) conduit.Event {
	e.Delivery = 0
	return e
}

// recv returns the next event on ch as published, failing when ch closes
// or stays empty.
func recv(tb testing.TB, ch <-chan conduit.Event) conduit.Event {
	tb.Helper()
	select {
	case e, ok := <-ch:
		require.True(tb, ok, "channel closed")
		return published(e)
	case <-time.After(waitFor):
		require.FailNow(tb, "no event")
		return conduit.Event{}
	}
}

// requireClosed reads ch until it closes, and returns what it read.
func requireClosed(tb testing.TB, ch <-chan conduit.Event) []conduit.Event {
	tb.Helper()
	var got []conduit.Event
	timeout := time.After(waitFor)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return got
			}
			got = append(got, published(e))
		case <-timeout:
			require.FailNow(tb, "channel not closed")
		}
	}
}

func TestMemory_Delivery(t *testing.T) {
	ctx := t.Context()
	m := newMemory(t, 0)
	a1, a2 := subscribe(t, ctx, m, "a"), subscribe(t, ctx, m, "a")
	b := subscribe(t, ctx, m, "b")
	require.Equal(t, 2, m.Subscribers("a"))

	require.NoError(t, m.Publish(ctx, "a", ev(1)))
	require.NoError(t, m.Publish(ctx, "b", ev(2)))
	require.NoError(t, m.Publish(ctx, "nobody", ev(3)))
	require.Equal(t, ev(1), recv(t, a1))
	require.Equal(t, ev(1), recv(t, a2))
	// Publish fills buffers before it returns, so what is not there now
	// never will be.
	require.Equal(t, ev(2), recv(t, b), "b's first event is its own")
	require.Empty(t, a1)
	require.Empty(t, a2)
	require.Empty(t, b)
}

// The subscribers of one publish see one delivery number, and each publish
// a new one, so that they may share what they read for that event alone.
func TestMemory_DeliveryNumbers(t *testing.T) {
	ctx := t.Context()
	m := newMemory(t, 0)
	a1, a2 := subscribe(t, ctx, m, "a"), subscribe(t, ctx, m, "a")
	require.NoError(t, m.Publish(ctx, "a", ev(1)))
	require.NoError(t, m.Publish(ctx, "a", ev(1))) // the same event again
	first1, first2 := <-a1, <-a2
	second1, second2 := <-a1, <-a2
	require.NotZero(t, first1.Delivery)
	require.Equal(t, first1.Delivery, first2.Delivery)
	require.Equal(t, second1.Delivery, second2.Delivery)
	require.NotEqual(t, first1.Delivery, second1.Delivery)
}

func TestMemory_Order(t *testing.T) {
	ctx := t.Context()
	m := newMemory(t, 100)
	chs := []<-chan conduit.Event{subscribe(t, ctx, m, "a"), subscribe(t, ctx, m, "a")}
	for i := range 100 {
		require.NoError(t, m.Publish(ctx, "a", ev(i)))
	}
	for _, ch := range chs {
		for i := range 100 {
			require.Equal(t, ev(i), recv(t, ch))
		}
	}
}

// TestMemory_Cancel runs in a synctest bubble: Wait lets the context
// callback finish, and the bubble fails the test if any goroutine is left.
func TestMemory_Cancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMemory(t, 0)
		ctx, cancel := context.WithCancel(t.Context())
		ch := subscribe(t, ctx, m, "a")
		stays := subscribe(t, t.Context(), m, "a")
		require.Equal(t, 2, m.Subscribers("a"))

		cancel()
		synctest.Wait()
		_, ok := <-ch
		require.False(t, ok, "closed when ctx ends")
		require.False(t, m.Dropped(ch), "not a drop")
		require.Equal(t, 1, m.Subscribers("a"))

		require.NoError(t, m.Publish(t.Context(), "a", ev(1)))
		require.Equal(t, ev(1), published(<-stays))
	})
}

func TestMemory_CancelledContext(t *testing.T) {
	m := newMemory(t, 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := m.Subscribe(ctx, "a")
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, m.Subscribers("a"))
}

func TestMemory_SlowSubscriberDropped(t *testing.T) {
	const buffer = 4
	ctx := t.Context()
	m := newMemory(t, buffer)
	slowCtx, cancelSlow := context.WithCancel(ctx)
	slow := subscribe(t, slowCtx, m, "a")
	fast := subscribe(t, ctx, m, "a")

	for i := range buffer {
		require.NoError(t, m.Publish(ctx, "a", ev(i)))
		require.Equal(t, ev(i), recv(t, fast))
	}
	require.Equal(t, 2, m.Subscribers("a"), "a full buffer is not yet too slow")
	require.False(t, m.Dropped(slow))

	require.NoError(t, m.Publish(ctx, "a", ev(buffer)), "event buffer+1 drops slow, without an error")
	require.Equal(t, ev(buffer), recv(t, fast))
	require.Equal(t, 1, m.Subscribers("a"))

	got := requireClosed(t, slow)
	require.Len(t, got, buffer, "slow still reads what its buffer held")
	require.Equal(t, ev(0), got[0])
	require.True(t, m.Dropped(slow), "the drop is reported")
	require.False(t, m.Dropped(fast))

	for i := range 3 * buffer {
		require.NoError(t, m.Publish(ctx, "a", ev(i)))
		require.Equal(t, ev(i), recv(t, fast), "fast keeps receiving")
	}

	// The report lasts as long as the subscriber's context.
	cancelSlow()
	require.Eventually(t, func() bool { return !m.Dropped(slow) }, waitFor, time.Millisecond)
}

func TestMemory_PublishNeverBlocks(t *testing.T) {
	const n = 1000
	ctx := t.Context()
	m := newMemory(t, 1)
	chs := make([]<-chan conduit.Event, n)
	for i := range chs {
		chs[i] = subscribe(t, ctx, m, "a")
	}
	require.NoError(t, m.Publish(ctx, "a", ev(0)), "fills every buffer")

	done := make(chan error, 1)
	go func() { done <- m.Publish(ctx, "a", ev(1)) }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Publish blocked on full buffers")
	}
	require.Zero(t, m.Subscribers("a"))
	for _, ch := range chs {
		require.Equal(t, []conduit.Event{ev(0)}, requireClosed(t, ch))
		require.True(t, m.Dropped(ch))
	}
}

// TestMemory_Concurrent is for -race: publishers, subscribers that come and
// go, and subscribers that never read, all at once.
func TestMemory_Concurrent(t *testing.T) {
	topics := []string{"a", "b", "c"}
	m := newMemory(t, 8)
	stop := make(chan struct{})
	var publishers sync.WaitGroup
	for p := range 4 {
		publishers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				assert.NoError(t, m.Publish(t.Context(), topics[(p+i)%len(topics)], ev(i)))
			}
		})
	}
	var subscribers sync.WaitGroup
	for s := range 32 {
		subscribers.Go(func() {
			for i := range 20 {
				ctx, cancel := context.WithCancel(t.Context())
				ch, err := m.Subscribe(ctx, topics[(s+i)%len(topics)])
				if !assert.NoError(t, err) {
					cancel()
					return
				}
				if s%4 != 0 { // every fourth never reads, and is dropped
					for range 5 {
						if _, ok := <-ch; !ok {
							break
						}
					}
				}
				cancel()
				for range ch { // until the cancel or a drop closes it
				}
			}
		})
	}
	subscribers.Wait()
	close(stop)
	publishers.Wait()
	for _, topic := range topics {
		require.Eventually(t, func() bool { return m.Subscribers(topic) == 0 }, waitFor, time.Millisecond, topic)
	}
}

func TestMemory_Close(t *testing.T) {
	ctx := t.Context()
	m := pubsub.NewMemory(pubsub.Options{})
	a, b := subscribe(t, ctx, m, "a"), subscribe(t, ctx, m, "b")
	require.NoError(t, m.Publish(ctx, "a", ev(1)))

	require.NoError(t, m.Close())
	require.Equal(t, []conduit.Event{ev(1)}, requireClosed(t, a))
	require.Empty(t, requireClosed(t, b))
	require.False(t, m.Dropped(a), "closed, not dropped")
	require.Zero(t, m.Subscribers("a"))
	require.ErrorIs(t, m.Publish(ctx, "a", ev(2)), pubsub.ErrClosed)
	_, err := m.Subscribe(ctx, "a")
	require.ErrorIs(t, err, pubsub.ErrClosed)
	require.NoError(t, m.Close(), "twice is harmless")
}

// TestMemory_CloseWhilePublishing is for -race and for panics: Close must
// never close a channel that a Publish is about to send on.
func TestMemory_CloseWhilePublishing(t *testing.T) {
	m := pubsub.NewMemory(pubsub.Options{Buffer: 2})
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := 0; m.Publish(t.Context(), "a", ev(p*1000+i)) == nil; i++ {
			}
		})
		wg.Go(func() {
			for {
				ch, err := m.Subscribe(t.Context(), "a")
				if err != nil {
					assert.ErrorIs(t, err, pubsub.ErrClosed)
					return
				}
				for range ch {
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, m.Close())
	wg.Wait()
}

// ExampleMemory_Dropped shows a subscriber that falls a full buffer behind:
// its channel closes after what it had, and Dropped tells that close from
// one because its context ended or the hub closed.
func ExampleMemory_Dropped() {
	events := pubsub.NewMemory(pubsub.Options{Buffer: 1})
	ctx := context.Background()
	ch, _ := events.Subscribe(ctx, "article:42")
	_ = events.Publish(ctx, "article:42", conduit.Event{Kind: conduit.EventCommentAdded, CommentID: 1})
	_ = events.Publish(ctx, "article:42", conduit.Event{Kind: conduit.EventCommentAdded, CommentID: 2})

	for e := range ch {
		fmt.Println("event", e.CommentID)
	}
	if events.Dropped(ch) {
		fmt.Println("too slow")
	}
	// Output:
	// event 1
	// too slow
}
