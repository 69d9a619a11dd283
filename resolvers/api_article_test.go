package resolvers_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestCreateArticle(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		ann := api.MustSignUp(t, "ann")
		t.Run("OK", func(t *testing.T) {
			a := api.MustCreateArticle(t, ann, "How to Train Your Dragon", " dragons ", "training", "dragons", "")
			require.Equal(t, "how-to-train-your-dragon", a.Slug)
			require.Equal(t, []string{"dragons", "training"}, a.Tags, "trimmed, de-duplicated, order kept")
			require.Equal(t, "ann", a.Author.Username)
		})
		t.Run("SlugCollisionGetsSuffix", func(t *testing.T) {
			b := api.MustCreateArticle(t, ann, "How to train your dragon!")
			require.Regexp(t, `^how-to-train-your-dragon-[a-z0-9]+$`, b.Slug)
		})
		t.Run("ErrAnonymous", func(t *testing.T) {
			resp := api.Post(t, "", apitest.CreateArticleMutation, map[string]any{"in": map[string]any{"title": "x", "description": "y", "body": "z"}})
			require.Equal(t, "UNAUTHENTICATED", resp.Code())
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			resp := api.Post(t, ann.Token, apitest.CreateArticleMutation, map[string]any{"in": map[string]any{"title": " ", "description": "", "body": "z"}})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.Contains(t, resp.Errors[0].Extensions.Fields, "title")
			require.Contains(t, resp.Errors[0].Extensions.Fields, "description")
		})
	})
}

const updateArticleMutation = `mutation($in: UpdateArticleInput!) { updateArticle(input: $in) { article { id slug title tags } } }`

func TestUpdateAndDeleteArticle(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		ben, cat := api.MustSignUp(t, "ben"), api.MustSignUp(t, "cat")
		a := api.MustCreateArticle(t, ben, "First Title", "go")
		t.Run("TitleChangesSlug", func(t *testing.T) {
			var out struct {
				UpdateArticle struct{ Article apitest.Article }
			}
			api.Post(t, ben.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "title": "Second Title", "tags": []string{"go", "sql"}}}).Decode(t, &out)
			require.Equal(t, "second-title", out.UpdateArticle.Article.Slug)
			require.Equal(t, []string{"go", "sql"}, out.UpdateArticle.Article.Tags)
			resp := api.Post(t, "", `{ article(slug: "first-title") { id } }`, nil)
			require.JSONEq(t, `{"article": null}`, string(resp.Data), "the old slug is gone")
		})
		t.Run("ErrNotAuthor", func(t *testing.T) {
			resp := api.Post(t, cat.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": a.ID, "title": "Hijacked"}})
			require.Equal(t, "FORBIDDEN", resp.Code())
			resp = api.Post(t, cat.Token, `mutation($id: ID!) { deleteArticle(input: {id: $id}) { deletedArticleId } }`, map[string]any{"id": a.ID})
			require.Equal(t, "FORBIDDEN", resp.Code())
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			resp := api.Post(t, ben.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": apitest.GlobalID("Article", 987654), "title": "x"}})
			require.Equal(t, "NOT_FOUND", resp.Code())
		})
		t.Run("ErrMalformedID", func(t *testing.T) {
			resp := api.Post(t, ben.Token, updateArticleMutation, map[string]any{"in": map[string]any{"id": ben.ID, "title": "x"}})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
		})
		t.Run("DeleteRemovesCommentsAndFavorites", func(t *testing.T) {
			api.Post(t, cat.Token, `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { id } } }`, map[string]any{"id": a.ID})
			c := api.MustAddComment(t, cat, a.ID, "Nice.")
			var out struct {
				DeleteArticle struct{ DeletedArticleID string }
			}
			api.Post(t, ben.Token, `mutation($id: ID!) { deleteArticle(input: {id: $id}) { deletedArticleId } }`, map[string]any{"id": a.ID}).Decode(t, &out)
			require.Equal(t, a.ID, out.DeleteArticle.DeletedArticleID)
			resp := api.Post(t, "", `query($a: ID!, $c: ID!) { a: node(id: $a) { id } c: node(id: $c) { id } user(username: "cat") { favoriteArticles { totalCount } } }`, map[string]any{"a": a.ID, "c": c})
			require.JSONEq(t, `{"a": null, "c": null, "user": {"favoriteArticles": {"totalCount": 0}}}`, string(resp.Data))
		})
	})
}

const (
	favoriteMutation   = `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { favoritesCount viewerHasFavorited } } }`
	unfavoriteMutation = `mutation($id: ID!) { unfavoriteArticle(input: {articleId: $id}) { article { favoritesCount viewerHasFavorited } } }`
)

func TestFavorites(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		dan, eve := api.MustSignUp(t, "dan"), api.MustSignUp(t, "eve")
		a := api.MustCreateArticle(t, dan, "Favorite Me")
		type fav struct {
			FavoritesCount     int
			ViewerHasFavorited bool
		}
		do := func(m string) fav {
			var out map[string]struct{ Article fav }
			api.Post(t, eve.Token, m, map[string]any{"id": a.ID}).Decode(t, &out)
			for _, v := range out {
				return v.Article
			}
			return fav{}
		}
		require.Equal(t, fav{1, true}, do(favoriteMutation))
		require.Equal(t, fav{1, true}, do(favoriteMutation), "favoriting twice counts once")
		var list struct {
			Articles struct {
				TotalCount int
				Nodes      []struct{ Slug string }
			}
		}
		api.Post(t, "", `{ articles(filter: {favoritedBy: "eve"}) { totalCount nodes { slug } } }`, nil).Decode(t, &list)
		require.Equal(t, 1, list.Articles.TotalCount)
		require.Equal(t, fav{0, false}, do(unfavoriteMutation))
		require.Equal(t, fav{0, false}, do(unfavoriteMutation))
		require.Equal(t, "UNAUTHENTICATED", api.Post(t, "", favoriteMutation, map[string]any{"id": a.ID}).Code())
		require.Equal(t, "NOT_FOUND", api.Post(t, eve.Token, favoriteMutation, map[string]any{"id": apitest.GlobalID("Article", 55555)}).Code())
	})
}

func TestComments(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		fay, gus := api.MustSignUp(t, "fay"), api.MustSignUp(t, "gus")
		a := api.MustCreateArticle(t, fay, "Comment Here")
		first := api.MustAddComment(t, gus, a.ID, "First!")
		api.MustAddComment(t, fay, a.ID, "Thanks.")
		t.Run("OldestFirst", func(t *testing.T) {
			var out struct {
				Article struct {
					CommentsCount int
					Comments      struct {
						TotalCount int
						Nodes      []struct {
							Body    string
							Author  struct{ Username string }
							Article struct{ Slug string }
						}
					}
				}
			}
			api.Post(t, "", `{ article(slug: "comment-here") { commentsCount comments { totalCount nodes { body author { username } article { slug } } } } }`, nil).Decode(t, &out)
			require.Equal(t, 2, out.Article.CommentsCount)
			require.Equal(t, 2, out.Article.Comments.TotalCount)
			require.Equal(t, "First!", out.Article.Comments.Nodes[0].Body)
			require.Equal(t, "gus", out.Article.Comments.Nodes[0].Author.Username)
			require.Equal(t, "comment-here", out.Article.Comments.Nodes[1].Article.Slug)
		})
		const del = `mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId } }`
		t.Run("ErrNotCommentAuthor", func(t *testing.T) {
			require.Equal(t, "FORBIDDEN", api.Post(t, fay.Token, del, map[string]any{"id": first}).Code())
		})
		t.Run("ErrBlankBody", func(t *testing.T) {
			resp := api.Post(t, gus.Token, apitest.AddCommentMutation, map[string]any{"id": a.ID, "body": "   "})
			require.Equal(t, "BAD_USER_INPUT", resp.Code())
			require.Contains(t, resp.Errors[0].Extensions.Fields, "body")
		})
		t.Run("ErrUnknownArticle", func(t *testing.T) {
			require.Equal(t, "NOT_FOUND", api.Post(t, gus.Token, apitest.AddCommentMutation, map[string]any{"id": apitest.GlobalID("Article", 4444), "body": "x"}).Code())
		})
		t.Run("Delete", func(t *testing.T) {
			var out struct {
				DeleteComment struct{ DeletedCommentID string }
			}
			api.Post(t, gus.Token, del, map[string]any{"id": first}).Decode(t, &out)
			require.Equal(t, first, out.DeleteComment.DeletedCommentID)
			require.Equal(t, "NOT_FOUND", api.Post(t, gus.Token, del, map[string]any{"id": first}).Code())
			var a struct{ Article struct{ CommentsCount int } }
			api.Post(t, "", `{ article(slug: "comment-here") { commentsCount } }`, nil).Decode(t, &a)
			require.Equal(t, 1, a.Article.CommentsCount)
		})
	})
}

func TestArticleListsAndFeed(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		hal, ida, joe := api.MustSignUp(t, "hal"), api.MustSignUp(t, "ida"), api.MustSignUp(t, "joe")
		api.MustCreateArticle(t, hal, "Hal One", "go", "db")
		api.MustCreateArticle(t, ida, "Ida One", "go")
		api.MustCreateArticle(t, hal, "Hal Two", "rust")
		slugs := func(token, q string) []string {
			var out map[string]struct{ Nodes []struct{ Slug string } }
			api.Post(t, token, q, nil).Decode(t, &out)
			var s []string
			for _, v := range out {
				for _, n := range v.Nodes {
					s = append(s, n.Slug)
				}
			}
			return s
		}
		require.Equal(t, []string{"hal-two", "ida-one", "hal-one"}, slugs("", `{ articles { nodes { slug } } }`), "newest first")
		require.Equal(t, []string{"ida-one", "hal-one"}, slugs("", `{ articles(filter: {tag: "go"}) { nodes { slug } } }`))
		require.Equal(t, []string{"hal-two", "hal-one"}, slugs("", `{ articles(filter: {author: "hal"}) { nodes { slug } } }`))
		require.Empty(t, slugs("", `{ articles(filter: {author: "nobody"}) { nodes { slug } } }`))
		require.Equal(t, []string{"hal-one"}, slugs("", `{ articles(filter: {author: "hal", tag: "db"}) { nodes { slug } } }`))

		require.Equal(t, "UNAUTHENTICATED", api.Post(t, "", `{ feed { nodes { slug } } }`, nil).Code())
		require.Empty(t, slugs(joe.Token, `{ feed { nodes { slug } } }`))
		api.Post(t, joe.Token, apitest.FollowMutation, map[string]any{"id": hal.ID})
		require.Equal(t, []string{"hal-two", "hal-one"}, slugs(joe.Token, `{ feed { nodes { slug } } }`))

		var tags struct {
			PopularTags []struct {
				Name          string
				ArticlesCount int
			}
		}
		api.Post(t, "", `{ popularTags(first: 2) { name articlesCount } }`, nil).Decode(t, &tags)
		require.Equal(t, "go", tags.PopularTags[0].Name)
		require.Equal(t, 2, tags.PopularTags[0].ArticlesCount)
		require.Len(t, tags.PopularTags, 2)
		require.Equal(t, "BAD_USER_INPUT", api.Post(t, "", `{ popularTags(first: 1000) { name } }`, nil).Code())
	})
}

// TestPaginationIsStable pages through 45 articles 20 at a time while new
// articles are published between pages: every original article is seen
// exactly once, forwards and backwards.
func TestPaginationIsStable(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		kim := api.MustSignUp(t, "kim")
		original := map[string]bool{}
		for i := range 45 {
			original[api.MustCreateArticle(t, kim, fmt.Sprintf("Original %02d", i)).Slug] = true
		}
		type page struct {
			Articles struct {
				Nodes    []struct{ Slug string }
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					StartCursor, EndCursor       *string
				}
			}
		}
		walk := func(t *testing.T, q, cursorArg string, more func(page) (bool, *string)) {
			seen := map[string]int{}
			var cursor *string
			for i := 0; ; i++ {
				var p page
				api.Post(t, "", q, map[string]any{cursorArg: cursor}).Decode(t, &p)
				for _, n := range p.Articles.Nodes {
					seen[n.Slug]++
				}
				api.MustCreateArticle(t, kim, fmt.Sprintf("Inserted %s %d", cursorArg, i))
				ok, next := more(p)
				if !ok {
					break
				}
				cursor = next
			}
			for slug := range original {
				require.Equal(t, 1, seen[slug], "article %s", slug)
			}
		}
		t.Run("Forwards", func(t *testing.T) {
			walk(t, `query($after: String) { articles(first: 20, after: $after) { nodes { slug } pageInfo { hasNextPage endCursor } } }`, "after",
				func(p page) (bool, *string) { return p.Articles.PageInfo.HasNextPage, p.Articles.PageInfo.EndCursor })
		})
		t.Run("Backwards", func(t *testing.T) {
			walk(t, `query($before: String) { articles(last: 20, before: $before) { nodes { slug } pageInfo { hasPreviousPage startCursor } } }`, "before",
				func(p page) (bool, *string) {
					return p.Articles.PageInfo.HasPreviousPage, p.Articles.PageInfo.StartCursor
				})
		})
	})
}

// TestCountsUnderConcurrency runs 50 concurrent favorite, unfavorite and
// addComment calls, then checks every count against the rows it counts.
func TestCountsUnderConcurrency(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		author := api.MustSignUp(t, "writer")
		a := api.MustCreateArticle(t, author, "Busy Article")
		var users []apitest.User
		for i := range 5 {
			users = append(users, api.MustSignUp(t, fmt.Sprintf("reader%d", i)))
		}
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := users[i%len(users)]
				switch i % 3 {
				case 0:
					api.Post(t, u.Token, favoriteMutation, map[string]any{"id": a.ID})
				case 1:
					api.Post(t, u.Token, unfavoriteMutation, map[string]any{"id": a.ID})
				default:
					api.Post(t, u.Token, apitest.AddCommentMutation, map[string]any{"id": a.ID, "body": fmt.Sprintf("comment %d", i)})
				}
			}()
		}
		wg.Wait()
		var out struct {
			Article struct {
				FavoritesCount, CommentsCount int
				Comments                      struct{ Nodes []struct{ ID string } }
			}
		}
		api.Post(t, "", `{ article(slug: "busy-article") { favoritesCount commentsCount comments(first: 100) { nodes { id } } } }`, nil).Decode(t, &out)
		favorited := 0
		for _, u := range users {
			var v struct {
				Article struct{ ViewerHasFavorited bool }
			}
			api.Post(t, u.Token, `{ article(slug: "busy-article") { viewerHasFavorited } }`, nil).Decode(t, &v)
			if v.Article.ViewerHasFavorited {
				favorited++
			}
		}
		require.Equal(t, favorited, out.Article.FavoritesCount)
		require.Len(t, out.Article.Comments.Nodes, out.Article.CommentsCount)
		require.Equal(t, 16, out.Article.CommentsCount, "every addComment landed")
	})
}

// TestDeferInline checks that a @defer'd fragment is accepted and its
// fields come back in the one response, since the HTTP transport answers
// in one piece.
func TestDeferInline(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	ann := api.MustSignUp(t, "ann")
	a := api.MustCreateArticle(t, ann, "Deferred", "go")
	api.MustAddComment(t, ann, a.ID, "First!")
	var out struct {
		Article struct {
			Title    string
			Comments struct{ Nodes []struct{ Body string } }
		}
	}
	api.Post(t, "", `query($slug: String!) { article(slug: $slug) { title ... @defer { comments { nodes { body } } } } }`,
		map[string]any{"slug": a.Slug}).Decode(t, &out)
	require.Equal(t, "Deferred", out.Article.Title)
	require.Len(t, out.Article.Comments.Nodes, 1)
	require.Equal(t, "First!", out.Article.Comments.Nodes[0].Body)
}
