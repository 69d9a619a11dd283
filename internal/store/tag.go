package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

type tagRow struct {
	bun.BaseModel `bun:"table:tags,alias:t"`

	ID   int64 `bun:",pk,autoincrement"`
	Name string
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
// its old ones when replace is set. Four statements at most, whatever the
// number of tags.
func setTags(ctx context.Context, tx bun.Tx, row *articleRow, names []string, replace bool) error {
	if replace {
		_, err := tx.NewDelete().Model((*articleTagRow)(nil)).Where("article_id = ?", row.ID).Exec(ctx)
		if err != nil {
			return err
		}
	}
	if len(names) == 0 {
		return nil
	}
	ids, err := upsertTags(ctx, tx, names)
	if err != nil {
		return err
	}
	links := make([]articleTagRow, len(names))
	for i, name := range names {
		links[i] = articleTagRow{ArticleID: row.ID, TagID: ids[name], Position: i, ArticleCreatedAt: row.CreatedAt}
	}
	_, err = tx.NewInsert().Model(&links).Exec(ctx)
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

// tagsOf returns one article's tags in order, never nil.
func tagsOf(ctx context.Context, idb bun.IDB, id int64) ([]string, error) {
	tags, err := tagsOfMany(ctx, idb, []int64{id})
	if err != nil {
		return nil, err
	}
	return tags[0], nil
}

// tagsOfMany returns each article's tags, in the order of ids, each in the
// author's order and never nil. One query.
func tagsOfMany(ctx context.Context, idb bun.IDB, ids []int64) ([][]string, error) {
	out := make([][]string, len(ids))
	for i := range out {
		out[i] = []string{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ArticleID int64
		Name      string
	}
	err := idb.NewSelect().Model((*articleTagRow)(nil)).
		ColumnExpr("at.article_id, t.name").
		Join("JOIN tags AS t ON t.id = at.tag_id").
		Where("at.article_id IN (?)", bun.List(ids)).
		OrderExpr("at.article_id, at.position").
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64][]string, len(ids))
	for _, r := range rows {
		byID[r.ArticleID] = append(byID[r.ArticleID], r.Name)
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
// more are left out. One query, an index-only scan of
// article_tags_tag_created_idx's tag_id.
func (s *ArticleService) PopularTags(ctx context.Context, n int) ([]*conduit.Tag, error) {
	if n <= 0 {
		return []*conduit.Tag{}, nil
	}
	var rows []struct {
		Name          string
		ArticlesCount int
	}
	err := s.db.reader.NewSelect().
		ColumnExpr("t.name, c.articles_count").
		TableExpr("(SELECT tag_id, count(*) AS articles_count FROM article_tags GROUP BY tag_id) AS c").
		Join("JOIN tags AS t ON t.id = c.tag_id").
		OrderExpr("c.articles_count DESC, t.name").
		Limit(int64(n)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("popular tags: %w", err)
	}
	tags := make([]*conduit.Tag, len(rows))
	for i, r := range rows {
		tags[i] = &conduit.Tag{Name: r.Name, ArticlesCount: r.ArticlesCount}
	}
	return tags, nil
}
