package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun/migrate"
)

// SetClock makes db read the time from now.
func SetClock(db *DB, now func() time.Time) { db.now = now }

// ReaderPragmas returns journal_mode, foreign_keys and query_only of a reader connection.
func ReaderPragmas(tb testing.TB, db *DB) (mode string, fk, queryOnly int) {
	tb.Helper()
	ctx := context.Background()
	for q, dest := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk, "PRAGMA query_only": &queryOnly} {
		if err := db.reader.NewRaw(q).Scan(ctx, dest); err != nil {
			tb.Fatal(err)
		}
	}
	return mode, fk, queryOnly
}

// WriterPragmas returns the pragmas of the writer connection.
func WriterPragmas(tb testing.TB, db *DB) map[string]any {
	tb.Helper()
	ctx := context.Background()
	var mode string
	var fk, sync, queryOnly int
	for q, dest := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk,
		"PRAGMA synchronous": &sync, "PRAGMA query_only": &queryOnly} {
		if err := db.writer.NewRaw(q).Scan(ctx, dest); err != nil {
			tb.Fatal(err)
		}
	}
	return map[string]any{"journal_mode": mode, "foreign_keys": fk, "synchronous": sync, "query_only": queryOnly}
}

// InsertUserRaw inserts a user past CreateUser's checks, as a racing
// request would, and returns the error as dbError classifies it.
func InsertUserRaw(ctx context.Context, db *DB, username, email string) error {
	now := db.timeNow()
	row := &userRow{Username: username, Email: email, PasswordHash: "x", CreatedAt: now, UpdatedAt: now}
	_, err := db.writer.NewInsert().Model(row).Exec(ctx)
	return dbError(err, "User")
}

// InsertFollowRaw inserts a follow past FollowUser's checks.
func InsertFollowRaw(ctx context.Context, db *DB, followerID, followeeID int64) error {
	_, err := db.writer.NewInsert().Model(&followRow{FollowerID: followerID, FolloweeID: followeeID, CreatedAt: db.timeNow()}).Exec(ctx)
	return dbError(err, "User")
}

// CountRows returns SELECT count(*) FROM table WHERE where, read on the
// writer so that it sees every commit.
func CountRows(tb testing.TB, db *DB, table, where string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.writer.NewRaw("SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(context.Background(), &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// ExplainArticles returns the plan of the query that Articles runs for f
// and args: EXPLAIN QUERY PLAN's details on SQLite, EXPLAIN on PostgreSQL,
// one line each.
func ExplainArticles(tb testing.TB, db *DB, f conduit.ArticleFilter, args conduit.PageArgs) string {
	tb.Helper()
	s := NewArticleService(db)
	// As a page with authors reads it: the join must not change
	// the order the index gives.
	q, keys := s.filter(db.articleParts(db.reader.NewSelect().Model((*articleRow)(nil)), conduit.ArticleParts{Author: true}), f)
	query := keys.apply(q, args).String()
	return explain(tb, db, query)
}

// ExplainPopularTags returns the plan of PopularTags' query, as
// ExplainArticles does.
func ExplainPopularTags(tb testing.TB, db *DB, n int) string {
	tb.Helper()
	return explain(tb, db, popularTags(db.reader, &[]tagRow{}, n).String())
}

// PopularTagsByLinks returns the n most used tags as PopularTags did
// before tags kept a count: counted from their links, read on the writer.
func PopularTagsByLinks(tb testing.TB, db *DB, n int) []*conduit.Tag {
	tb.Helper()
	tags := []*conduit.Tag{}
	err := db.writer.NewSelect().
		ColumnExpr("t.name, c.articles_count").
		TableExpr("(SELECT tag_id, count(*) AS articles_count FROM article_tags GROUP BY tag_id) AS c").
		Join("JOIN tags AS t ON t.id = c.tag_id").
		OrderExpr("c.articles_count DESC, t.name").
		Limit(int64(n)).Scan(context.Background(), &tags)
	if err != nil {
		tb.Fatal(err)
	}
	return tags
}

// TagListMismatches returns the articles whose tag_list is not their
// links' tags in position order, read on the writer: what tag_list and
// article_tags disagree on (nothing, when the store keeps them together).
func TagListMismatches(tb testing.TB, db *DB) map[int64][2]string {
	tb.Helper()
	ctx := context.Background()
	var rows []articleRow
	if err := db.writer.NewSelect().Model(&rows).Column("id", "tag_list").Scan(ctx); err != nil {
		tb.Fatal(err)
	}
	var links []struct {
		ArticleID int64
		Name      string
	}
	err := db.writer.NewSelect().Model((*articleTagRow)(nil)).ColumnExpr("at.article_id, t.name").
		Join("JOIN tags AS t ON t.id = at.tag_id").OrderExpr("at.article_id, at.position").Scan(ctx, &links)
	if err != nil {
		tb.Fatal(err)
	}
	byLinks := map[int64][]string{}
	for _, l := range links {
		byLinks[l.ArticleID] = append(byLinks[l.ArticleID], l.Name)
	}
	bad := map[int64][2]string{}
	for i := range rows {
		tags, err := rows[i].tags()
		want := encodeTags(byLinks[rows[i].ID])
		if err != nil || encodeTags(tags) != want {
			bad[rows[i].ID] = [2]string{rows[i].TagList, want}
		}
	}
	return bad
}

// MigrateUpTo applies the pending migrations up to and including name, as
// one group: the database as an older release left it.
func MigrateUpTo(ctx context.Context, db *DB, name string) error {
	all, err := db.migrations()
	if err != nil {
		return err
	}
	older := migrate.NewMigrations()
	for _, m := range all.Sorted() {
		if m.Name <= name {
			older.Add(m)
		}
	}
	m := migrate.NewMigrator(db.writer, older, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return err
	}
	_, err = m.Migrate(ctx)
	return err
}

func explain(tb testing.TB, db *DB, query string) string {
	tb.Helper()
	ctx := context.Background()
	var lines []string
	if db.dialect == DialectSQLite {
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := db.reader.NewRaw("EXPLAIN QUERY PLAN "+query).Scan(ctx, &rows); err != nil {
			tb.Fatal(err)
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
	} else if err := db.reader.NewRaw("EXPLAIN "+query).Scan(ctx, &lines); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// ExecRaw runs a statement on the writer.
func ExecRaw(tb testing.TB, db *DB, query string, args ...any) {
	tb.Helper()
	if _, err := db.writer.ExecContext(context.Background(), query, args...); err != nil {
		tb.Fatal(err)
	}
}

// QueryInt returns the one integer that query selects, read on the writer.
func QueryInt(tb testing.TB, db *DB, query string, args ...any) int64 {
	tb.Helper()
	var n int64
	if err := db.writer.NewRaw(query, args...).Scan(context.Background(), &n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// WriteUncommitted appends a dot to every bio in a transaction on db's writer and
// leaves it open: it holds a write that has not committed yet. commit
// ends it.
func WriteUncommitted(tb testing.TB, db *DB) (commit func() error) {
	tb.Helper()
	ctx := context.Background()
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE users SET bio = COALESCE(bio, '') || '.'"); err != nil {
		tb.Fatal(errors.Join(err, tx.Rollback()))
	}
	return tx.Commit
}
