package resolvers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestCache runs the API over a real redis-server: reads are served from the
// cache, every kind of write leaves nothing stale, and a dead Redis only
// makes reads slower.
func TestCache(t *testing.T) {
	apitest.EachDSN(t, func(t *testing.T, dsn string) {
		redisSrv := testenv.StartRedis(t)
		client, err := redisconn.New(redisSrv.URL)
		require.NoError(t, err)
		t.Cleanup(func() { client.Close() })
		c := cache.New(cache.NewRedis(client), cache.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		api := apitest.NewWithCache(t, dsn, apitest.Config(), c)

		lou, max := api.MustSignUp(t, "lou"), api.MustSignUp(t, "max")
		a := api.MustCreateArticle(t, lou, "Cached Title", "one")
		const q = `query($id: ID!) { node(id: $id) { ... on Article { title tags favoritesCount commentsCount author { username followersCount } } } }`
		type view struct {
			Node struct {
				Title                         string
				Tags                          []string
				FavoritesCount, CommentsCount int
				Author                        struct {
					Username       string
					FollowersCount int
				}
			}
		}
		read := func() view {
			var v view
			api.Post(t, "", q, map[string]any{"id": a.ID}).Decode(t, &v)
			return v
		}
		read()
		t.Run("CachedRead", func(t *testing.T) {
			n := api.Statements(func() { read() })
			require.Zero(t, n, "article, tags and author all come from Redis")
			require.Regexp(t, `conduit_cache_hits_total [1-9]`, apitest.HTTPGet(api, "/metrics").Body.String())
		})
		t.Run("NothingStaleAfterWrites", func(t *testing.T) {
			api.Post(t, lou.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "title": "New Title", "tags": []string{"two"}}})
			v := read()
			require.Equal(t, "New Title", v.Node.Title)
			require.Equal(t, []string{"two"}, v.Node.Tags)
			api.Post(t, max.Token, favoriteMutation, map[string]any{"id": a.ID})
			require.Equal(t, 1, read().Node.FavoritesCount)
			api.Post(t, max.Token, unfavoriteMutation, map[string]any{"id": a.ID})
			require.Equal(t, 0, read().Node.FavoritesCount)
			c := api.MustAddComment(t, max, a.ID, "hello")
			require.Equal(t, 1, read().Node.CommentsCount)
			api.Post(t, max.Token, `mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId } }`, map[string]any{"id": c})
			require.Equal(t, 0, read().Node.CommentsCount)
			api.Post(t, max.Token, apitest.FollowMutation, map[string]any{"id": lou.ID})
			require.Equal(t, 1, read().Node.Author.FollowersCount)
			api.Post(t, lou.Token, updateViewerMutation, map[string]any{"in": map[string]any{"username": "louise"}})
			require.Equal(t, "louise", read().Node.Author.Username)
			var tags struct{ PopularTags []struct{ Name string } }
			api.Post(t, "", `{ popularTags { name } }`, nil).Decode(t, &tags)
			require.Equal(t, "two", tags.PopularTags[0].Name)
		})
		t.Run("RedisDown", func(t *testing.T) {
			redisSrv.Stop()
			require.Equal(t, "New Title", read().Node.Title, "reads go to the database")
			api.Post(t, lou.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "title": "Written While Down"}})
			require.Equal(t, "Written While Down", read().Node.Title)
			rec := httptest.NewRecorder()
			api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			require.Equal(t, http.StatusOK, rec.Code)
			require.Contains(t, rec.Body.String(), `"cache":"degraded"`)
			require.Regexp(t, `conduit_cache_bypassed_total [1-9]`, apitest.HTTPGet(api, "/metrics").Body.String())
		})
	})
}
