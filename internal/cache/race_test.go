package cache_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The tests in this file stage the race between a read that fills the cache
// and a write that invalidates it: the read loads a row, the write commits
// and invalidates, and only then does the read write what it loaded to
// Redis. The store and Redis are real; the only fake is a gate that holds a
// load after the store has answered, to put the write in between.

// gate holds the next armed load after the store has answered it, until the
// test releases it.
type gate struct {
	loaded  chan struct{} // closed when the held load has its rows
	release chan struct{} // closed by the test to let it go on
	armed   chan struct{} // holds one token while the next load is to be held
}

func newGate() *gate {
	return &gate{loaded: make(chan struct{}), release: make(chan struct{}), armed: make(chan struct{}, 1)}
}

// arm makes the next load block once it has its rows.
func (g *gate) arm() { g.armed <- struct{}{} }

// hold blocks the calling load if the gate is armed.
func (g *gate) hold() {
	select {
	case <-g.armed:
		close(g.loaded)
		<-g.release
	default:
	}
}

// gatedUsers is the store's user service with UsersByIDs held by a gate.
type gatedUsers struct {
	conduit.UserService
	g *gate
}

func (s *gatedUsers) UsersByIDs(ctx context.Context, ids []int64) ([]*conduit.User, error) {
	users, err := s.UserService.UsersByIDs(ctx, ids)
	s.g.hold()
	return users, err
}

// gatedArticles is the store's article service with ArticleByID held by a
// gate.
type gatedArticles struct {
	conduit.ArticleService
	g *gate
}

func (s *gatedArticles) ArticleByID(ctx context.Context, id int64) (*conduit.Article, error) {
	a, err := s.ArticleService.ArticleByID(ctx, id)
	s.g.hold()
	return a, err
}

// wait receives from ch, or fails tb after a while: a broken gate must not
// hang the test run.
func wait[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		tb.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// rawClient is a plain client on the Redis at url, to look at what the
// cache stored.
func rawClient(tb testing.TB, url string) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(url)
	require.NoError(tb, err)
	client := redis.NewClient(opt)
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

// TestUserService_FillLosesToWrite: a read that loaded a user before an
// update committed must not leave that user in Redis after the update's
// invalidation.
func TestUserService_FillLosesToWrite(t *testing.T) {
	ctx := context.Background()
	url := testenv.Redis(t)
	inner := store.NewUserService(MustOpenDB(t), testHasher)
	g := newGate()
	s := cache.NewUserService(&gatedUsers{UserService: inner, g: g}, MustOpenCache(t, url, nil))
	u := MustCreateUser(t, inner, "race")
	raw := rawClient(t, url)

	type result struct {
		users []*conduit.User
		err   error
	}
	g.arm()
	done := make(chan result, 1)
	go func() {
		users, err := s.UsersByIDs(ctx, []int64{u.ID})
		done <- result{users, err}
	}()
	wait(t, g.loaded, "the read to load")

	_, err := s.UpdateUser(ctx, u.ID, conduit.UserUpdate{Username: ptr("renamedwhileread")})
	require.NoError(t, err)
	close(g.release)
	r := wait(t, done, "the read to return")
	require.NoError(t, r.err)
	require.Equal(t, []*conduit.User{u}, r.users, "the read in flight answers what it loaded")

	if v, err := raw.Get(ctx, cache.DefaultPrefix+"user:"+itoa(u.ID)).Result(); err != redis.Nil {
		require.NoError(t, err)
		var cached conduit.User
		require.NoError(t, json.Unmarshal([]byte(v), &cached))
		require.Equal(t, "renamedwhileread", cached.Username, "the old user is not in Redis")
	}
	got, err := s.UsersByIDs(ctx, []int64{u.ID})
	require.NoError(t, err)
	require.Equal(t, "renamedwhileread", got[0].Username)
	one, err := s.UserByID(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, "renamedwhileread", one.Username)

	// And the entry is cached again, fresh: a write does not stop caching.
	requireCached(t, s, got[0])
}

// TestArticleService_FillLosesToWrite: the same race for ArticleByID, which
// fills the article and its tags itself. Each entry is checked on its own:
// a write that drops only the article leaves the tags fillable.
func TestArticleService_FillLosesToWrite(t *testing.T) {
	ctx := context.Background()
	url := testenv.Redis(t)
	db := MustOpenDB(t)
	inner := store.NewArticleService(db)
	g := newGate()
	s := cache.NewArticleService(&gatedArticles{ArticleService: inner, g: g}, MustOpenCache(t, url, nil))
	author := MustCreateUser(t, store.NewUserService(db, testHasher), "race")
	raw := rawClient(t, url)

	// race holds an ArticleByID of id after its load, runs write, and
	// returns what the held read answered.
	race := func(t *testing.T, id int64, write func()) *conduit.Article {
		t.Helper()
		type result struct {
			a   *conduit.Article
			err error
		}
		g.arm()
		done := make(chan result, 1)
		go func() {
			a, err := s.ArticleByID(ctx, id)
			done <- result{a, err}
		}()
		wait(t, g.loaded, "the read to load")
		write()
		close(g.release)
		r := wait(t, done, "the read to return")
		require.NoError(t, r.err)
		g.loaded, g.release = make(chan struct{}), make(chan struct{})
		return r.a
	}
	entry := func(t *testing.T, kind string, id int64) (string, bool) {
		t.Helper()
		v, err := raw.Get(ctx, cache.DefaultPrefix+kind+":"+itoa(id)).Result()
		if err == redis.Nil {
			return "", false
		}
		require.NoError(t, err)
		return v, true
	}

	t.Run("OKTitleAndTags", func(t *testing.T) {
		a, err := s.CreateArticle(ctx, author.ID, conduit.NewArticle{
			Title: "Before", Description: "d", Body: "b", Tags: []string{"oldtag"},
		})
		require.NoError(t, err)
		held := race(t, a.ID, func() {
			_, err := s.UpdateArticle(ctx, author.ID, a.ID, conduit.ArticleUpdate{
				Body: ptr("Rewritten while read"), Tags: &[]string{"newtag"},
			})
			require.NoError(t, err)
		})
		require.Equal(t, "b", held.Body, "the read in flight answers what it loaded")

		if v, ok := entry(t, "article", a.ID); ok {
			require.Equal(t, "Rewritten while read", articleBody(t, v), "the old article is not in Redis")
		}
		if v, ok := entry(t, "tags", a.ID); ok {
			require.JSONEq(t, `["newtag"]`, v, "the old tags are not in Redis")
		}
		got, err := s.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "Rewritten while read", got.Body)
		require.Equal(t, []string{"newtag"}, got.Tags)

		// Cached again, fresh.
		cctx, n := counted()
		again, err := s.ArticleByID(cctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)
		require.Zero(t, n.Load(), "served from Redis")
	})
	t.Run("OKOnlyArticleDropped", func(t *testing.T) {
		a, err := s.CreateArticle(ctx, author.ID, conduit.NewArticle{
			Title: "Kept tags", Description: "d", Body: "b", Tags: []string{"kept"},
		})
		require.NoError(t, err)
		race(t, a.ID, func() {
			_, err := s.UpdateArticle(ctx, author.ID, a.ID, conduit.ArticleUpdate{Body: ptr("New body")})
			require.NoError(t, err)
		})
		if v, ok := entry(t, "article", a.ID); ok {
			require.Equal(t, "New body", articleBody(t, v), "the old article is not in Redis")
		}
		v, ok := entry(t, "tags", a.ID)
		require.True(t, ok, "the tags did not change, so the held read cached them")
		require.JSONEq(t, `["kept"]`, v)
		got, err := s.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "New body", got.Body)
		require.Equal(t, []string{"kept"}, got.Tags)
	})
}

// articleBody decodes a cached article and returns its body.
func articleBody(tb testing.TB, v string) string {
	tb.Helper()
	var a conduit.Article
	require.NoError(tb, json.Unmarshal([]byte(v), &a))
	return a.Body
}
