package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

// mustCreateArticle publishes an article by author with this title and tags.
func mustCreateArticle(tb testing.TB, s *store.ArticleService, authorID int64, title string, tags ...string) *conduit.Article {
	tb.Helper()
	a, err := s.CreateArticle(context.Background(), authorID, conduit.NewArticle{
		Title: title, Description: "About " + title, Body: "# " + title + "\n\nText.", Tags: tags,
	})
	require.NoError(tb, err)
	return a
}

func TestArticleService_CreateArticle(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "art")

		t.Run("OK", func(t *testing.T) {
			a, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{
				Title: "  How to Train Your Dragon!  ", Description: "Ever wonder how?", Body: "It takes a Jacobian.",
				Tags: []string{" dragons ", "training", "", "dragons", "zeal", "  "},
			})
			require.NoError(t, err)
			require.NotZero(t, a.ID)
			require.Equal(t, "how-to-train-your-dragon", a.Slug)
			require.Equal(t, "How to Train Your Dragon!", a.Title)
			require.Equal(t, []string{"dragons", "training", "zeal"}, a.Tags, "trimmed, deduplicated, in order")
			require.Equal(t, u.ID, a.AuthorID)
			require.False(t, a.CreatedAt.IsZero())
			require.Equal(t, a.CreatedAt, a.UpdatedAt)

			got, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, a, got, "what is returned is what is stored")
		})
		t.Run("OKNoTags", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "No tags here")
			require.NotNil(t, a.Tags)
			require.Empty(t, a.Tags)
			got, err := s.ArticleBySlug(ctx, a.Slug)
			require.NoError(t, err)
			require.Equal(t, []string{}, got.Tags)
		})
		t.Run("OKSlugCollision", func(t *testing.T) {
			seen := map[string]bool{}
			for i := range 4 {
				a := mustCreateArticle(t, s, u.ID, "Same Title")
				if i == 0 {
					require.Equal(t, "same-title", a.Slug)
				} else {
					require.Regexp(t, `^same-title-[0-9a-z]{6}$`, a.Slug)
				}
				require.False(t, seen[a.Slug], "slug %q repeats", a.Slug)
				seen[a.Slug] = true
			}
		})
		t.Run("OKSlugOfSymbols", func(t *testing.T) {
			require.Equal(t, "article", mustCreateArticle(t, s, u.ID, "!!!").Slug)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "  ", Description: "d", Body: " "})
			requireCode(t, err, conduit.EINVALID)
			require.Contains(t, conduit.ErrorFields(err), "title")
			require.Contains(t, conduit.ErrorFields(err), "body")
			many := make([]string, conduit.MaxTags+1)
			for i := range many {
				many[i] = fmt.Sprint("t", i)
			}
			_, err = s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "t", Description: "d", Body: "b", Tags: many})
			requireCode(t, err, conduit.EINVALID)
			require.Contains(t, conduit.ErrorFields(err), "tags")
		})
		t.Run("ErrUnknownAuthor", func(t *testing.T) {
			_, err := s.CreateArticle(ctx, 999999, conduit.NewArticle{Title: "t", Description: "d", Body: "b", Tags: []string{"x"}})
			requireCode(t, err, conduit.ENOTFOUND)
		})
	})
}

func TestArticleService_UpdateArticle(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u, other := MustCreateUser(t, db, "upd"), MustCreateUser(t, db, "upd")

		t.Run("OKTitleChangesSlug", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "First Title", "a", "b")
			later := a.UpdatedAt.Add(time.Hour)
			store.SetClock(db, func() time.Time { return later })
			defer store.SetClock(db, time.Now)
			got, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Title: ptr(" Second Title ")})
			require.NoError(t, err)
			require.Equal(t, "second-title", got.Slug)
			require.Equal(t, "Second Title", got.Title)
			require.Equal(t, a.Description, got.Description)
			require.Equal(t, []string{"a", "b"}, got.Tags, "tags kept when not given")
			require.Equal(t, a.CreatedAt, got.CreatedAt)
			require.Equal(t, later.UTC().Truncate(time.Microsecond), got.UpdatedAt)
			_, err = s.ArticleBySlug(ctx, "first-title")
			requireCode(t, err, conduit.ENOTFOUND)
			again, err := s.ArticleBySlug(ctx, "second-title")
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
		t.Run("OKSameSlugKept", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "Keep Me")
			b := mustCreateArticle(t, s, u.ID, "Keep Me") // keep-me-xxxxxx
			got, err := s.UpdateArticle(ctx, u.ID, b.ID, conduit.ArticleUpdate{Title: ptr("keep me!")})
			require.NoError(t, err)
			require.Equal(t, b.Slug, got.Slug, "the slugified title did not change")
			require.Equal(t, "keep me!", got.Title)
			got, err = s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Body: ptr("new body")})
			require.NoError(t, err)
			require.Equal(t, "keep-me", got.Slug)
			require.Equal(t, "new body", got.Body)
		})
		t.Run("OKTitleOfAnother", func(t *testing.T) {
			mustCreateArticle(t, s, u.ID, "Taken Title")
			a := mustCreateArticle(t, s, u.ID, "Free Title")
			got, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Title: ptr("Taken Title"), Body: ptr("b2")})
			require.NoError(t, err)
			require.Regexp(t, `^taken-title-[0-9a-z]{6}$`, got.Slug)
			require.Equal(t, "b2", got.Body, "the retried update wrote every field")
			again, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, got, again)
		})
		t.Run("OKTagsReplaced", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "Tagged", "x", "y", "z")
			got, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{"z ", "new", "x", "new"}})
			require.NoError(t, err)
			require.Equal(t, []string{"z", "new", "x"}, got.Tags)
			tags, err := s.TagsOf(ctx, []int64{a.ID})
			require.NoError(t, err)
			require.Equal(t, [][]string{{"z", "new", "x"}}, tags)
			got, err = s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{}})
			require.NoError(t, err)
			require.Equal(t, []string{}, got.Tags)
			require.Zero(t, store.CountRows(t, db, "article_tags", "article_id = ?", a.ID))
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateArticle(ctx, u.ID, 999999, conduit.ArticleUpdate{Body: ptr("b")})
			requireCode(t, err, conduit.ENOTFOUND)
		})
		t.Run("ErrNotAuthor", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "Not Yours")
			_, err := s.UpdateArticle(ctx, other.ID, a.ID, conduit.ArticleUpdate{Title: ptr("Mine Now")})
			requireCode(t, err, conduit.EFORBIDDEN)
			got, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, a, got)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			a := mustCreateArticle(t, s, u.ID, "Valid")
			_, err := s.UpdateArticle(ctx, u.ID, a.ID, conduit.ArticleUpdate{Title: ptr(" "), Body: ptr("")})
			requireCode(t, err, conduit.EINVALID)
			require.Contains(t, conduit.ErrorFields(err), "title")
			require.Contains(t, conduit.ErrorFields(err), "body")
		})
	})
}

func TestArticleService_DeleteArticle(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		u, other := MustCreateUser(t, db, "del"), MustCreateUser(t, db, "del")
		a := mustCreateArticle(t, s, u.ID, "Doomed", "x", "y")
		keep := mustCreateArticle(t, s, u.ID, "Kept", "x")
		for _, id := range []int64{a.ID, keep.ID} {
			_, err := s.FavoriteArticle(ctx, other.ID, id)
			require.NoError(t, err)
			_, err = cs.AddComment(ctx, other.ID, id, "nice")
			require.NoError(t, err)
		}
		c, err := cs.AddComment(ctx, u.ID, a.ID, "thanks")
		require.NoError(t, err)

		t.Run("ErrNotAuthor", func(t *testing.T) {
			requireCode(t, s.DeleteArticle(ctx, other.ID, a.ID), conduit.EFORBIDDEN)
		})
		t.Run("OK", func(t *testing.T) {
			require.NoError(t, s.DeleteArticle(ctx, u.ID, a.ID))
			_, err := s.ArticleByID(ctx, a.ID)
			requireCode(t, err, conduit.ENOTFOUND)
			_, err = cs.CommentByID(ctx, c.ID)
			requireCode(t, err, conduit.ENOTFOUND)
			for _, table := range []string{"comments", "favorites", "article_tags"} {
				require.Zero(t, store.CountRows(t, db, table, "article_id = ?", a.ID), table)
				require.Equal(t, 1, store.CountRows(t, db, table, "article_id = ?", keep.ID), table)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			requireCode(t, s.DeleteArticle(ctx, u.ID, a.ID), conduit.ENOTFOUND)
		})
	})
}

func TestArticleService_Lookups(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "look")
		a := mustCreateArticle(t, s, u.ID, "Alpha", "one", "two")
		b := mustCreateArticle(t, s, u.ID, "Beta")

		t.Run("OK", func(t *testing.T) {
			got, err := s.ArticleBySlug(ctx, "alpha")
			require.NoError(t, err)
			require.Equal(t, a, got)
			got, err = s.ArticleByID(ctx, b.ID)
			require.NoError(t, err)
			require.Equal(t, b, got)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.ArticleBySlug(ctx, "nope")
			requireCode(t, err, conduit.ENOTFOUND)
			_, err = s.ArticleByID(ctx, 999999)
			requireCode(t, err, conduit.ENOTFOUND)
		})
		t.Run("ArticlesByIDs", func(t *testing.T) {
			list, err := s.ArticlesByIDs(ctx, []int64{b.ID, 999999, a.ID, b.ID})
			require.NoError(t, err)
			require.Len(t, list, 4)
			require.Equal(t, b.ID, list[0].ID)
			require.Nil(t, list[1])
			require.Equal(t, a.ID, list[2].ID)
			require.Nil(t, list[2].Tags, "tags are TagsOf's job")
			require.Equal(t, b.ID, list[3].ID)
			list, err = s.ArticlesByIDs(ctx, nil)
			require.NoError(t, err)
			require.Empty(t, list)
		})
		t.Run("TagsOf", func(t *testing.T) {
			tags, err := s.TagsOf(ctx, []int64{b.ID, a.ID, 999999})
			require.NoError(t, err)
			require.Equal(t, [][]string{{}, {"one", "two"}, {}}, tags)
			require.NotNil(t, tags[0])
		})
	})
}

// titles returns the titles of articles.
func titles(list []*conduit.Article) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Title
	}
	return out
}

func TestArticleService_Articles(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, us := store.NewArticleService(db), store.NewUserService(db, testHasher)
		ann, bob, cat := MustCreateUser(t, db, "ann"), MustCreateUser(t, db, "bob"), MustCreateUser(t, db, "cat")
		mustCreateArticle(t, s, ann.ID, "a1", "go", "db")
		a2 := mustCreateArticle(t, s, bob.ID, "b1", "go")
		a3 := mustCreateArticle(t, s, ann.ID, "a2", "db")
		mustCreateArticle(t, s, cat.ID, "c1")
		a5 := mustCreateArticle(t, s, bob.ID, "b2", "go", "web")
		require.NoError(t, us.FollowUser(ctx, cat.ID, ann.ID))
		require.NoError(t, us.FollowUser(ctx, cat.ID, bob.ID))
		for _, id := range []int64{a2.ID, a3.ID, a5.ID} {
			_, err := s.FavoriteArticle(ctx, cat.ID, id)
			require.NoError(t, err)
		}
		_, err := s.FavoriteArticle(ctx, ann.ID, a2.ID)
		require.NoError(t, err)

		for _, tc := range []struct {
			name string
			f    conduit.ArticleFilter
			want []string
		}{
			{"All", conduit.ArticleFilter{}, []string{"b2", "c1", "a2", "b1", "a1"}},
			{"Tag", conduit.ArticleFilter{Tag: "go"}, []string{"b2", "b1", "a1"}},
			{"TagUnknown", conduit.ArticleFilter{Tag: "nope"}, []string{}},
			{"Author", conduit.ArticleFilter{AuthorID: ann.ID}, []string{"a2", "a1"}},
			{"FavoritedBy", conduit.ArticleFilter{FavoritedByID: cat.ID}, []string{"b2", "a2", "b1"}},
			{"Feed", conduit.ArticleFilter{FeedOf: cat.ID}, []string{"b2", "a2", "b1", "a1"}},
			{"FeedEmpty", conduit.ArticleFilter{FeedOf: ann.ID}, []string{}},
			{"TagAndAuthor", conduit.ArticleFilter{Tag: "go", AuthorID: bob.ID}, []string{"b2", "b1"}},
			{"TagAndFavoritedBy", conduit.ArticleFilter{Tag: "db", FavoritedByID: cat.ID}, []string{"a2"}},
			{"FeedAndFavoritedBy", conduit.ArticleFilter{FeedOf: cat.ID, FavoritedByID: ann.ID}, []string{"b1"}},
			{"FeedAndTag", conduit.ArticleFilter{FeedOf: cat.ID, Tag: "web"}, []string{"b2"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := s.Articles(ctx, tc.f, conduit.PageArgs{First: 10}, conduit.FullArticle)
				require.NoError(t, err)
				require.Equal(t, tc.want, titles(p.Items))
				require.False(t, p.HasNextPage)
				n, err := s.CountArticles(ctx, tc.f)
				require.NoError(t, err)
				require.Equal(t, len(tc.want), n)

				// Two at a time, forward, then backward from the end.
				fwd := []string{}
				args := conduit.PageArgs{First: 2}
				for {
					p, err := s.Articles(ctx, tc.f, args, conduit.FullArticle)
					require.NoError(t, err)
					fwd = append(fwd, titles(p.Items)...)
					if !p.HasNextPage {
						break
					}
					args.After = &p.Cursors[len(p.Cursors)-1]
				}
				require.Equal(t, tc.want, fwd)
				bwd := []string{}
				args = conduit.PageArgs{Last: 2}
				for {
					p, err := s.Articles(ctx, tc.f, args, conduit.FullArticle)
					require.NoError(t, err)
					bwd = append(titles(p.Items), bwd...)
					if !p.HasPreviousPage {
						break
					}
					args.Before = &p.Cursors[0]
				}
				require.Equal(t, tc.want, bwd)
			})
		}
		t.Run("Tags", func(t *testing.T) {
			p, err := s.Articles(ctx, conduit.ArticleFilter{Tag: "go"}, conduit.PageArgs{First: 10}, conduit.FullArticle)
			require.NoError(t, err)
			ids := make([]int64, len(p.Items))
			pageTags := make([][]string, len(p.Items))
			for i, a := range p.Items {
				ids[i], pageTags[i] = a.ID, a.Tags
			}
			tags, err := s.TagsOf(ctx, ids)
			require.NoError(t, err)
			require.Equal(t, [][]string{{"go", "web"}, {"go"}, {"go", "db"}}, tags)
			require.Equal(t, tags, pageTags, "a page carries each article's tags, read in the same query")
		})
		t.Run("Viewer", func(t *testing.T) {
			// cat follows ann and bob, and favorited b1, a2 and b2.
			all := conduit.ArticleParts{ViewerID: cat.ID, ViewerFavorited: true, ViewerFollows: true}
			cctx, count := store.WithStatementCounter(ctx)
			p, err := s.Articles(cctx, conduit.ArticleFilter{}, conduit.PageArgs{First: 10}, all)
			require.NoError(t, err)
			require.Equal(t, int64(1), count.Load(), "what the viewer did comes in the page's statement")
			ids := articleIDs(p.Items)
			favorited, err := s.FavoritedAmong(ctx, cat.ID, ids)
			require.NoError(t, err)
			authors := make([]int64, len(p.Items))
			for i, a := range p.Items {
				authors[i] = a.AuthorID
			}
			following, err := us.FollowingAmong(ctx, cat.ID, authors)
			require.NoError(t, err)
			for i, a := range p.Items {
				require.Equal(t, &conduit.ArticleViewer{Favorited: favorited[i], FollowsAuthor: following[i]}, a.Viewer, a.Title)
			}
			require.Contains(t, favorited, true)
			require.Contains(t, favorited, false)
			require.Contains(t, following, false, "cat follows not herself")

			p, err = s.Articles(ctx, conduit.ArticleFilter{}, conduit.PageArgs{First: 10}, conduit.ArticleParts{ViewerFavorited: true, ViewerFollows: true})
			require.NoError(t, err)
			for _, a := range p.Items {
				require.Nil(t, a.Viewer, "no viewer, nothing read")
			}
		})
		t.Run("Parts", func(t *testing.T) {
			bare, err := s.Articles(ctx, conduit.ArticleFilter{Tag: "go"}, conduit.PageArgs{First: 10}, conduit.ArticleParts{})
			require.NoError(t, err)
			full, err := s.Articles(ctx, conduit.ArticleFilter{Tag: "go"}, conduit.PageArgs{First: 10}, conduit.ArticleParts{Body: true, Tags: true, Author: true})
			require.NoError(t, err)
			require.Equal(t, titles(full.Items), titles(bare.Items))
			for i, a := range bare.Items {
				require.Empty(t, a.Body, "a body that was not asked for")
				require.Nil(t, a.Tags, "tags that were not asked for")
				require.Nil(t, a.Author, "an author who was not asked for")
				f := full.Items[i]
				require.NotEmpty(t, f.Body)
				require.NotNil(t, f.Tags)
				author, err := us.UserByID(ctx, f.AuthorID)
				require.NoError(t, err)
				require.Equal(t, author, f.Author, "the author read with the page is the one UserByID reads")
				f.Body, f.Tags, f.Author = "", nil, nil
				require.Equal(t, a, f, "the same short columns either way")
			}
		})
	})
}

// TestArticleService_ArticlesStable pages through 47+ articles 20 at a
// time, forward and backward, publishing a new one between pages: every
// article there was at the start shows exactly once, in order.
func TestArticleService_ArticlesStable(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "stable")
		for i := range 47 {
			mustCreateArticle(t, s, u.ID, fmt.Sprint("Stable ", i), "stable")
		}
		// snapshot returns the ids that f matches now, newest first.
		snapshot := func(t *testing.T, f conduit.ArticleFilter) []int64 {
			p, err := s.Articles(ctx, f, conduit.PageArgs{First: conduit.MaxPageSize}, conduit.FullArticle)
			require.NoError(t, err)
			require.False(t, p.HasNextPage)
			require.GreaterOrEqual(t, len(p.Items), 47)
			return articleIDs(p.Items)
		}
		for _, f := range []conduit.ArticleFilter{{}, {Tag: "stable"}, {AuthorID: u.ID}} {
			t.Run(fmt.Sprintf("Forward%+v", f), func(t *testing.T) {
				want := snapshot(t, f)
				var got []int64
				args := conduit.PageArgs{First: 20}
				for pages := 0; ; pages++ {
					require.Less(t, pages, 4)
					p, err := s.Articles(ctx, f, args, conduit.FullArticle)
					require.NoError(t, err)
					got = append(got, articleIDs(p.Items)...)
					// Newer than everything: unseen going forward.
					mustCreateArticle(t, s, u.ID, "Interloper", "stable")
					if !p.HasNextPage {
						break
					}
					args.After = &p.Cursors[len(p.Cursors)-1]
				}
				require.Equal(t, want, got)
			})
			t.Run(fmt.Sprintf("Backward%+v", f), func(t *testing.T) {
				want := snapshot(t, f)
				// From the oldest end toward the newest, which keeps growing:
				// the walk sees the originals, then what was published meanwhile.
				var got []int64
				args := conduit.PageArgs{Last: 20}
				for pages := 0; ; pages++ {
					require.Less(t, pages, 10)
					p, err := s.Articles(ctx, f, args, conduit.FullArticle)
					require.NoError(t, err)
					for i := 1; i < len(p.Items); i++ {
						prev, cur := p.Items[i-1], p.Items[i]
						require.True(t, prev.CreatedAt.After(cur.CreatedAt) ||
							prev.CreatedAt.Equal(cur.CreatedAt) && prev.ID > cur.ID, "newest first within a page")
					}
					got = append(articleIDs(p.Items), got...)
					mustCreateArticle(t, s, u.ID, "Interloper", "stable")
					if !p.HasPreviousPage {
						break
					}
					args.Before = &p.Cursors[0]
				}
				require.GreaterOrEqual(t, len(got), len(want))
				extra := len(got) - len(want)
				require.Equal(t, want, got[extra:])
				list, err := s.ArticlesByIDs(ctx, got[:extra])
				require.NoError(t, err)
				for _, a := range list {
					require.Equal(t, "Interloper", a.Title)
				}
			})
		}
	})
}

func articleIDs(list []*conduit.Article) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// TestArticleService_Statements counts the statements of the batch reads:
// one each, whatever the number of ids or the page size; and those of the
// writes, BEGIN and COMMIT included.
func TestArticleService_Statements(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		u := MustCreateUser(t, db, "stmt")
		var ids []int64
		for i := range 30 {
			ids = append(ids, mustCreateArticle(t, s, u.ID, fmt.Sprint("Counted ", i), "c", fmt.Sprint("t", i%3)).ID)
		}
		for _, n := range []int{1, 5, 30} {
			for _, tc := range []struct {
				name string
				call func(ctx context.Context) error
				want int64
			}{
				{"Articles", func(ctx context.Context) error {
					_, err := s.Articles(ctx, conduit.ArticleFilter{Tag: "c"}, conduit.PageArgs{First: n}, conduit.FullArticle)
					return err
				}, 1},
				{"ArticlesFeed", func(ctx context.Context) error {
					_, err := s.Articles(ctx, conduit.ArticleFilter{FeedOf: u.ID}, conduit.PageArgs{Last: n}, conduit.FullArticle)
					return err
				}, 1},
				{"CountArticles", func(ctx context.Context) error {
					_, err := s.CountArticles(ctx, conduit.ArticleFilter{Tag: "c", AuthorID: u.ID})
					return err
				}, 1},
				{"ArticlesByIDs", func(ctx context.Context) error { _, err := s.ArticlesByIDs(ctx, ids[:n]); return err }, 1},
				{"TagsOf", func(ctx context.Context) error { _, err := s.TagsOf(ctx, ids[:n]); return err }, 1},
				{"FavoritedAmong", func(ctx context.Context) error { _, err := s.FavoritedAmong(ctx, u.ID, ids[:n]); return err }, 1},
				{"PopularTags", func(ctx context.Context) error { _, err := s.PopularTags(ctx, n); return err }, 1},
				{"ArticleBySlug", func(ctx context.Context) error { _, err := s.ArticleBySlug(ctx, "counted-0"); return err }, 1},
			} {
				t.Run(fmt.Sprint(tc.name, n), func(t *testing.T) {
					cctx, count := store.WithStatementCounter(ctx)
					require.NoError(t, tc.call(cctx))
					require.Equal(t, tc.want, count.Load())
				})
			}
		}
		t.Run("Writes", func(t *testing.T) {
			// The SELECT … FOR NO KEY UPDATE that locks tags in id order
			// before their counts change, on PostgreSQL.
			lock := int64(0)
			if db.Dialect() == store.DialectPostgres {
				lock = 1
			}
			for _, tc := range []struct {
				name string
				call func(ctx context.Context) error
				want int64
			}{
				// BEGIN, INSERT article, INSERT tags, SELECT tags, INSERT links,
				// (lock tags,) UPDATE tag counts, COMMIT.
				{"CreateArticle", func(ctx context.Context) error {
					_, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "W", Description: "d", Body: "b",
						Tags: []string{"a", "b", "c", "d", "e", "f"}})
					return err
				}, 7 + lock},
				// No tags: no tag statements.
				{"CreateArticleNoTags", func(ctx context.Context) error {
					_, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "Untagged", Description: "d", Body: "b"})
					return err
				}, 3},
				// BEGIN, INSERT favorite, UPDATE count … RETURNING (the tags
				// with it), COMMIT.
				{"FavoriteArticle", func(ctx context.Context) error { _, err := s.FavoriteArticle(ctx, u.ID, ids[0]); return err }, 4},
				{"FavoriteArticleAgain", func(ctx context.Context) error { _, err := s.FavoriteArticle(ctx, u.ID, ids[0]); return err }, 4},
				{"UnfavoriteArticle", func(ctx context.Context) error { _, err := s.UnfavoriteArticle(ctx, u.ID, ids[0]); return err }, 4},
				// BEGIN, SELECT (FOR UPDATE), UPDATE … RETURNING, COMMIT.
				{"UpdateArticleBody", func(ctx context.Context) error {
					_, err := s.UpdateArticle(ctx, u.ID, ids[1], conduit.ArticleUpdate{Body: ptr("b")})
					return err
				}, 4},
				// And a SAVEPOINT before the UPDATE that may find the slug taken.
				{"UpdateArticleTitle", func(ctx context.Context) error {
					_, err := s.UpdateArticle(ctx, u.ID, ids[1], conduit.ArticleUpdate{Title: ptr("Retitled")})
					return err
				}, 5},
				// And DELETE links RETURNING, INSERT tags, SELECT tags, INSERT
				// links, (lock tags,) UPDATE tag counts.
				{"UpdateArticleTags", func(ctx context.Context) error {
					_, err := s.UpdateArticle(ctx, u.ID, ids[1], conduit.ArticleUpdate{Tags: &[]string{"p", "q"}})
					return err
				}, 9 + lock},
				// The same tags in another order: no counts change.
				{"UpdateArticleTagsReordered", func(ctx context.Context) error {
					_, err := s.UpdateArticle(ctx, u.ID, ids[1], conduit.ArticleUpdate{Tags: &[]string{"q", "p"}})
					return err
				}, 8},
				// BEGIN, SELECT (FOR UPDATE), SELECT tag ids, DELETE, (lock tags,)
				// UPDATE tag counts, COMMIT.
				{"DeleteArticle", func(ctx context.Context) error { return s.DeleteArticle(ctx, u.ID, ids[2]) }, 6 + lock},
				// BEGIN, UPDATE count, INSERT, COMMIT.
				{"AddComment", func(ctx context.Context) error { _, err := cs.AddComment(ctx, u.ID, ids[3], "c"); return err }, 4},
				// BEGIN, SELECT, DELETE, UPDATE count, COMMIT.
				{"DeleteComment", func(ctx context.Context) error {
					p, err := cs.Comments(context.Background(), ids[3], conduit.PageArgs{First: 1}, false)
					if err != nil {
						return err
					}
					_, err = cs.DeleteComment(ctx, u.ID, p.Items[0].ID)
					return err
				}, 5},
				{"Comments", func(ctx context.Context) error {
					_, err := cs.Comments(ctx, ids[3], conduit.PageArgs{First: 100}, false)
					return err
				}, 1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					cctx, count := store.WithStatementCounter(ctx)
					require.NoError(t, tc.call(cctx))
					require.Equal(t, tc.want, count.Load())
				})
			}
		})
	})
}

func TestArticleService_PopularTags(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "pop")
		mustCreateArticle(t, s, u.ID, "p1", "go", "sql", "zig")
		mustCreateArticle(t, s, u.ID, "p2", "go", "sql")
		mustCreateArticle(t, s, u.ID, "p3", "go", "api")
		gone := mustCreateArticle(t, s, u.ID, "p4", "gone")
		require.NoError(t, s.DeleteArticle(ctx, u.ID, gone.ID))

		tags, err := s.PopularTags(ctx, 10)
		require.NoError(t, err)
		require.Equal(t, []*conduit.Tag{{Name: "go", ArticlesCount: 3}, {Name: "sql", ArticlesCount: 2},
			{Name: "api", ArticlesCount: 1}, {Name: "zig", ArticlesCount: 1}}, tags, "unused tags are left out")
		tags, err = s.PopularTags(ctx, 2)
		require.NoError(t, err)
		require.Len(t, tags, 2)
		tags, err = s.PopularTags(ctx, 0)
		require.NoError(t, err)
		require.Empty(t, tags)
	})
}

// TestArticleService_Plans checks on SQLite that the hot lists read an
// index in page order: no full scan of articles, no sort.
func TestArticleService_Plans(t *testing.T) {
	db := MustOpenDB(t, store.DialectSQLite)
	cur := &conduit.Cursor{Time: time.Now(), ID: 1}
	for _, tc := range []struct {
		name  string
		f     conduit.ArticleFilter
		index string
	}{
		{"Home", conduit.ArticleFilter{}, "articles_created_idx"},
		{"Tag", conduit.ArticleFilter{Tag: "go"}, "article_tags_tag_created_idx"},
		{"Author", conduit.ArticleFilter{AuthorID: 1}, "articles_author_idx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range []conduit.PageArgs{{First: 20}, {First: 20, After: cur}, {Last: 20, Before: cur}} {
				plan := store.ExplainArticles(t, db, tc.f, args)
				require.Contains(t, plan, tc.index, plan)
				require.NotContains(t, plan, "TEMP B-TREE", plan)
				require.NotRegexp(t, `(?m)SCAN (a|articles)$`, plan, "a full scan of the table")
			}
		})
	}
	t.Run("PopularTags", func(t *testing.T) {
		// The first entries of the index, which covers the query: no
		// sort, no count of the tag links.
		plan := store.ExplainPopularTags(t, db, 20)
		require.Contains(t, plan, "COVERING INDEX tags_popular_idx", plan)
		require.NotContains(t, plan, "TEMP B-TREE", plan)
		require.NotContains(t, plan, "article_tags", plan)
	})
	t.Run("Feed", func(t *testing.T) {
		plan := store.ExplainArticles(t, db, conduit.ArticleFilter{FeedOf: 1}, conduit.PageArgs{First: 20})
		require.False(t, strings.Contains(plan, "SCAN f") || strings.Contains(plan, "SCAN follows"), plan)
	})
}

// TestArticleService_CreateConcurrently publishes articles with the same
// title and the same new tags from many goroutines at once, and retitles
// others to that title: every slug is unique, every tag exists once.
func TestArticleService_CreateConcurrently(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u := MustCreateUser(t, db, "race")
		var renamed []int64
		for range 5 {
			renamed = append(renamed, mustCreateArticle(t, s, u.ID, "Before").ID)
		}
		const n = 20
		slugs := make(chan string, n+len(renamed))
		errs := make(chan error, n+len(renamed))
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// The same tags in different orders.
				tags := []string{"race-a", "race-b", "race-c", "race-d"}
				if i%2 == 1 {
					slices.Reverse(tags)
				}
				a, err := s.CreateArticle(ctx, u.ID, conduit.NewArticle{Title: "Photo Finish", Description: "d", Body: "b", Tags: tags})
				if err != nil {
					errs <- err
					return
				}
				slugs <- a.Slug
			})
		}
		for _, id := range renamed {
			wg.Go(func() {
				a, err := s.UpdateArticle(ctx, u.ID, id, conduit.ArticleUpdate{Title: ptr("Photo finish!")})
				if err != nil {
					errs <- err
					return
				}
				slugs <- a.Slug
			})
		}
		wg.Wait()
		close(errs)
		close(slugs)
		for err := range errs {
			require.NoError(t, err)
		}
		seen := map[string]bool{}
		for slug := range slugs {
			require.True(t, strings.HasPrefix(slug, "photo-finish"), slug)
			require.False(t, seen[slug], "slug %q twice", slug)
			seen[slug] = true
		}
		require.Len(t, seen, n+len(renamed))
		require.True(t, seen["photo-finish"])
		require.Equal(t, 4, store.CountRows(t, db, "tags", "name LIKE 'race-%'"))
		tags, err := s.PopularTags(ctx, 4)
		require.NoError(t, err)
		for _, tag := range tags {
			require.Equal(t, n, tag.ArticlesCount, tag.Name)
		}
	})
}
