package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

func TestArticleService_FavoriteArticle(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.NewArticleService(db)
		u, v := MustCreateUser(t, db, "fav"), MustCreateUser(t, db, "fav")
		a := mustCreateArticle(t, s, u.ID, "Loved", "x", "y")
		b := mustCreateArticle(t, s, u.ID, "Ignored")

		t.Run("OKIdempotent", func(t *testing.T) {
			got, err := s.FavoriteArticle(ctx, v.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, got.FavoritesCount)
			require.Equal(t, []string{"x", "y"}, got.Tags)
			got, err = s.FavoriteArticle(ctx, v.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, got.FavoritesCount, "twice is once")
			got, err = s.FavoriteArticle(ctx, u.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, 2, got.FavoritesCount)
			require.Equal(t, 2, store.CountRows(t, db, "favorites", "article_id = ?", a.ID))

			among, err := s.FavoritedAmong(ctx, v.ID, []int64{b.ID, a.ID, 999999, a.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{false, true, false, true}, among)

			got, err = s.UnfavoriteArticle(ctx, v.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, got.FavoritesCount)
			got, err = s.UnfavoriteArticle(ctx, v.ID, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, got.FavoritesCount, "twice is once")
			require.Equal(t, []string{"x", "y"}, got.Tags)
			got, err = s.UnfavoriteArticle(ctx, v.ID, b.ID)
			require.NoError(t, err)
			require.Zero(t, got.FavoritesCount, "never below zero")

			among, err = s.FavoritedAmong(ctx, v.ID, []int64{a.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{false}, among)
			stored, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, stored.FavoritesCount)
		})
		t.Run("OKFavoritedAmongAnonymous", func(t *testing.T) {
			among, err := s.FavoritedAmong(ctx, 0, []int64{a.ID})
			require.NoError(t, err)
			require.Equal(t, []bool{false}, among)
			among, err = s.FavoritedAmong(ctx, v.ID, nil)
			require.NoError(t, err)
			require.Empty(t, among)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.FavoriteArticle(ctx, v.ID, 999999)
			requireCode(t, err, conduit.ENOTFOUND)
			_, err = s.UnfavoriteArticle(ctx, v.ID, 999999)
			requireCode(t, err, conduit.ENOTFOUND)
		})
	})
}

// TestCounts_Concurrently favorites, unfavorites and comments from 50
// goroutines by several users on a few articles at once; afterwards every
// favorites_count and comments_count equals the rows.
func TestCounts_Concurrently(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		users := make([]*conduit.User, 5)
		for i := range users {
			users[i] = MustCreateUser(t, db, "cc")
		}
		articles := make([]*conduit.Article, 3)
		for i := range articles {
			articles[i] = mustCreateArticle(t, s, users[i].ID, "Contended", "hot")
		}
		var wg sync.WaitGroup
		errs := make(chan error, 50)
		for g := range 50 {
			wg.Go(func() {
				u := users[g%len(users)]
				for i := range 6 {
					a := articles[(g+i)%len(articles)]
					var err error
					switch (g + i) % 4 {
					case 0:
						_, err = s.UnfavoriteArticle(ctx, u.ID, a.ID)
					case 1, 2:
						_, err = s.FavoriteArticle(ctx, u.ID, a.ID)
					case 3:
						var c *conduit.Comment
						if c, err = cs.AddComment(ctx, u.ID, a.ID, "me too"); err == nil && g%3 == 0 {
							_, err = cs.DeleteComment(ctx, u.ID, c.ID)
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		favorites, comments := 0, 0
		for _, a := range articles {
			got, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, store.CountRows(t, db, "favorites", "article_id = ?", a.ID), got.FavoritesCount, "favorites of %d", a.ID)
			require.Equal(t, store.CountRows(t, db, "comments", "article_id = ?", a.ID), got.CommentsCount, "comments of %d", a.ID)
			favorites += got.FavoritesCount
			comments += got.CommentsCount
		}
		require.NotZero(t, favorites, "some favorites remain")
		require.NotZero(t, comments, "some comments remain")
	})
}
