package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

type favoriteRow struct {
	bun.BaseModel `bun:"table:favorites,alias:fav"`

	UserID    int64 `bun:",pk"`
	ArticleID int64 `bun:",pk"`
	CreatedAt dbTime
}

// FavoriteArticle makes userID favorite an article, and returns the article
// as it is then, with its tags; idempotent. ENOTFOUND when the article (or
// the user) does not exist. The article's favorites_count goes up in the
// same transaction, and only when a favorite was inserted.
func (s *ArticleService) FavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.changeFavorite(ctx, userID, articleID, 1, func(tx bun.Tx) (sql.Result, error) {
		// ON CONFLICT DO NOTHING: on PostgreSQL a concurrent insert of the
		// same favorite waits for the other transaction, then inserts
		// nothing; SQLite runs one writer at a time. Either way exactly one
		// call counts it. A missing article (or user) fails the foreign key.
		res, err := tx.NewInsert().
			Model(&favoriteRow{UserID: userID, ArticleID: articleID, CreatedAt: s.db.timeNow()}).
			On("CONFLICT DO NOTHING").Exec(ctx)
		return res, dbError(err, "Article")
	})
	if err != nil {
		return nil, fmt.Errorf("favorite article: %w", err)
	}
	return a, nil
}

// UnfavoriteArticle undoes FavoriteArticle, and returns the article as it
// is then, with its tags; idempotent. ENOTFOUND when the article does not
// exist.
func (s *ArticleService) UnfavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.changeFavorite(ctx, userID, articleID, -1, func(tx bun.Tx) (sql.Result, error) {
		// On PostgreSQL a concurrent delete of the same row waits for the
		// other transaction, then finds nothing to delete.
		return tx.NewDelete().Model((*favoriteRow)(nil)).
			Where("user_id = ? AND article_id = ?", userID, articleID).Exec(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("unfavorite article: %w", err)
	}
	return a, nil
}

// changeFavorite runs change in a transaction and adds delta to the
// article's favorites_count if it changed a row, then reads the article
// with its tags in the same transaction.
func (s *ArticleService) changeFavorite(ctx context.Context, userID, articleID int64, delta int,
	change func(bun.Tx) (sql.Result, error)) (*conduit.Article, error) {
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res, err := change(tx)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	row := new(articleRow)
	if n > 0 {
		err = tx.NewUpdate().Model(row).Set("favorites_count = favorites_count + ?", delta).
			Where("id = ?", articleID).Returning("*").Scan(ctx)
	} else {
		err = tx.NewSelect().Model(row).Where("id = ?", articleID).Scan(ctx)
	}
	if err != nil {
		return nil, dbError(err, "Article")
	}
	tags, err := row.tags()
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return row.article(tags), nil
}

// FavoritedAmong reports, in the order of ids, whether userID favorited
// each. One query; none for no ids or an anonymous user (id 0).
func (s *ArticleService) FavoritedAmong(ctx context.Context, userID int64, ids []int64) ([]bool, error) {
	out := make([]bool, len(ids))
	if userID == 0 || len(ids) == 0 {
		return out, nil
	}
	var favorited []int64
	err := s.db.reader.NewSelect().Model((*favoriteRow)(nil)).Column("article_id").
		Where("user_id = ?", userID).Where("article_id IN (?)", bun.List(ids)).
		Scan(ctx, &favorited)
	if err != nil {
		return nil, fmt.Errorf("favorited among: %w", err)
	}
	set := make(map[int64]bool, len(favorited))
	for _, id := range favorited {
		set[id] = true
	}
	for i, id := range ids {
		out[i] = set[id]
	}
	return out, nil
}
