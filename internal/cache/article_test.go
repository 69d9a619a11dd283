package cache_test

import (
	"context"
	"testing"

	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

// articleEnv is the store's services and the cached ones over them, on a
// fresh database and a fresh Redis.
type articleEnv struct {
	users    *store.UserService
	inner    *store.ArticleService
	articles conduit.ArticleService
	comments conduit.CommentService
}

func newArticleEnv(t *testing.T) *articleEnv {
	t.Helper()
	db := MustOpenDB(t)
	c := MustOpenCache(t, testenv.Redis(t), nil)
	inner := store.NewArticleService(db)
	return &articleEnv{
		users:    store.NewUserService(db, testHasher),
		inner:    inner,
		articles: cache.NewArticleService(inner, c),
		comments: cache.NewCommentService(store.NewCommentService(db), c),
	}
}

// mustCreateArticle publishes an article by authorID through the cached
// service.
func (e *articleEnv) mustCreateArticle(tb testing.TB, authorID int64, title string, tags ...string) *conduit.Article {
	tb.Helper()
	a, err := e.articles.CreateArticle(context.Background(), authorID, conduit.NewArticle{
		Title: title, Description: "about " + title, Body: "all of " + title, Tags: tags,
	})
	require.NoError(tb, err)
	return a
}

// warm reads every cached view of the articles twice and asserts that the
// second time ran no SQL.
func (e *articleEnv) warm(tb testing.TB, ids ...int64) {
	tb.Helper()
	ctx, n := counted()
	for range 2 {
		n.Store(0)
		for _, id := range ids {
			_, err := e.articles.ArticleByID(ctx, id)
			require.NoError(tb, err)
		}
		_, err := e.articles.ArticlesByIDs(ctx, ids)
		require.NoError(tb, err)
		_, err = e.articles.TagsOf(ctx, ids)
		require.NoError(tb, err)
		_, err = e.articles.PopularTags(ctx, 10)
		require.NoError(tb, err)
	}
	require.Zero(tb, n.Load(), "warm")
}

// requireFresh asserts that every cached view of the article equals what
// the store says now: nothing stale.
func (e *articleEnv) requireFresh(tb testing.TB, id int64) {
	tb.Helper()
	ctx := context.Background()
	want, wantErr := e.inner.ArticleByID(ctx, id)
	got, err := e.articles.ArticleByID(ctx, id)
	require.Equal(tb, conduit.ErrorCode(wantErr), conduit.ErrorCode(err))
	require.Equal(tb, want, got, "ArticleByID")

	wantList, err := e.inner.ArticlesByIDs(ctx, []int64{id})
	require.NoError(tb, err)
	gotList, err := e.articles.ArticlesByIDs(ctx, []int64{id})
	require.NoError(tb, err)
	require.Equal(tb, wantList, gotList, "ArticlesByIDs")

	wantTags, err := e.inner.TagsOf(ctx, []int64{id})
	require.NoError(tb, err)
	gotTags, err := e.articles.TagsOf(ctx, []int64{id})
	require.NoError(tb, err)
	require.Equal(tb, wantTags, gotTags, "TagsOf")

	wantPop, err := e.inner.PopularTags(ctx, 10)
	require.NoError(tb, err)
	gotPop, err := e.articles.PopularTags(ctx, 10)
	require.NoError(tb, err)
	require.Equal(tb, wantPop, gotPop, "PopularTags")
}

func TestArticleService_Reads(t *testing.T) {
	e := newArticleEnv(t)
	author := MustCreateUser(t, e.users, "art")
	a := e.mustCreateArticle(t, author.ID, "First", "go", "redis")
	b := e.mustCreateArticle(t, author.ID, "Second", "go")
	c := e.mustCreateArticle(t, author.ID, "Third")

	t.Run("OKArticleByIDWithTags", func(t *testing.T) {
		ctx, n := counted()
		got, err := e.articles.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"go", "redis"}, got.Tags)
		n.Store(0)
		again, err := e.articles.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, got, again)
		require.Zero(t, n.Load())
	})
	t.Run("OKArticlesByIDsOneLoadForMisses", func(t *testing.T) {
		// a is cached by ArticleByID; b and c and an unknown id are not.
		ctx, n := counted()
		got, err := e.articles.ArticlesByIDs(ctx, []int64{c.ID, 999999, a.ID, b.ID})
		require.NoError(t, err)
		want, err := e.inner.ArticlesByIDs(context.Background(), []int64{c.ID, 999999, a.ID, b.ID})
		require.NoError(t, err)
		require.Equal(t, want, got, "without tags, as the store gives them")
		require.EqualValues(t, 1, n.Load())
		n.Store(0)
		_, err = e.articles.ArticlesByIDs(ctx, []int64{a.ID, b.ID, c.ID})
		require.NoError(t, err)
		require.Zero(t, n.Load())
	})
	t.Run("OKArticleByIDAfterArticlesByIDs", func(t *testing.T) {
		// b's article entry came from ArticlesByIDs, without tags: the tags
		// must still come back.
		got, err := e.articles.ArticleByID(context.Background(), b.ID)
		require.NoError(t, err)
		require.Equal(t, []string{"go"}, got.Tags)
	})
	t.Run("OKTagsOf", func(t *testing.T) {
		ctx, n := counted()
		for range 2 {
			n.Store(0)
			got, err := e.articles.TagsOf(ctx, []int64{a.ID, c.ID, b.ID})
			require.NoError(t, err)
			require.Equal(t, [][]string{{"go", "redis"}, {}, {"go"}}, got)
		}
		require.Zero(t, n.Load())
	})
	t.Run("OKPopularTagsOneEntryForEveryN", func(t *testing.T) {
		ctx, n := counted()
		for _, k := range []int{1, 2, 100, 2} {
			got, err := e.articles.PopularTags(ctx, k)
			require.NoError(t, err)
			want, err := e.inner.PopularTags(context.Background(), k)
			require.NoError(t, err)
			require.Equal(t, want, got, "n=%d", k)
		}
		require.EqualValues(t, 1, n.Load(), "one load of the top 100")
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := e.articles.ArticleByID(context.Background(), 999999)
		require.Equal(t, conduit.ENOTFOUND, conduit.ErrorCode(err))
	})
}

func TestArticleService_Invalidation(t *testing.T) {
	e := newArticleEnv(t)
	ctx := context.Background()
	author := MustCreateUser(t, e.users, "inv")
	reader := MustCreateUser(t, e.users, "inv")
	a := e.mustCreateArticle(t, author.ID, "Cached", "go", "redis")
	other := e.mustCreateArticle(t, author.ID, "Other", "go")

	t.Run("OKCreateArticle", func(t *testing.T) {
		e.warm(t, a.ID)
		e.mustCreateArticle(t, author.ID, "New", "redis", "sql")
		e.requireFresh(t, a.ID)
	})
	t.Run("OKUpdateArticleTitle", func(t *testing.T) {
		e.warm(t, a.ID)
		// Same slug, new title and body.
		_, err := e.articles.UpdateArticle(ctx, author.ID, a.ID,
			conduit.ArticleUpdate{Title: ptr("CACHED!"), Body: ptr("Rewritten.")})
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err := e.articles.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, "CACHED!", got.Title)
		require.Equal(t, "Rewritten.", got.Body)
	})
	t.Run("OKUpdateArticleNewSlug", func(t *testing.T) {
		e.warm(t, a.ID)
		_, err := e.articles.UpdateArticle(ctx, author.ID, a.ID, conduit.ArticleUpdate{Title: ptr("Renamed")})
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err := e.articles.ArticlesByIDs(ctx, []int64{a.ID})
		require.NoError(t, err)
		require.Equal(t, "Renamed", got[0].Title)
		require.Equal(t, "renamed", got[0].Slug)
	})
	t.Run("OKUpdateArticleTags", func(t *testing.T) {
		e.warm(t, a.ID)
		_, err := e.articles.UpdateArticle(ctx, author.ID, a.ID, conduit.ArticleUpdate{Tags: &[]string{"sql", "new"}})
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err := e.articles.TagsOf(ctx, []int64{a.ID})
		require.NoError(t, err)
		require.Equal(t, [][]string{{"sql", "new"}}, got)
	})
	t.Run("OKFavorite", func(t *testing.T) {
		e.warm(t, a.ID)
		_, err := e.articles.FavoriteArticle(ctx, reader.ID, a.ID)
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err := e.articles.ArticlesByIDs(ctx, []int64{a.ID})
		require.NoError(t, err)
		require.Equal(t, 1, got[0].FavoritesCount)

		e.warm(t, a.ID)
		_, err = e.articles.UnfavoriteArticle(ctx, reader.ID, a.ID)
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
	})
	t.Run("OKComments", func(t *testing.T) {
		e.warm(t, a.ID)
		cm, err := e.comments.AddComment(ctx, reader.ID, a.ID, "Nice.")
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err := e.articles.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, 1, got.CommentsCount)

		e.warm(t, a.ID)
		_, err = e.comments.DeleteComment(ctx, reader.ID, cm.ID)
		require.NoError(t, err)
		e.requireFresh(t, a.ID)
		got, err = e.articles.ArticleByID(ctx, a.ID)
		require.NoError(t, err)
		require.Zero(t, got.CommentsCount)
	})
	t.Run("ErrForbiddenKeepsEntry", func(t *testing.T) {
		e.warm(t, a.ID)
		_, err := e.articles.UpdateArticle(ctx, reader.ID, a.ID, conduit.ArticleUpdate{Title: ptr("Hijacked")})
		require.Equal(t, conduit.EFORBIDDEN, conduit.ErrorCode(err))
		cctx, n := counted()
		_, err = e.articles.ArticleByID(cctx, a.ID)
		require.NoError(t, err)
		require.Zero(t, n.Load(), "a refused write drops nothing")
	})
	t.Run("OKDeleteArticle", func(t *testing.T) {
		e.warm(t, a.ID, other.ID)
		require.NoError(t, e.articles.DeleteArticle(ctx, author.ID, a.ID))
		e.requireFresh(t, a.ID)
		e.requireFresh(t, other.ID)
		got, err := e.articles.ArticlesByIDs(ctx, []int64{a.ID, other.ID})
		require.NoError(t, err)
		require.Nil(t, got[0])
		require.NotNil(t, got[1])
	})
}

func TestArticleService_PassThrough(t *testing.T) {
	e := newArticleEnv(t)
	ctx := context.Background()
	author := MustCreateUser(t, e.users, "pt")
	a := e.mustCreateArticle(t, author.ID, "Pass Through", "go")

	got, err := e.articles.ArticleBySlug(ctx, a.Slug)
	require.NoError(t, err)
	require.Equal(t, a.ID, got.ID)
	page, err := e.articles.Articles(ctx, conduit.ArticleFilter{Tag: "go"}, conduit.PageArgs{First: 10}, conduit.FullArticle)
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	count, err := e.articles.CountArticles(ctx, conduit.ArticleFilter{AuthorID: author.ID})
	require.NoError(t, err)
	require.Equal(t, 1, count)
	_, err = e.articles.FavoriteArticle(ctx, author.ID, a.ID)
	require.NoError(t, err)
	among, err := e.articles.FavoritedAmong(ctx, author.ID, []int64{a.ID})
	require.NoError(t, err)
	require.Equal(t, []bool{true}, among)
	cm, err := e.comments.AddComment(ctx, author.ID, a.ID, "First!")
	require.NoError(t, err)
	one, err := e.comments.CommentByID(ctx, cm.ID)
	require.NoError(t, err)
	require.Equal(t, cm, one)
	comments, err := e.comments.Comments(ctx, a.ID, conduit.PageArgs{First: 10}, false)
	require.NoError(t, err)
	require.Len(t, comments.Items, 1)
}
