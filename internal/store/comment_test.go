package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/stretchr/testify/require"
)

func TestCommentService_AddComment(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		u, v := MustCreateUser(t, db, "com"), MustCreateUser(t, db, "com")
		a := mustCreateArticle(t, s, u.ID, "Discussed")

		t.Run("OK", func(t *testing.T) {
			c, err := cs.AddComment(ctx, v.ID, a.ID, "First!")
			require.NoError(t, err)
			require.NotZero(t, c.ID)
			require.Equal(t, "First!", c.Body)
			require.Equal(t, a.ID, c.ArticleID)
			require.Equal(t, v.ID, c.AuthorID)
			require.False(t, c.CreatedAt.IsZero())
			got, err := cs.CommentByID(ctx, c.ID)
			require.NoError(t, err)
			require.Equal(t, c, got)
			art, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, art.CommentsCount)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := cs.AddComment(ctx, v.ID, a.ID, "  \n ")
			requireCode(t, err, conduit.EINVALID)
			require.Contains(t, conduit.ErrorFields(err), "body")
			_, err = cs.AddComment(ctx, v.ID, a.ID, strings.Repeat("x", conduit.MaxCommentLen+1))
			requireCode(t, err, conduit.EINVALID)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := cs.AddComment(ctx, v.ID, 999999, "hello?")
			requireCode(t, err, conduit.ENOTFOUND)
			require.Equal(t, "Article not found.", conduit.ErrorMessage(err))
			_, err = cs.AddComment(ctx, 999999, a.ID, "ghost")
			requireCode(t, err, conduit.ENOTFOUND)
			require.Equal(t, "User not found.", conduit.ErrorMessage(err))
			_, err = cs.CommentByID(ctx, 999999)
			requireCode(t, err, conduit.ENOTFOUND)
			art, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, art.CommentsCount, "a failed comment counts nothing")
		})
	})
}

func TestCommentService_DeleteComment(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		author, reader := MustCreateUser(t, db, "dcom"), MustCreateUser(t, db, "dcom")
		a := mustCreateArticle(t, s, author.ID, "Moderated")
		c, err := cs.AddComment(ctx, reader.ID, a.ID, "spam")
		require.NoError(t, err)
		keep, err := cs.AddComment(ctx, reader.ID, a.ID, "ham")
		require.NoError(t, err)

		t.Run("ErrNotAuthor", func(t *testing.T) {
			// Only the comment's author (API.md), not the article's.
			_, err := cs.DeleteComment(ctx, author.ID, c.ID)
			requireCode(t, err, conduit.EFORBIDDEN)
		})
		t.Run("OK", func(t *testing.T) {
			got, err := cs.DeleteComment(ctx, reader.ID, c.ID)
			require.NoError(t, err)
			require.Equal(t, c, got, "the comment as it was")
			_, err = cs.CommentByID(ctx, c.ID)
			requireCode(t, err, conduit.ENOTFOUND)
			art, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, art.CommentsCount)
			_, err = cs.CommentByID(ctx, keep.ID)
			require.NoError(t, err)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := cs.DeleteComment(ctx, reader.ID, c.ID)
			requireCode(t, err, conduit.ENOTFOUND)
			art, err := s.ArticleByID(ctx, a.ID)
			require.NoError(t, err)
			require.Equal(t, 1, art.CommentsCount)
		})
	})
}

func TestCommentService_Comments(t *testing.T) {
	testEachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, cs := store.NewArticleService(db), store.NewCommentService(db)
		u := MustCreateUser(t, db, "lcom")
		a, other := mustCreateArticle(t, s, u.ID, "Thread"), mustCreateArticle(t, s, u.ID, "Other")
		var want []int64 // oldest first
		for i := range 25 {
			c, err := cs.AddComment(ctx, u.ID, a.ID, fmt.Sprint("comment ", i))
			require.NoError(t, err)
			want = append(want, c.ID)
			_, err = cs.AddComment(ctx, u.ID, other.ID, "elsewhere")
			require.NoError(t, err)
		}
		commentIDs := func(p *conduit.Page[*conduit.Comment]) []int64 {
			out := make([]int64, len(p.Items))
			for i, c := range p.Items {
				out[i] = c.ID
			}
			return out
		}

		t.Run("Forward", func(t *testing.T) {
			var got, added []int64
			args := conduit.PageArgs{First: 10}
			for {
				cctx, count := store.WithStatementCounter(ctx)
				p, err := cs.Comments(cctx, a.ID, args, false)
				require.NoError(t, err)
				require.Equal(t, int64(1), count.Load())
				got = append(got, commentIDs(p)...)
				if !p.HasNextPage {
					break
				}
				// Newer than all: it shows at the end, after the originals.
				c, err := cs.AddComment(ctx, u.ID, a.ID, "late")
				require.NoError(t, err)
				added = append(added, c.ID)
				args.After = &p.Cursors[len(p.Cursors)-1]
			}
			require.Equal(t, append(want, added...), got)
		})
		t.Run("Backward", func(t *testing.T) {
			p, err := cs.Comments(ctx, a.ID, conduit.PageArgs{First: conduit.MaxPageSize}, false)
			require.NoError(t, err)
			want := commentIDs(p)
			var got []int64
			args := conduit.PageArgs{Last: 10}
			for {
				p, err := cs.Comments(ctx, a.ID, args, false)
				require.NoError(t, err)
				got = append(commentIDs(p), got...)
				if !p.HasPreviousPage {
					break
				}
				args.Before = &p.Cursors[0]
			}
			require.Equal(t, want, got)
		})
		t.Run("Authors", func(t *testing.T) {
			cctx, count := store.WithStatementCounter(ctx)
			p, err := cs.Comments(cctx, a.ID, conduit.PageArgs{First: 10}, true)
			require.NoError(t, err)
			require.Equal(t, int64(1), count.Load(), "the authors come in the same statement")
			bare, err := cs.Comments(ctx, a.ID, conduit.PageArgs{First: 10}, false)
			require.NoError(t, err)
			require.Equal(t, commentIDs(bare), commentIDs(p))
			author, err := store.NewUserService(db, testHasher).UserByID(ctx, u.ID)
			require.NoError(t, err)
			for i, c := range p.Items {
				require.Equal(t, author, c.Author)
				require.Nil(t, bare.Items[i].Author, "an author who was not asked for")
				require.Equal(t, bare.Items[i].Body, c.Body)
			}
		})
		t.Run("OKNone", func(t *testing.T) {
			p, err := cs.Comments(ctx, 999999, conduit.PageArgs{First: 10}, false)
			require.NoError(t, err)
			require.Empty(t, p.Items)
			require.False(t, p.HasNextPage)
		})
	})
}
