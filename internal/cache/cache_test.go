package cache_test

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestCache_State(t *testing.T) {
	c := MustOpenCache(t, testenv.Redis(t), nil)
	require.Equal(t, cache.StateOK, c.State(context.Background()))
}

// TestCache_RedisKilled kills Redis under a cached service: reads still
// answer from the database, quickly, with one warning; State says degraded;
// and once Redis is back, reads are cached again.
func TestCache_RedisKilled(t *testing.T) {
	ctx := context.Background()
	rs := testenv.StartRedis(t)
	log := new(testenv.Buffer)
	c := MustOpenCache(t, rs.URL, slog.New(slog.NewTextHandler(log, nil)))
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	s := cache.NewUserService(inner, c)
	u := MustCreateUser(t, inner, "kill")
	requireCached(t, s, u)

	rs.Stop()
	start := time.Now()
	for range 50 {
		cctx, n := counted()
		got, err := s.UsersByIDs(cctx, []int64{u.ID})
		require.NoError(t, err)
		require.Equal(t, []*conduit.User{u}, got)
		require.EqualValues(t, 1, n.Load(), "from the database")
		one, err := s.UserByID(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, u, one)
	}
	require.Less(t, time.Since(start), 2*time.Second, "a dead Redis costs milliseconds")
	require.Equal(t, cache.StateDegraded, c.State(ctx))
	require.Equal(t, 1, log.Count("redis failed"), "one warning, not one per request")

	// A write while Redis is down still succeeds; the restarted Redis is
	// empty, so nothing stale comes back.
	_, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Username: ptr("whiledown")})
	require.NoError(t, err)

	rs.Start()
	require.Eventually(t, func() bool { return c.State(ctx) == cache.StateOK },
		5*time.Second, 50*time.Millisecond, "ok again once Redis answers")
	u, err = inner.UserByID(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, "whiledown", u.Username)
	requireCached(t, s, u)
	require.Equal(t, 1, log.Count("redis answers again"))
}

// requireCached reads u twice through s and asserts that the second read
// ran no SQL.
func requireCached(tb testing.TB, s conduit.UserService, u *conduit.User) {
	tb.Helper()
	ctx, n := counted()
	for range 2 {
		n.Store(0)
		got, err := s.UsersByIDs(ctx, []int64{u.ID})
		require.NoError(tb, err)
		require.Equal(tb, []*conduit.User{u}, got)
	}
	require.Zero(tb, n.Load(), "second read from Redis")
}

// TestCache_RedisSilent puts a Redis that accepts connections and never
// answers (a hung server, a black-holed network) under the cache: the first
// read waits out the op timeout, and the next ones skip Redis until
// RetryAfter has passed.
func TestCache_RedisSilent(t *testing.T) {
	addr := silentServer(t)
	client, err := redisconn.New("redis://" + addr + "/0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	c := cache.New(cache.NewRedis(client), cache.Options{
		Logger: slog.New(slog.DiscardHandler), OpTimeout: 50 * time.Millisecond, RetryAfter: time.Minute,
	})
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	s := cache.NewUserService(inner, c)
	u := MustCreateUser(t, inner, "silent")

	start := time.Now()
	got, err := s.UserByID(context.Background(), u.ID)
	require.NoError(t, err)
	require.Equal(t, u, got)
	require.Less(t, time.Since(start), time.Second, "bounded by the op timeout, not the library's defaults")

	start = time.Now()
	for range 20 {
		_, err := s.UsersByIDs(context.Background(), []int64{u.ID})
		require.NoError(t, err)
	}
	require.Less(t, time.Since(start), 500*time.Millisecond, "skipped while Redis is down")
	require.Equal(t, cache.StateDegraded, c.State(context.Background()))
}

// silentServer listens on a free port and holds every connection open
// without a byte of reply: a fake, only to inject the failure.
func silentServer(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestCache_Flush(t *testing.T) {
	ctx := context.Background()
	url := testenv.Redis(t)
	c := MustOpenCache(t, url, nil)
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	s := cache.NewUserService(inner, c)
	u := MustCreateUser(t, inner, "flush")
	// A write leaves a generation key, which Flush must drop too.
	u, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Bio: ptr("flushed")})
	require.NoError(t, err)
	requireCached(t, s, u)

	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	raw := redis.NewClient(opt)
	defer raw.Close()
	require.NoError(t, raw.Set(ctx, "other:app", "keep", 0).Err())
	keys, err := raw.Keys(ctx, cache.DefaultPrefix+"*").Result()
	require.NoError(t, err)
	require.ElementsMatch(t, []string{
		cache.DefaultPrefix + "user:" + itoa(u.ID),
		cache.DefaultPrefix + "user:" + itoa(u.ID) + ":gen",
	}, keys)

	require.NoError(t, c.Flush(ctx))
	keys, err = raw.Keys(ctx, cache.DefaultPrefix+"*").Result()
	require.NoError(t, err)
	require.Empty(t, keys)
	require.Equal(t, "keep", raw.Get(ctx, "other:app").Val(), "only keys under the prefix")
}

func TestCache_TTL(t *testing.T) {
	ctx := context.Background()
	url := testenv.Redis(t)
	client, err := redisconn.New(url)
	require.NoError(t, err)
	defer client.Close()
	c := cache.New(cache.NewRedis(client), cache.Options{TTL: time.Minute, Prefix: "test:v9:"})
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	u := MustCreateUser(t, inner, "ttl")
	requireCached(t, cache.NewUserService(inner, c), u)

	key := "test:v9:user:" + itoa(u.ID)
	ttl, err := client.TTL(ctx, key).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 50*time.Second)
	require.LessOrEqual(t, ttl, time.Minute)

	// A generation key expires too, long after any read could still be
	// filling: an hour.
	_, err = cache.NewUserService(inner, c).UpdateUser(ctx, u.ID, conduit.UserUpdate{Bio: ptr("ttl")})
	require.NoError(t, err)
	ttl, err = client.TTL(ctx, key+":gen").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 59*time.Minute)
	require.LessOrEqual(t, ttl, time.Hour)
}

// roundTrips counts the commands and pipelines that a client sends, and
// keeps the names of the commands in the last pipeline.
type roundTrips struct {
	commands, pipelines atomic.Int64
	mu                  sync.Mutex
	last                []string
}

func (h *roundTrips) lastPipeline() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.commands.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.pipelines.Add(1)
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.Name()
		}
		h.mu.Lock()
		h.last = names
		h.mu.Unlock()
		return next(ctx, cmds)
	}
}

// TestCache_RoundTrips checks the shape of a batch read: one MGET (of the
// entries and their generations), and one pipeline of fills for what was
// missing, however many ids; and of an invalidation: one pipeline.
func TestCache_RoundTrips(t *testing.T) {
	ctx := context.Background()
	client, err := redisconn.New(testenv.Redis(t))
	require.NoError(t, err)
	defer client.Close()
	hook := new(roundTrips)
	client.AddHook(hook)
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	s := cache.NewUserService(inner, cache.New(cache.NewRedis(client), cache.Options{}))
	var ids []int64
	for range 20 {
		ids = append(ids, MustCreateUser(t, inner, "trip").ID)
	}
	// The handshakes (HELLO, CLIENT SETINFO) of the first connection and of
	// the first pipeline connection (go-redis keeps a pool for each) are not
	// ours.
	require.NoError(t, client.Ping(ctx).Err())
	_, err = client.Pipelined(ctx, func(p redis.Pipeliner) error { return p.Ping(ctx).Err() })
	require.NoError(t, err)
	hook.commands.Store(0)
	hook.pipelines.Store(0)

	_, err = s.UsersByIDs(ctx, ids)
	require.NoError(t, err)
	require.EqualValues(t, 1, hook.commands.Load(), "one MGET")
	require.EqualValues(t, 1, hook.pipelines.Load(), "one pipeline of fills")
	require.Len(t, hook.lastPipeline(), len(ids))
	for _, name := range hook.lastPipeline() {
		require.Equal(t, "eval", name, "each fill checks its generation")
	}

	hook.commands.Store(0)
	hook.pipelines.Store(0)
	_, err = s.UsersByIDs(ctx, ids)
	require.NoError(t, err)
	require.EqualValues(t, 1, hook.commands.Load(), "one MGET, all hits")
	require.Zero(t, hook.pipelines.Load())

	hook.commands.Store(0)
	hook.pipelines.Store(0)
	require.NoError(t, s.FollowUser(ctx, ids[0], ids[1]))
	require.Zero(t, hook.commands.Load())
	require.EqualValues(t, 1, hook.pipelines.Load(), "one pipeline for both users")
	require.Equal(t, []string{"incr", "expire", "del", "incr", "expire", "del"}, hook.lastPipeline(),
		"each generation moves before its entry goes")

	// The next read of those two: one MGET, one pipeline of two fills.
	hook.commands.Store(0)
	hook.pipelines.Store(0)
	_, err = s.UsersByIDs(ctx, ids)
	require.NoError(t, err)
	require.EqualValues(t, 1, hook.commands.Load(), "one MGET")
	require.EqualValues(t, 1, hook.pipelines.Load())
	require.Equal(t, []string{"eval", "eval"}, hook.lastPipeline())
	requireCached(t, s, mustUser(t, inner, ids[0]))
}

func mustUser(tb testing.TB, s conduit.UserService, id int64) *conduit.User {
	tb.Helper()
	u, err := s.UserByID(context.Background(), id)
	require.NoError(tb, err)
	return u
}
