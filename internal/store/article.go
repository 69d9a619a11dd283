package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

// Messages for an article or comment that the viewer did not write.
const (
	msgNotArticleAuthor = "Only the author of this article may change it."
	msgNotCommentAuthor = "Only the author of this comment may delete it."
)

// slugTries bounds the attempts at a unique slug. Each attempt after the
// first adds 6 random base-36 characters (over 2 billion choices), so a
// second collision means something other than bad luck.
const slugTries = 8

// ArticleService implements conduit.ArticleService: articles, their tags
// and favorites.
type ArticleService struct {
	db *DB
}

var _ conduit.ArticleService = (*ArticleService)(nil)

// NewArticleService returns the article service on db.
func NewArticleService(db *DB) *ArticleService {
	return &ArticleService{db: db}
}

type articleRow struct {
	bun.BaseModel `bun:"table:articles,alias:a"`

	ID             int64 `bun:",pk,autoincrement"`
	Slug           string
	Title          string
	Description    string
	Body           string
	AuthorID       int64
	FavoritesCount int
	CommentsCount  int
	CreatedAt      dbTime
	UpdatedAt      dbTime
	// TagList is the article's tags in the author's order, a JSON array
	// (encodeTags), written with its links in article_tags.
	TagList string
}

// encodeTags is the tag_list of an article with these tags.
func encodeTags(names []string) string {
	if len(names) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(names) // strings always marshal
	return string(b)
}

// tags returns the row's tags, never nil; an error when its tag_list was
// not read or is not a JSON array of strings.
func (r *articleRow) tags() ([]string, error) {
	tags := []string{}
	if err := json.Unmarshal([]byte(r.TagList), &tags); err != nil {
		return nil, fmt.Errorf("tags of article %d: %w", r.ID, err)
	}
	return tags, nil
}

// taggedArticleRow is an article with its tags as a JSON array, read in the
// same query (withTagList) so that a page of articles costs one statement,
// and with its author's columns when a page asks for them (articleParts).
type taggedArticleRow struct {
	articleRow `bun:",extend"` // TagList "" when not read

	authorColumns

	ViewerFavorited *bool `bun:"viewer_favorited,scanonly"` // nil when not read
	ViewerFollows   *bool `bun:"viewer_follows,scanonly"`
}

// withTagList selects the articles of q, a select from articles AS a, with
// their tags.
func (db *DB) withTagList(q *bun.SelectQuery) *bun.SelectQuery {
	return q.ColumnExpr("a.*")
}

// articleParts selects the columns of q, a select from articles AS a, that
// parts asks for: a list without bodies reads no bodies, one without tags
// runs no subquery per article, and one with authors joins them (a LEFT
// JOIN, which SQLite never reorders, so the page is still read in the order
// of the articles' index).
func (db *DB) articleParts(q *bun.SelectQuery, parts conduit.ArticleParts) *bun.SelectQuery {
	q = q.ColumnExpr("a.id, a.slug, a.title, a.description, a.author_id, a.favorites_count, a.comments_count, a.created_at, a.updated_at")
	if parts.Body {
		q = q.ColumnExpr("a.body")
	}
	if parts.Tags {
		q = q.ColumnExpr("a.tag_list")
	}
	if parts.Author {
		q = withAuthor(q, "a.author_id")
	}
	// What the viewer did, by the primary keys of favorites and follows: the
	// lookups that FavoritedAmong and FollowingAmong would make in a
	// statement of their own.
	if parts.ViewerID != 0 && parts.ViewerFavorited {
		q = q.ColumnExpr("EXISTS (SELECT 1 FROM favorites AS vfav WHERE vfav.user_id = ? AND vfav.article_id = a.id) AS viewer_favorited", parts.ViewerID)
	}
	if parts.ViewerID != 0 && parts.ViewerFollows {
		q = q.ColumnExpr("EXISTS (SELECT 1 FROM follows AS vfol WHERE vfol.follower_id = ? AND vfol.followee_id = a.author_id) AS viewer_follows", parts.ViewerID)
	}
	return q
}

// article returns the row as the domain sees it, with its tags when they
// were read (else nil) and its author when it was read (else nil).
func (r *taggedArticleRow) article() (*conduit.Article, error) {
	var tags []string
	if r.TagList != "" {
		var err error
		if tags, err = r.articleRow.tags(); err != nil {
			return nil, err
		}
	}
	a := r.articleRow.article(tags)
	a.Author = r.author(r.AuthorID)
	if r.ViewerFavorited != nil || r.ViewerFollows != nil {
		a.Viewer = &conduit.ArticleViewer{Favorited: r.ViewerFavorited != nil && *r.ViewerFavorited, FollowsAuthor: r.ViewerFollows != nil && *r.ViewerFollows}
	}
	return a, nil
}

// article returns the row as the domain sees it, with tags (nil when not
// loaded).
func (r *articleRow) article(tags []string) *conduit.Article {
	return &conduit.Article{
		ID: r.ID, Slug: r.Slug, Title: r.Title, Description: r.Description, Body: r.Body,
		Tags: tags, AuthorID: r.AuthorID, CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time,
		FavoritesCount: r.FavoritesCount, CommentsCount: r.CommentsCount,
	}
}

// CreateArticle publishes an article by authorID. EINVALID for bad input;
// ENOTFOUND when the author does not exist. The slug is the slugified
// title, with a random suffix when another article has it.
func (s *ArticleService) CreateArticle(ctx context.Context, authorID int64, n conduit.NewArticle) (*conduit.Article, error) {
	n.Normalize()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create article: %w", err)
	}
	defer tx.Rollback()
	now := s.db.timeNow()
	row := &articleRow{Title: n.Title, Description: n.Description, Body: n.Body, AuthorID: authorID,
		CreatedAt: now, UpdatedAt: now, TagList: encodeTags(n.Tags)}
	if err := insertArticle(ctx, tx, row); err != nil {
		return nil, fmt.Errorf("create article: %w", err)
	}
	if err := setTags(ctx, tx, row, n.Tags, false); err != nil {
		return nil, fmt.Errorf("create article: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create article: %w", err)
	}
	return row.article(n.Tags), nil
}

// insertArticle inserts row under a unique slug made from its title, and
// sets row.ID and row.Slug. ON CONFLICT (slug) DO NOTHING makes a taken
// slug insert nothing instead of failing, which on PostgreSQL would abort
// the transaction; a concurrent insert of the same slug waits for the
// other transaction and then inserts nothing, so there is no race between
// checking and inserting.
func insertArticle(ctx context.Context, tx bun.Tx, row *articleRow) error {
	return withUniqueSlug(conduit.Slugify(row.Title), func(slug string) (bool, error) {
		row.Slug = slug
		res, err := tx.NewInsert().Model(row).On("CONFLICT (slug) DO NOTHING").Returning("id").Exec(ctx)
		if err != nil {
			return false, dbError(err, "User")
		}
		n, err := res.RowsAffected()
		return n == 1, err
	})
}

// withUniqueSlug calls try with base, then with base and a random suffix,
// until try reports that the slug was free.
func withUniqueSlug(base string, try func(slug string) (bool, error)) error {
	slug := base
	for range slugTries {
		if ok, err := try(slug); err != nil || ok {
			return err
		}
		slug = base + "-" + randomSuffix()
	}
	return fmt.Errorf("no free slug for %q after %d tries", base, slugTries)
}

// randomSuffix returns 6 random characters of [0-9a-z].
func randomSuffix() string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [6]byte
	for i := range b {
		b[i] = digits[rand.IntN(len(digits))]
	}
	return string(b[:])
}

// UpdateArticle changes an article. ENOTFOUND; EFORBIDDEN unless viewerID
// wrote it; EINVALID for bad input. A new title gives a new slug unless it
// slugifies as the old one did; given tags replace the old ones.
func (s *ArticleService) UpdateArticle(ctx context.Context, viewerID, id int64, upd conduit.ArticleUpdate) (*conduit.Article, error) {
	upd.Normalize()
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("update article: %w", err)
	}
	defer tx.Rollback()
	old, err := s.ownArticle(ctx, tx, viewerID, id)
	if err != nil {
		return nil, fmt.Errorf("update article: %w", err)
	}
	row, err := updateArticle(ctx, tx, old, upd, s.db.timeNow())
	if err != nil {
		return nil, fmt.Errorf("update article: %w", err)
	}
	var tags []string
	if upd.Tags != nil {
		tags = *upd.Tags
		err = setTags(ctx, tx, row, tags, true)
	} else {
		tags, err = row.tags()
	}
	if err != nil {
		return nil, fmt.Errorf("update article: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update article: %w", err)
	}
	return row.article(tags), nil
}

// ownArticle reads an article in tx, locked against concurrent changes on
// PostgreSQL (SQLite's write transaction already excludes other writers).
// ENOTFOUND; EFORBIDDEN unless viewerID wrote it.
func (s *ArticleService) ownArticle(ctx context.Context, tx bun.Tx, viewerID, id int64) (*articleRow, error) {
	row := new(articleRow)
	q := tx.NewSelect().Model(row).Where("id = ?", id)
	if s.db.dialect == DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, dbError(err, "Article")
	}
	if row.AuthorID != viewerID {
		return nil, conduit.Errorf(conduit.EFORBIDDEN, msgNotArticleAuthor)
	}
	return row, nil
}

// updateArticle writes the fields of upd that are set, and the new slug
// when the title's slug changes, and returns the row as it is now.
func updateArticle(ctx context.Context, tx bun.Tx, old *articleRow, upd conduit.ArticleUpdate, now dbTime) (*articleRow, error) {
	row := new(articleRow)
	set := func(slug string) *bun.UpdateQuery {
		q := tx.NewUpdate().Model(row).Where("id = ?", old.ID).Set("updated_at = ?", now)
		if upd.Title != nil {
			q = q.Set("title = ?", *upd.Title)
		}
		if upd.Description != nil {
			q = q.Set("description = ?", *upd.Description)
		}
		if upd.Body != nil {
			q = q.Set("body = ?", *upd.Body)
		}
		if slug != "" {
			q = q.Set("slug = ?", slug)
		}
		if upd.Tags != nil {
			q = q.Set("tag_list = ?", encodeTags(*upd.Tags))
		}
		return q.Returning("*")
	}
	if upd.Title == nil || conduit.Slugify(*upd.Title) == conduit.Slugify(old.Title) {
		if err := set("").Scan(ctx); err != nil {
			return nil, dbError(err, "Article")
		}
		return row, nil
	}
	// A taken slug fails the UPDATE, which on PostgreSQL aborts the whole
	// transaction unless it runs under a savepoint to roll back to.
	err := withUniqueSlug(conduit.Slugify(*upd.Title), func(slug string) (bool, error) {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT article_slug"); err != nil {
			return false, err
		}
		err := set(slug).Scan(ctx)
		if err == nil {
			return true, nil
		}
		if name, ok := uniqueViolation(err); ok && strings.Contains(name, "slug") {
			_, err = tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT article_slug")
			return false, err
		}
		return false, dbError(err, "Article")
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}

// DeleteArticle deletes an article; its comments, favorites and tag links
// go with it (ON DELETE CASCADE), and its tags' articles_count goes down.
// ENOTFOUND; EFORBIDDEN unless viewerID wrote it.
//
// The tags are read before the cascade deletes the links (the article's
// row lock keeps them from changing meanwhile), and counted down after
// the article is deleted: tag rows are locked last, as on every path, so
// that a writer never holds them while it waits for the articles table
// (which Seed locks on PostgreSQL, and then updates the tags).
func (s *ArticleService) DeleteArticle(ctx context.Context, viewerID, id int64) error {
	tx, err := s.db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	defer tx.Rollback()
	if _, err := s.ownArticle(ctx, tx, viewerID, id); err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	var tagIDs []int64
	err = tx.NewSelect().Model((*articleTagRow)(nil)).Column("tag_id").Where("article_id = ?", id).Scan(ctx, &tagIDs)
	if err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	if _, err := tx.NewDelete().Model((*articleRow)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	if err := addArticlesCounts(ctx, tx, nil, tagIDs); err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete article: %w", err)
	}
	return nil
}

// ArticleByID returns an article with its tags. ENOTFOUND.
func (s *ArticleService) ArticleByID(ctx context.Context, id int64) (*conduit.Article, error) {
	a, err := s.articleWhere(ctx, "id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("article by id: %w", err)
	}
	return a, nil
}

// ArticleBySlug returns an article with its tags. ENOTFOUND.
func (s *ArticleService) ArticleBySlug(ctx context.Context, slug string) (*conduit.Article, error) {
	a, err := s.articleWhere(ctx, "slug = ?", slug)
	if err != nil {
		return nil, fmt.Errorf("article by slug: %w", err)
	}
	return a, nil
}

// articleWhere returns the article that cond matches, with its tags: one
// query.
func (s *ArticleService) articleWhere(ctx context.Context, cond string, arg any) (*conduit.Article, error) {
	row := new(taggedArticleRow)
	if err := s.db.withTagList(s.db.reader.NewSelect().Model(row)).Where("a."+cond, arg).Scan(ctx); err != nil {
		return nil, dbError(err, "Article")
	}
	return row.article()
}

// ArticlesByIDs returns the articles with these ids, in the order of ids,
// with nil where there is none, without tags (see TagsOf). One query; none
// for no ids.
func (s *ArticleService) ArticlesByIDs(ctx context.Context, ids []int64) ([]*conduit.Article, error) {
	out := make([]*conduit.Article, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []articleRow
	if err := s.db.reader.NewSelect().Model(&rows).Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("articles by ids: %w", err)
	}
	byID := make(map[int64]*conduit.Article, len(rows))
	for i := range rows {
		byID[rows[i].ID] = rows[i].article(nil)
	}
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out, nil
}

// Articles pages through the articles that match f, newest first, by
// (created_at, id), with the parts asked for. One query per page.
func (s *ArticleService) Articles(ctx context.Context, f conduit.ArticleFilter, args conduit.PageArgs, parts conduit.ArticleParts) (*conduit.Page[*conduit.Article], error) {
	var rows []taggedArticleRow
	q, keys := s.filter(s.db.articleParts(s.db.reader.NewSelect().Model(&rows), parts), f)
	if err := keys.apply(q, args).Scan(ctx); err != nil {
		return nil, fmt.Errorf("articles: %w", err)
	}
	items := make([]*conduit.Article, len(rows))
	cursors := make([]conduit.Cursor, len(rows))
	for i := range rows {
		a, err := rows[i].article()
		if err != nil {
			return nil, fmt.Errorf("articles: %w", err)
		}
		items[i] = a
		cursors[i] = conduit.Cursor{Time: rows[i].CreatedAt.Time, ID: rows[i].ID}
	}
	return newPage(items, cursors, args), nil
}

// CountArticles counts the articles that match f. One query.
func (s *ArticleService) CountArticles(ctx context.Context, f conduit.ArticleFilter) (int, error) {
	var q *bun.SelectQuery
	if f == (conduit.ArticleFilter{Tag: f.Tag}) && f.Tag != "" {
		// The tag's links alone, an index-only count: a popular tag has
		// tens of thousands of articles to skip looking up.
		q = s.db.reader.NewSelect().Model((*articleTagRow)(nil)).
			Where("at.tag_id = (SELECT t.id FROM tags AS t WHERE t.name = ?)", f.Tag)
	} else {
		q, _ = s.filter(s.db.reader.NewSelect().Model((*articleRow)(nil)), f)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count articles: %w", err)
	}
	return int(n), nil
}

// filter narrows q, a select from articles AS a, to f, and returns the
// sort key to page it by. Every filter has an index that serves it:
//
//   - none: articles_created_idx, read in page order;
//   - Tag: article_tags_tag_created_idx, read in page order, since each tag
//     link carries its article's created_at;
//   - AuthorID: articles_author_idx, read in page order;
//   - FeedOf: the follower's follows, then articles_author_idx per author;
//   - FavoritedByID: the user's favorites (primary key), then the articles.
func (s *ArticleService) filter(q *bun.SelectQuery, f conduit.ArticleFilter) (*bun.SelectQuery, keyset) {
	keys := keyset{timeCol: "a.created_at", idCol: "a.id", desc: true}
	if f.Tag != "" {
		q = q.Join("JOIN article_tags AS at ON at.article_id = a.id").
			Where("at.tag_id = (SELECT t.id FROM tags AS t WHERE t.name = ?)", f.Tag)
		keys = keyset{timeCol: "at.article_created_at", idCol: "at.article_id", desc: true}
	}
	if f.AuthorID != 0 {
		q = q.Where("a.author_id = ?", f.AuthorID)
	}
	if f.FavoritedByID != 0 {
		q = q.Where("a.id IN (SELECT fav.article_id FROM favorites AS fav WHERE fav.user_id = ?)", f.FavoritedByID)
	}
	if f.FeedOf != 0 {
		q = q.Where("a.author_id IN (SELECT f.followee_id FROM follows AS f WHERE f.follower_id = ?)", f.FeedOf)
	}
	return q, keys
}
