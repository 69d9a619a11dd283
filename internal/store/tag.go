package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

type tagRow struct {
	bun.BaseModel `bun:"table:tags,alias:t"`

	ID   int64 `bun:",pk,autoincrement"`
	Name string
	// ArticlesCount counts the tag's links: setTags and DeleteArticle keep
	// it in the transaction that changes them.
	ArticlesCount int
}

// articleTagRow links an article to a tag. Position keeps the author's
// order; ArticleCreatedAt, a copy of the article's (unchanging) created_at,
// lets the tag filter read article_tags_tag_created_idx in page order.
type articleTagRow struct {
	bun.BaseModel `bun:"table:article_tags,alias:at"`

	ArticleID        int64 `bun:",pk"`
	TagID            int64 `bun:",pk"`
	Position         int
	ArticleCreatedAt dbTime
}

// setTags gives the article in row these tags, in this order, replacing
// its old ones when replace is set, and adds 1 to the articles_count of
// each tag the article gains and -1 to that of each one it loses; a tag it
// keeps is not written. Five statements at most, six on PostgreSQL,
// whatever the number of tags: DELETE old links RETURNING their tags,
// INSERT and SELECT tags, INSERT links, then addArticlesCounts (nothing
// when the set of tags stays the same).
func setTags(ctx context.Context, tx bun.Tx, row *articleRow, names []string, replace bool) error {
	var old []int64
	if replace {
		err := tx.NewDelete().Model((*articleTagRow)(nil)).Where("article_id = ?", row.ID).
			Returning("tag_id").Scan(ctx, &old)
		if err != nil {
			return err
		}
	}
	var ids map[string]int64
	if len(names) > 0 {
		var err error
		if ids, err = upsertTags(ctx, tx, names); err != nil {
			return err
		}
		links := make([]articleTagRow, len(names))
		for i, name := range names {
			links[i] = articleTagRow{ArticleID: row.ID, TagID: ids[name], Position: i, ArticleCreatedAt: row.CreatedAt}
		}
		if _, err := tx.NewInsert().Model(&links).Exec(ctx); err != nil {
			return err
		}
	}
	had := make(map[int64]bool, len(old))
	for _, id := range old {
		had[id] = true
	}
	var added, removed []int64
	for _, id := range ids {
		if had[id] {
			delete(had, id)
		} else {
			added = append(added, id)
		}
	}
	for id := range had {
		removed = append(removed, id)
	}
	return addArticlesCounts(ctx, tx, added, removed)
}

// addArticlesCounts adds 1 to the articles_count of the tags added and -1
// to that of the tags removed: one UPDATE, and on PostgreSQL a SELECT …
// FOR NO KEY UPDATE before it; nothing when both are empty.
//
// Relative changes (articles_count = articles_count + 1) keep concurrent
// writers exact. On PostgreSQL writers whose tags overlap must lock them
// in one order, ascending ids, or they deadlock (as
// TestArticleService_TagCountsConcurrently shows for each alternative
// below):
//
//   - A plain UPDATE … WHERE id IN (…) locks in whatever order its plan
//     reads the rows, so the SELECT takes the locks first, in the order of
//     its ORDER BY (the locks are taken above the sort).
//   - The UPDATE is a statement of its own, with a new snapshot. As a
//     subquery of the UPDATE, the SELECT would lock the newest version of
//     a row that another writer changed meanwhile, and then the UPDATE
//     would find the old version in its snapshot and queue for that
//     version's tuple lock, which a writer waiting for this transaction
//     may hold.
//   - FOR NO KEY UPDATE is the lock that the UPDATE takes anyway. FOR
//     UPDATE would also conflict with the FOR KEY SHARE locks of the
//     foreign key checks of inserted links, which writers take in their
//     articles' tag order.
//
// SQLite runs one writer at a time.
func addArticlesCounts(ctx context.Context, tx bun.Tx, added, removed []int64) error {
	ids := slices.Concat(added, removed)
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	if tx.Dialect().Name() == dialect.PG {
		_, err := tx.NewSelect().Model((*tagRow)(nil)).Column("id").Where("id IN (?)", bun.List(ids)).
			Order("id").For("NO KEY UPDATE").Exec(ctx)
		if err != nil {
			return err
		}
	}
	delta := bun.SafeQuery("articles_count + 1")
	if len(added) == 0 {
		delta = bun.SafeQuery("articles_count - 1")
	} else if len(removed) > 0 {
		delta = bun.SafeQuery("articles_count + CASE WHEN id IN (?) THEN 1 ELSE -1 END", bun.List(added))
	}
	_, err := tx.NewUpdate().Model((*tagRow)(nil)).Set("articles_count = ?", delta).
		Where("id IN (?)", bun.List(ids)).Exec(ctx)
	return err
}

// upsertTags makes sure that a tag exists for each name and returns their
// ids by name: one INSERT for the missing ones, one SELECT for all.
//
// The names are inserted in sorted order, so that two transactions that
// create the same new tags on PostgreSQL wait for each other in the same
// order instead of deadlocking. A tag that another transaction inserted
// meanwhile is skipped (ON CONFLICT DO NOTHING), and the SELECT, a new
// statement in READ COMMITTED, sees it once that transaction commits.
func upsertTags(ctx context.Context, tx bun.Tx, names []string) (map[string]int64, error) {
	sorted := slices.Sorted(slices.Values(names))
	rows := make([]tagRow, len(sorted))
	for i, name := range sorted {
		rows[i].Name = name
	}
	// RETURNING NULL: bun would otherwise return the ids into rows, which
	// no longer line up when some names already existed.
	_, err := tx.NewInsert().Model(&rows).Column("name").On("CONFLICT (name) DO NOTHING").
		Returning("NULL").Exec(ctx)
	if err != nil {
		return nil, err
	}
	rows = rows[:0]
	if err := tx.NewSelect().Model(&rows).Where("name IN (?)", bun.List(sorted)).Scan(ctx); err != nil {
		return nil, err
	}
	ids := make(map[string]int64, len(rows))
	for _, r := range rows {
		ids[r.Name] = r.ID
	}
	for _, name := range names {
		if ids[name] == 0 {
			return nil, fmt.Errorf("tag %q: not found after insert", name)
		}
	}
	return ids, nil
}

// tagsOfMany returns each article's tags, in the order of ids, each in the
// author's order and never nil. One query, which reads the articles'
// tag_list.
func tagsOfMany(ctx context.Context, idb bun.IDB, ids []int64) ([][]string, error) {
	out := make([][]string, len(ids))
	for i := range out {
		out[i] = []string{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []articleRow
	if err := idb.NewSelect().Model(&rows).Column("id", "tag_list").Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	byID := make(map[int64][]string, len(rows))
	for i := range rows {
		tags, err := rows[i].tags()
		if err != nil {
			return nil, err
		}
		byID[rows[i].ID] = tags
	}
	for i, id := range ids {
		if tags := byID[id]; tags != nil {
			out[i] = tags
		}
	}
	return out, nil
}

// TagsOf returns each article's tags, in the order of ids: in the author's
// order, an empty slice for an article without tags or none at all. One
// query; none for no ids.
func (s *ArticleService) TagsOf(ctx context.Context, ids []int64) ([][]string, error) {
	tags, err := tagsOfMany(ctx, s.db.reader, ids)
	if err != nil {
		return nil, fmt.Errorf("tags of: %w", err)
	}
	return tags, nil
}

// PopularTags returns the n tags that most articles carry, most used first
// and then by name, with their counts. Tags that no article carries any
// more are left out. One query: the first n entries of tags_popular_idx,
// which holds every column it reads.
func (s *ArticleService) PopularTags(ctx context.Context, n int) ([]*conduit.Tag, error) {
	if n <= 0 {
		return []*conduit.Tag{}, nil
	}
	var rows []tagRow
	if err := popularTags(s.db.reader, &rows, n).Scan(ctx); err != nil {
		return nil, fmt.Errorf("popular tags: %w", err)
	}
	tags := make([]*conduit.Tag, len(rows))
	for i, r := range rows {
		tags[i] = &conduit.Tag{Name: r.Name, ArticlesCount: r.ArticlesCount}
	}
	return tags, nil
}

// popularTags is PopularTags' query, into rows.
func popularTags(idb bun.IDB, rows *[]tagRow, n int) *bun.SelectQuery {
	return idb.NewSelect().Model(rows).Column("name", "articles_count").
		Where("articles_count > 0").
		OrderExpr("articles_count DESC, name").
		Limit(int64(n))
}
