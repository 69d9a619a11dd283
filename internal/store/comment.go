package store

import (
	"context"
	"fmt"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

// CommentService implements conduit.CommentService.
type CommentService struct {
	db *DB
}

var _ conduit.CommentService = (*CommentService)(nil)

// NewCommentService returns the comment service on db.
func NewCommentService(db *DB) *CommentService {
	return &CommentService{db: db}
}

type commentRow struct {
	bun.BaseModel `bun:"table:comments,alias:c"`

	ID        int64 `bun:",pk,autoincrement"`
	ArticleID int64
	AuthorID  int64
	Body      string
	CreatedAt dbTime
	UpdatedAt dbTime
}

// pageCommentRow is a comment of a page, with its author's columns when
// the page asks for them.
type pageCommentRow struct {
	commentRow `bun:",extend"`
	authorColumns
}

func (r *commentRow) comment() *conduit.Comment {
	return &conduit.Comment{ID: r.ID, Body: r.Body, ArticleID: r.ArticleID, AuthorID: r.AuthorID,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time}
}

// AddComment adds authorID's comment to an article. EINVALID for a bad
// body; ENOTFOUND when the article (or the author) does not exist. The
// article's comments_count goes up in the same transaction.
func (s *CommentService) AddComment(ctx context.Context, authorID, articleID int64, body string) (*conduit.Comment, error) {
	if err := conduit.ValidateCommentBody(body); err != nil {
		return nil, err
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("add comment: %w", err)
	}
	defer tx.Rollback()
	// Counting first tells a missing article from a missing author.
	if err := addCommentsCount(ctx, tx, articleID, 1); err != nil {
		return nil, fmt.Errorf("add comment: %w", err)
	}
	now := s.db.timeNow()
	row := &commentRow{ArticleID: articleID, AuthorID: authorID, Body: body, CreatedAt: now, UpdatedAt: now}
	if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, fmt.Errorf("add comment: %w", dbError(err, "User"))
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("add comment: %w", err)
	}
	return row.comment(), nil
}

// addCommentsCount adds delta to an article's comments_count. ENOTFOUND
// when there is no such article.
func addCommentsCount(ctx context.Context, tx bun.Tx, articleID int64, delta int) error {
	res, err := tx.NewUpdate().Model((*articleRow)(nil)).
		Set("comments_count = comments_count + ?", delta).Where("id = ?", articleID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return conduit.Errorf(conduit.ENOTFOUND, "Article not found.")
	}
	return nil
}

// DeleteComment deletes a comment and returns it as it was. ENOTFOUND;
// EFORBIDDEN unless viewerID wrote it (API.md: only a comment's author may
// delete it, not the article's). The article's comments_count goes down in
// the same transaction.
func (s *CommentService) DeleteComment(ctx context.Context, viewerID, id int64) (*conduit.Comment, error) {
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("delete comment: %w", err)
	}
	defer tx.Rollback()
	row := new(commentRow)
	if err := tx.NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("delete comment: %w", dbError(err, "Comment"))
	}
	if row.AuthorID != viewerID {
		return nil, fmt.Errorf("delete comment: %w", conduit.Errorf(conduit.EFORBIDDEN, msgNotCommentAuthor))
	}
	// Counted by what the DELETE did: a concurrent delete of the same
	// comment on PostgreSQL waits, then deletes nothing and counts nothing.
	res, err := tx.NewDelete().Model((*commentRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("delete comment: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("delete comment: %w", err)
	} else if n == 0 {
		return nil, fmt.Errorf("delete comment: %w", conduit.Errorf(conduit.ENOTFOUND, "Comment not found."))
	}
	if err := addCommentsCount(ctx, tx, row.ArticleID, -1); err != nil {
		return nil, fmt.Errorf("delete comment: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("delete comment: %w", err)
	}
	return row.comment(), nil
}

// CommentByID returns a comment. ENOTFOUND.
func (s *CommentService) CommentByID(ctx context.Context, id int64) (*conduit.Comment, error) {
	row := new(commentRow)
	if err := s.db.reader.NewSelect().Model(row).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("comment by id: %w", dbError(err, "Comment"))
	}
	return row.comment(), nil
}

// Comments pages through an article's comments, oldest first, by
// (created_at, id) on comments_article_idx. One query per page; an article
// that does not exist has none.
func (s *CommentService) Comments(ctx context.Context, articleID int64, args conduit.PageArgs, authors bool) (*conduit.Page[*conduit.Comment], error) {
	var rows []pageCommentRow
	q := s.db.reader.NewSelect().Model(&rows).ColumnExpr("c.*").Where("c.article_id = ?", articleID)
	if authors {
		q = withAuthor(q, "c.author_id")
	}
	q = keyset{timeCol: "c.created_at", idCol: "c.id"}.apply(q, args)
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("comments: %w", err)
	}
	items := make([]*conduit.Comment, len(rows))
	cursors := make([]conduit.Cursor, len(rows))
	for i := range rows {
		items[i] = rows[i].comment()
		items[i].Author = rows[i].author(rows[i].AuthorID)
		cursors[i] = conduit.Cursor{Time: rows[i].CreatedAt.Time, ID: rows[i].ID}
	}
	return newPage(items, cursors, args), nil
}
