package resolvers_test

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/graph"
	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

const articleUpdatedSub = `subscription($id: ID!) { articleUpdated(id: $id) {
  title tags favoritesCount viewerHasFavorited commentsCount author { username bio viewerIsFollowing } } }`

type articleUpdate struct {
	ArticleUpdated struct {
		Title              string
		Tags               []string
		FavoritesCount     int
		ViewerHasFavorited bool
		CommentsCount      int
		Author             struct {
			Username          string
			ViewerIsFollowing bool
		}
	}
}

// subscribeMany opens sockets as the user with token ("" for anonymous),
// each with perSocket articleUpdated subscriptions of article.
func subscribeMany(t *testing.T, api *apitest.API, srv *httptest.Server, token, article string, sockets, perSocket int) []*apitest.WSClient {
	t.Helper()
	return subscribeManyTo(t, api, srv, articleUpdatedSub, token, article, sockets, perSocket)
}

// subscribeManyTo is subscribeMany with another subscription of article.
func subscribeManyTo(t *testing.T, api *apitest.API, srv *httptest.Server, query, token, article string, sockets, perSocket int) []*apitest.WSClient {
	t.Helper()
	before := api.DB.Statements()
	var init map[string]any
	if token != "" {
		init = map[string]any{"authorization": "Bearer " + token}
	}
	var cs []*apitest.WSClient
	for range sockets {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, init)
		for i := range perSocket {
			c.Subscribe(strconv.Itoa(i), query, map[string]any{"id": article})
		}
		cs = append(cs, c)
	}
	// Each subscription reads its article once as it starts; it listens
	// for events right after.
	require.Eventually(t, func() bool { return api.DB.Statements()-before >= int64(sockets*perSocket) }, 20*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	return cs
}

// receive reads one articleUpdated from every subscription of cs.
func receive(t *testing.T, cs []*apitest.WSClient, perSocket int) []articleUpdate {
	t.Helper()
	var out []articleUpdate
	for _, c := range cs {
		seen := map[string]bool{}
		for range perSocket {
			m := c.Next()
			require.Equal(t, "next", m.Type, "%s", m.Payload)
			require.False(t, seen[m.ID], "one event, one result per subscription")
			seen[m.ID] = true
			var resp struct {
				Data   articleUpdate
				Errors []apitest.Error
			}
			require.NoError(t, json.Unmarshal(m.Payload, &resp))
			require.Empty(t, resp.Errors)
			out = append(out, resp.Data)
		}
	}
	return out
}

// An event reaches every subscriber, but its reads are made once per
// distinct viewer: 2,000 anonymous articleUpdated subscriptions turned two
// favorite toggles into 44,000 SQL statements. 200 subscribers now cost
// what one does.
func TestSubscriptionEventReadsShared(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		ann := api.MustSignUp(t, "ann")
		a := api.MustCreateArticle(t, ann, "Popular", "go", "graphql")

		// statements counts what one new comment costs, the write and
		// every subscriber's result included.
		statements := func(sockets, perSocket, comments int) int64 {
			cs := subscribeMany(t, api, srv, "", a.ID, sockets, perSocket)
			defer func() {
				for _, c := range cs {
					c.Conn.CloseNow()
				}
			}()
			var got []articleUpdate
			n := api.Statements(func() {
				api.MustAddComment(t, ann, a.ID, "one more")
				got = receive(t, cs, perSocket)
			})
			require.Len(t, got, sockets*perSocket)
			for _, u := range got {
				require.Equal(t, "Popular", u.ArticleUpdated.Title)
				require.Equal(t, []string{"go", "graphql"}, u.ArticleUpdated.Tags)
				require.Equal(t, comments, u.ArticleUpdated.CommentsCount)
				require.Equal(t, "ann", u.ArticleUpdated.Author.Username)
				require.False(t, u.ArticleUpdated.ViewerHasFavorited)
			}
			return n
		}
		one := statements(1, 1, 1)
		many := statements(4, 50, 2)
		t.Logf("one new comment: %d statements with 1 subscriber, %d with 200", one, many)
		require.LessOrEqual(t, many, one+2, "the reads of one event do not grow with its subscribers")

		// commentAdded reads the new comment and its author once too.
		comments := func(sockets, perSocket int, body string) int64 {
			const sub = `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username viewerIsFollowing } } }`
			cs := subscribeManyTo(t, api, srv, sub, "", a.ID, sockets, perSocket)
			defer func() {
				for _, c := range cs {
					c.Conn.CloseNow()
				}
			}()
			return api.Statements(func() {
				api.MustAddComment(t, ann, a.ID, body)
				for _, c := range cs {
					for range perSocket {
						m := c.Next()
						require.Equal(t, "next", m.Type, "%s", m.Payload)
						require.JSONEq(t, `{"data":{"commentAdded":{"body":"`+body+`","author":{"username":"ann","viewerIsFollowing":false}}}}`, string(m.Payload))
					}
				}
			})
		}
		one, many = comments(1, 1, "first"), comments(4, 50, "second")
		t.Logf("commentAdded: %d statements with 1 subscriber, %d with 200", one, many)
		require.LessOrEqual(t, many, one+2, "the reads of one comment do not grow with its subscribers")
	})
}

// Subscribers share reads only with their own viewer: each still sees
// its own viewerHasFavorited and viewerIsFollowing.
func TestSubscriptionEventViewerFields(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		ann, bob, carl := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob"), api.MustSignUp(t, "carl")
		a := api.MustCreateArticle(t, ann, "Watched")
		api.Post(t, bob.Token, favoriteMutation, map[string]any{"id": a.ID})
		api.Post(t, carl.Token, apitest.FollowMutation, map[string]any{"id": ann.ID})

		viewers := map[string]struct {
			token                string
			favorited, following bool
		}{
			"bob":       {bob.Token, true, false},
			"carl":      {carl.Token, false, true},
			"anonymous": {"", false, false},
		}
		clients := map[string][]*apitest.WSClient{}
		for name, v := range viewers {
			clients[name] = subscribeMany(t, api, srv, v.token, a.ID, 2, 3)
		}
		api.MustAddComment(t, ann, a.ID, "news")
		for name, v := range viewers {
			for _, u := range receive(t, clients[name], 3) {
				require.Equal(t, 1, u.ArticleUpdated.FavoritesCount, name)
				require.Equal(t, 1, u.ArticleUpdated.CommentsCount, name)
				require.Equal(t, v.favorited, u.ArticleUpdated.ViewerHasFavorited, name)
				require.Equal(t, v.following, u.ArticleUpdated.Author.ViewerIsFollowing, name)
			}
		}
		// The next event is read afresh: bob's unfavorite shows to all.
		api.Post(t, bob.Token, unfavoriteMutation, map[string]any{"id": a.ID})
		for name := range viewers {
			for _, u := range receive(t, clients[name], 3) {
				require.Equal(t, 0, u.ArticleUpdated.FavoritesCount, name)
				require.False(t, u.ArticleUpdated.ViewerHasFavorited, name)
			}
		}
	})
}

// TestSubscriptionEventPayloadShared: one event resolves its payload once
// per operation, variables and viewer, and the other subscribers get it
// as it was. Not parallel: it reads process-wide counters.
func TestSubscriptionEventPayloadShared(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	ann := api.MustSignUp(t, "ann")
	a := api.MustCreateArticle(t, ann, "Shared", "go")
	cs := subscribeMany(t, api, srv, "", a.ID, 4, 50)
	defer func() {
		for _, c := range cs {
			c.Conn.CloseNow()
		}
	}()
	computed0, shared0 := graph.EventPayloadStats()
	api.MustAddComment(t, ann, a.ID, "news")
	got := receive(t, cs, 50)
	require.Len(t, got, 200)
	for _, u := range got {
		require.Equal(t, "Shared", u.ArticleUpdated.Title)
		require.Equal(t, 1, u.ArticleUpdated.CommentsCount)
	}
	computed, shared := graph.EventPayloadStats()
	t.Logf("200 subscribers: %d payloads computed, %d shared", computed-computed0, shared-shared0)
	require.LessOrEqual(t, computed-computed0, int64(2), "the payload was resolved for each subscriber")
	require.GreaterOrEqual(t, shared-shared0, int64(198))
}
