package pubsub_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// newRedis returns a hub on a client of the Redis at url, tuned as the
// server tunes it, both closed when tb ends. A nil opts.Logger logs to the
// test's output.
func newRedis(tb testing.TB, url string, opts pubsub.Options) *pubsub.Redis {
	tb.Helper()
	client, err := redisconn.New(url)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = client.Close() })
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tb.Output(), nil))
	}
	r := pubsub.NewRedis(client, opts)
	tb.Cleanup(func() { require.NoError(tb, r.Close()) })
	return r
}

// newAdmin returns a plain client of the Redis at url, to look at the
// server from outside the hubs.
func newAdmin(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(url)
	require.NoError(tb, err)
	client := redis.NewClient(opt)
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// requireNumSub waits until n connections are subscribed to channel.
func requireNumSub(tb testing.TB, admin *redis.Client, channel string, n int64) {
	tb.Helper()
	var got int64
	require.Eventually(tb, func() bool {
		m, err := admin.PubSubNumSub(context.Background(), channel).Result()
		got = m[channel]
		return err == nil && got == n
	}, waitFor, 10*time.Millisecond, "PUBSUB NUMSUB %s: want %d", channel, n)
}

func TestRedis_TwoInstances(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	a, b := newRedis(t, rs.URL, pubsub.Options{}), newRedis(t, rs.URL, pubsub.Options{})
	onA := subscribe(t, ctx, a, "t1")
	onA2 := subscribe(t, ctx, a, "t1")
	onB := subscribe(t, ctx, b, "t1")
	otherTopic := subscribe(t, ctx, b, "t2")
	requireNumSub(t, admin, "conduit:v2:events:t1", 2) // one connection per instance
	requireNumSub(t, admin, "conduit:v2:events:t2", 1)

	require.NoError(t, a.Publish(ctx, "t1", ev(1)))
	require.NoError(t, a.Publish(ctx, "t2", ev(2)))
	require.Equal(t, ev(1), recv(t, onA), "the publishing instance")
	require.Equal(t, ev(1), recv(t, onA2))
	require.Equal(t, ev(1), recv(t, onB), "the other instance")
	require.Equal(t, ev(2), recv(t, otherTopic), "t2's first event is its own")
	// b's connection delivered ev(1) before ev(2), so no t2 event is on
	// its way to a t1 subscriber.
	require.Empty(t, onB)

	for i := range 20 {
		require.NoError(t, b.Publish(ctx, "t1", ev(i)))
	}
	for i := range 20 {
		require.Equal(t, ev(i), recv(t, onA), "order kept")
	}
}

func TestRedis_Prefix(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	// Two instances of each version: a publisher and a subscriber, so that
	// what the subscribers get came through Redis.
	v9, v9pub := newRedis(t, rs.URL, pubsub.Options{Prefix: "conduit:v9:"}), newRedis(t, rs.URL, pubsub.Options{Prefix: "conduit:v9:"})
	cur, curPub := newRedis(t, rs.URL, pubsub.Options{}), newRedis(t, rs.URL, pubsub.Options{})
	onV9 := subscribe(t, ctx, v9, "t")
	onCur := subscribe(t, ctx, cur, "t")
	requireNumSub(t, admin, "conduit:v9:events:t", 1)
	requireNumSub(t, admin, "conduit:v2:events:t", 1)

	require.NoError(t, curPub.Publish(ctx, "t", ev(1)))
	require.NoError(t, v9pub.Publish(ctx, "t", ev(2)))
	require.Equal(t, ev(2), recv(t, onV9), "versions do not cross")
	require.Equal(t, ev(1), recv(t, onCur))
}

func TestRedis_UnsubscribeAfterLast(t *testing.T) {
	const channel = "conduit:v2:events:t"
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{})
	ctx1, cancel1 := context.WithCancel(ctx)
	ctx2, cancel2 := context.WithCancel(ctx)
	ch1 := subscribe(t, ctx1, r, "t")
	subscribe(t, ctx2, r, "t")
	requireNumSub(t, admin, channel, 1)

	cancel1()
	requireClosed(t, ch1)
	require.Equal(t, 1, r.Subscribers("t"))
	requireNumSub(t, admin, channel, 1)

	cancel2()
	requireNumSub(t, admin, channel, 0)
	require.Zero(t, r.Subscribers("t"))

	// And back again.
	ch := subscribe(t, ctx, r, "t")
	requireNumSub(t, admin, channel, 1)
	require.NoError(t, r.Publish(ctx, "t", ev(1)))
	require.Equal(t, ev(1), recv(t, ch))
}

// TestRedis_SlowSubscriberDropped drops the only subscriber of a topic from
// the receive loop (the events come from another instance); the topic is
// then unsubscribed too.
func TestRedis_SlowSubscriberDropped(t *testing.T) {
	const channel = "conduit:v2:events:t"
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{Buffer: 2})
	other := newRedis(t, rs.URL, pubsub.Options{})
	slow := subscribe(t, ctx, r, "t")
	requireNumSub(t, admin, channel, 1)

	// Events arrive asynchronously: read nothing until the buffer is full.
	for i := range 2 {
		require.NoError(t, other.Publish(ctx, "t", ev(i)))
	}
	require.Eventually(t, func() bool { return len(slow) == 2 }, waitFor, time.Millisecond)
	require.NoError(t, other.Publish(ctx, "t", ev(2)))
	require.Eventually(t, func() bool { return r.Dropped(slow) }, waitFor, time.Millisecond)
	require.Equal(t, []conduit.Event{ev(0), ev(1)}, requireClosed(t, slow))
	requireNumSub(t, admin, channel, 0)
}

func TestRedis_UndecodableMessageSkipped(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{})
	other := newRedis(t, rs.URL, pubsub.Options{})
	ch := subscribe(t, ctx, r, "t")
	requireNumSub(t, admin, "conduit:v2:events:t", 1)

	require.NoError(t, admin.Publish(ctx, "conduit:v2:events:t", "not json").Err())
	require.NoError(t, admin.Publish(ctx, "conduit:v2:events:t", `{"kind":"COMMENT_ADDED"}`).Err(), "an event of v1, untagged")
	require.NoError(t, other.Publish(ctx, "t", ev(1)))
	require.Equal(t, ev(1), recv(t, ch))
}

// TestRedis_RedisRestarts stops Redis under two subscribers: publishing
// fails with one warning, subscribing still succeeds, and once Redis is back
// go-redis reconnects and both subscribers, old and new, receive again from
// another instance.
func TestRedis_RedisRestarts(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	log := new(testenv.Buffer)
	r := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.NewTextHandler(log, nil))})
	other := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	before := subscribe(t, ctx, r, "t")
	requireNumSub(t, admin, "conduit:v2:events:t", 1)
	require.NoError(t, other.Publish(ctx, "t", ev(0)))
	require.Equal(t, ev(0), recv(t, before))

	rs.Stop()
	for i := range 20 {
		require.Error(t, r.Publish(ctx, "t", ev(i)))
		require.Equal(t, ev(i), recv(t, before), "delivered on this instance all the same")
	}
	during, err := r.Subscribe(ctx, "u")
	require.NoError(t, err, "subscribing works while Redis is down")
	require.Equal(t, 1, log.Count("level=WARN"), "one warning, not one per publish")

	rs.Start()
	requirePublished(t, other, "t", before)
	requirePublished(t, other, "u", during)
	require.Eventually(t, func() bool { return r.Publish(ctx, "v", ev(0)) == nil }, waitFor, 50*time.Millisecond)
	require.Positive(t, log.Count("redis answers again"))
}

// requirePublished publishes to topic on r until an event arrives on ch, a
// subscription on another instance, which must happen within a bounded
// time. Events published before the subscription connection is back do not
// reach other instances: Redis pub/sub keeps nothing.
func requirePublished(tb testing.TB, r *pubsub.Redis, topic string, ch <-chan conduit.Event) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for i := 1000; time.Now().Before(deadline); i++ {
		if r.Publish(context.Background(), topic, ev(i)) != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		select {
		case e, ok := <-ch:
			require.True(tb, ok, "channel closed")
			require.GreaterOrEqual(tb, e.CommentID, int64(1000), "an event of this round")
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.FailNow(tb, "no event after Redis came back", topic)
}

// TestRedis_Concurrent is for -race and for the reference counting:
// subscribers come and go on a few topics while events flow; at the end no
// topic is left subscribed.
func TestRedis_Concurrent(t *testing.T) {
	topics := []string{"a", "b", "c"}
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{Buffer: 4})
	stop := make(chan struct{})
	var publisher sync.WaitGroup
	publisher.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			assert.NoError(t, r.Publish(t.Context(), topics[i%len(topics)], ev(i)))
		}
	})
	var subscribers sync.WaitGroup
	for s := range 16 {
		subscribers.Go(func() {
			for i := range 10 {
				ctx, cancel := context.WithCancel(t.Context())
				ch, err := r.Subscribe(ctx, topics[(s+i)%len(topics)])
				if !assert.NoError(t, err) {
					cancel()
					return
				}
				select {
				case <-ch:
				case <-time.After(10 * time.Millisecond):
				}
				cancel()
				for range ch {
				}
			}
		})
	}
	subscribers.Wait()
	close(stop)
	publisher.Wait()
	for _, topic := range topics {
		requireNumSub(t, admin, "conduit:v2:events:"+topic, 0)
		require.Zero(t, r.Subscribers(topic))
	}
}

func TestRedis_Close(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	r := newRedis(t, rs.URL, pubsub.Options{})
	ch := subscribe(t, ctx, r, "t")

	require.NoError(t, r.Close())
	requireClosed(t, ch)
	require.False(t, r.Dropped(ch))
	require.ErrorIs(t, r.Publish(ctx, "t", ev(1)), pubsub.ErrClosed)
	_, err := r.Subscribe(ctx, "t")
	require.ErrorIs(t, err, pubsub.ErrClosed)
}

// TestRedis_StartsWithoutRedis makes a hub while Redis is down: nothing
// fails but publishing, and events flow once Redis starts.
func TestRedis_StartsWithoutRedis(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	rs.Stop()
	r := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	other := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	ch := subscribe(t, ctx, r, "t")
	require.Error(t, other.Publish(ctx, "t", ev(1)))

	rs.Start()
	requirePublished(t, other, "t", ch)
}

// TestRedis_DownDeliversLocally stops Redis: an instance's own subscribers
// still get its events, in process; only other instances miss them.
func TestRedis_DownDeliversLocally(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	other := newRedis(t, rs.URL, pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	local := subscribe(t, ctx, r, "t")
	remote := subscribe(t, ctx, other, "t")
	requireNumSub(t, admin, "conduit:v2:events:t", 2)

	rs.Stop()
	err := r.Publish(ctx, "t", ev(1))
	require.ErrorContains(t, err, "other instances", "the error says who missed it")
	require.Equal(t, ev(1), recv(t, local))
	fresh := subscribe(t, ctx, r, "u")
	require.Error(t, r.Publish(ctx, "u", ev(2)))
	require.Equal(t, ev(2), recv(t, fresh), "a subscriber that came during the outage")
	require.Empty(t, remote)
}

// TestRedis_OncePerSubscriber: with Redis up, a subscriber on the
// publishing instance gets each event once (not also when Redis sends the
// instance its own message back), and one on another instance gets it too.
func TestRedis_OncePerSubscriber(t *testing.T) {
	ctx := t.Context()
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	a, b := newRedis(t, rs.URL, pubsub.Options{}), newRedis(t, rs.URL, pubsub.Options{})
	onA := subscribe(t, ctx, a, "t")
	onB := subscribe(t, ctx, b, "t")
	requireNumSub(t, admin, "conduit:v2:events:t", 2)

	for i := range 10 {
		require.NoError(t, a.Publish(ctx, "t", ev(i)))
	}
	for i := range 10 {
		require.Equal(t, ev(i), recv(t, onA))
		require.Equal(t, ev(i), recv(t, onB))
	}
	// b got all ten through Redis, so a's copies from Redis, had they been
	// delivered, are on their way or there by now; a marker published on
	// b, received after them by a, makes sure.
	require.NoError(t, b.Publish(ctx, "t", ev(99)))
	require.Equal(t, ev(99), recv(t, onB))
	require.Equal(t, ev(99), recv(t, onA), "nothing twice before b's event")
	require.Empty(t, onA)
	require.Empty(t, onB)
}

// Count returns how many times s occurs in the log.
// TestRedis_PublishAfterClientLeft publishes with the context of a request
// whose client has gone: the write committed, so the event still goes out.
func TestRedis_PublishAfterClientLeft(t *testing.T) {
	rs := testenv.StartRedis(t)
	admin := newAdmin(t, rs.URL)
	r := newRedis(t, rs.URL, pubsub.Options{})
	ch := subscribe(t, t.Context(), r, "t")
	requireNumSub(t, admin, "conduit:v2:events:t", 1)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NoError(t, r.Publish(ctx, "t", ev(1)))
	require.Equal(t, ev(1), recv(t, ch))
}
