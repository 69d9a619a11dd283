package resolvers_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
)

// The pages of the Conduit app, as the frontends query them.
const (
	homePageQuery = `query Home($first: Int!) {
  articles(first: $first) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id slug title description createdAt tags favoritesCount viewerHasFavorited commentsCount
      author { username image viewerIsFollowing } } }
  }
}`
	articlePageQuery = `query Article($slug: String!, $first: Int!) {
  article(slug: $slug) { id slug title body tags createdAt favoritesCount viewerHasFavorited commentsCount
    author { username bio image viewerIsFollowing followersCount }
    comments(first: $first) { edges { node { id body createdAt author { username image viewerIsFollowing } } } pageInfo { hasNextPage endCursor } }
  }
}`
	profilePageQuery = `query Profile($username: String!, $first: Int!) {
  user(username: $username) { username bio image viewerIsFollowing followersCount followingCount
    articles(first: $first) { nodes { slug title tags favoritesCount viewerHasFavorited author { username image } } pageInfo { hasNextPage endCursor } }
    favoriteArticles(first: $first) { nodes { slug title tags favoritesCount viewerHasFavorited author { username image viewerIsFollowing } } pageInfo { hasNextPage endCursor } }
  }
}`
	feedPageQuery = `query Feed($first: Int!) {
  feed(first: $first) { edges { node { slug title tags favoritesCount viewerHasFavorited commentsCount author { username image viewerIsFollowing } } } pageInfo { hasNextPage endCursor } }
}`
)

// maxStatements is the fixed budget of every page: a handful of batched
// queries, whatever the page size.
const maxStatements = 9

// TestStatementBudget checks that the SQL statements of each page of the app
// do not depend on its size: 5 items and 100 stay under one small bound.
func TestStatementBudget(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		reader := api.MustSignUp(t, "reader")
		var authors []apitest.User
		for i := range 10 {
			authors = append(authors, api.MustSignUp(t, fmt.Sprintf("author%d", i)))
			api.Post(t, reader.Token, apitest.FollowMutation, map[string]any{"id": authors[i].ID})
		}
		var articles []apitest.Article
		for i := range 110 {
			a := api.MustCreateArticle(t, authors[i%10], fmt.Sprintf("Article %d", i), fmt.Sprintf("tag%d", i%7), "common")
			articles = append(articles, a)
			if i%2 == 0 {
				api.Post(t, reader.Token, favoriteMutation, map[string]any{"id": a.ID})
				api.Post(t, authors[0].Token, favoriteMutation, map[string]any{"id": a.ID})
			}
		}
		busy := articles[len(articles)-1]
		for i := range 110 {
			api.MustAddComment(t, authors[i%10], busy.ID, fmt.Sprintf("Comment %d", i))
		}
		pages := []struct {
			name  string
			query string
			vars  map[string]any
			anon  bool
		}{
			{"Home", homePageQuery, map[string]any{}, true},
			{"Article", articlePageQuery, map[string]any{"slug": busy.Slug}, true},
			{"Profile", profilePageQuery, map[string]any{"username": authors[0].Username}, true},
			{"Feed", feedPageQuery, map[string]any{}, false},
		}
		for _, p := range pages {
			for _, viewer := range []apitest.User{{}, reader} {
				name := p.name + "/signedIn"
				if viewer.Token == "" {
					if !p.anon {
						continue
					}
					name = p.name + "/anonymous"
				}
				t.Run(name, func(t *testing.T) {
					count := func(first int) (int64, int) {
						vars := map[string]any{"first": first}
						for k, v := range p.vars {
							vars[k] = v
						}
						var resp apitest.Response
						n := api.Statements(func() { resp = api.Post(t, viewer.Token, p.query, vars) })
						require.Empty(t, resp.Errors)
						return n, len(resp.Data)
					}
					small, smallSize := count(5)
					large, largeSize := count(100)
					require.Greater(t, largeSize, 2*smallSize, "the large page really is larger")
					// Loads that start within the loaders' wait may share a
					// query, so the count can differ by a merge; it never grows
					// with the page: both stay under the same small bound.
					require.LessOrEqual(t, small, int64(maxStatements), "statements with first: 5")
					require.LessOrEqual(t, large, int64(maxStatements), "statements with first: 100")
					t.Logf("%s: %d statements for 5 items, %d for 100", name, small, large)
				})
			}
		}
		// nodes() is no page: nothing primes what its items select, so the
		// first item of the list loads for all of them.
		t.Run("Nodes/signedIn", func(t *testing.T) {
			const q = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Article { viewerHasFavorited author { viewerIsFollowing } } ... on User { viewerIsFollowing } } }`
			count := func(n int) int64 {
				ids := []string{}
				for i := range n {
					ids = append(ids, articles[i].ID, authors[i%10].ID)
				}
				var resp apitest.Response
				st := api.Statements(func() { resp = api.Post(t, reader.Token, q, map[string]any{"ids": ids}) })
				require.Empty(t, resp.Errors)
				return st
			}
			small, large := count(2), count(40)
			require.LessOrEqual(t, small, int64(maxStatements))
			require.LessOrEqual(t, large, int64(maxStatements), "statements must not grow with the number of nodes")
			t.Logf("Nodes: %d statements for 4 nodes, %d for 80", small, large)
		})
	})
}
