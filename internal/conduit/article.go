package conduit

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on article input.
const (
	MaxTitleLen       = 200
	MaxDescriptionLen = 1000
	MaxBodyLen        = 100_000
	MaxTags           = 20
	MaxTagLen         = 40
)

// Article is a published piece of writing. Tags is in the author's order.
// FavoritesCount and CommentsCount are kept exact in the transactions that
// change them.
type Article struct {
	ID          int64
	Slug        string
	Title       string
	Description string
	Body        string // "" when a read left it out (ArticleParts)
	Tags        []string
	AuthorID    int64
	CreatedAt   time.Time
	UpdatedAt   time.Time

	FavoritesCount int
	CommentsCount  int

	// Author is the author when a read asked for it (ArticleParts), else nil.
	Author *User
	// Viewer is what the reading viewer did, when a read asked for it
	// (ArticleParts.ViewerID), else nil. It belongs to that read alone.
	Viewer *ArticleViewer
}

// ArticleViewer is what one viewer did about an article. Each flag is
// false when the read did not ask for it (ArticleParts.ViewerFavorited,
// ViewerFollows).
type ArticleViewer struct {
	Favorited     bool // the viewer favorited the article
	FollowsAuthor bool // the viewer follows its author
}

// ArticleParts says what a page of articles reads besides the short columns
// (ids, slug, title, description, times and counts): a list that shows no
// body should not read bodies, and a list that shows authors can read them
// in the same statement.
type ArticleParts struct {
	Body   bool // else Body is ""
	Tags   bool // else Tags is nil
	Author bool // else Author is nil

	// ViewerID, when not 0, fills each article's Viewer for this user: with
	// Favorited when ViewerFavorited, FollowsAuthor when ViewerFollows.
	ViewerID        int64
	ViewerFavorited bool
	ViewerFollows   bool
}

// FullArticle reads an article's body and tags, not its author.
var FullArticle = ArticleParts{Body: true, Tags: true}

// NewArticle is what publishing needs.
type NewArticle struct {
	Title       string
	Description string
	Body        string
	Tags        []string
}

// Normalize trims the title and cleans the tags.
func (n *NewArticle) Normalize() {
	n.Title = strings.TrimSpace(n.Title)
	n.Tags = CleanTags(n.Tags)
}

// Validate returns an EINVALID error naming each bad field.
func (n *NewArticle) Validate() error {
	var v Validation
	validateTitle(&v, n.Title)
	validateText(&v, "description", n.Description, MaxDescriptionLen)
	validateText(&v, "body", n.Body, MaxBodyLen)
	validateTags(&v, n.Tags)
	return v.Err()
}

// ArticleUpdate holds the fields to change; nil leaves a field as it is.
type ArticleUpdate struct {
	Title       *string
	Description *string
	Body        *string
	Tags        *[]string
}

// Normalize trims the title and cleans the tags.
func (u *ArticleUpdate) Normalize() {
	if u.Title != nil {
		*u.Title = strings.TrimSpace(*u.Title)
	}
	if u.Tags != nil {
		*u.Tags = CleanTags(*u.Tags)
	}
}

// Validate returns an EINVALID error naming each bad field.
func (u *ArticleUpdate) Validate() error {
	var v Validation
	if u.Title != nil {
		validateTitle(&v, *u.Title)
	}
	if u.Description != nil {
		validateText(&v, "description", *u.Description, MaxDescriptionLen)
	}
	if u.Body != nil {
		validateText(&v, "body", *u.Body, MaxBodyLen)
	}
	if u.Tags != nil {
		validateTags(&v, *u.Tags)
	}
	return v.Err()
}

// CleanTags trims each tag, drops empty ones and repeats, and keeps the order.
func CleanTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func validateTitle(v *Validation, s string) {
	switch {
	case s == "":
		v.Add("title", "Title can't be blank.")
	case utf8.RuneCountInString(s) > MaxTitleLen:
		v.Add("title", "Title must be at most %d characters.", MaxTitleLen)
	}
}

func validateText(v *Validation, field, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "%s can't be blank.", strings.ToUpper(field[:1])+field[1:])
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "%s must be at most %d characters.", strings.ToUpper(field[:1])+field[1:], max)
	}
}

func validateTags(v *Validation, tags []string) {
	if len(tags) > MaxTags {
		v.Add("tags", "At most %d tags.", MaxTags)
	}
	for _, t := range tags {
		if utf8.RuneCountInString(t) > MaxTagLen {
			v.Add("tags", "Tag %q is longer than %d characters.", t, MaxTagLen)
		}
	}
}

// ArticleFilter narrows a list of articles; zero fields match everything.
type ArticleFilter struct {
	Tag           string
	AuthorID      int64
	FavoritedByID int64
	// FeedOf keeps the articles by the authors whom this user follows.
	FeedOf int64
}

// ArticleService keeps articles, their tags and favorites.
type ArticleService interface {
	// CreateArticle publishes an article by authorID. EINVALID for bad input.
	CreateArticle(ctx context.Context, authorID int64, n NewArticle) (*Article, error)
	// UpdateArticle changes an article. ENOTFOUND, EFORBIDDEN unless viewerID
	// wrote it, EINVALID for bad input.
	UpdateArticle(ctx context.Context, viewerID, id int64, upd ArticleUpdate) (*Article, error)
	// DeleteArticle deletes an article with its comments, favorites and tag
	// links. ENOTFOUND, EFORBIDDEN unless viewerID wrote it.
	DeleteArticle(ctx context.Context, viewerID, id int64) error
	// ArticleByID returns an article with its tags. ENOTFOUND.
	ArticleByID(ctx context.Context, id int64) (*Article, error)
	// ArticleBySlug returns an article with its tags. ENOTFOUND.
	ArticleBySlug(ctx context.Context, slug string) (*Article, error)
	// ArticlesByIDs returns articles (tags not loaded) in the order of ids,
	// nil where there is none.
	ArticlesByIDs(ctx context.Context, ids []int64) ([]*Article, error)
	// Articles pages through the articles that match f, newest first, each
	// with the parts asked for.
	Articles(ctx context.Context, f ArticleFilter, args PageArgs, parts ArticleParts) (*Page[*Article], error)
	// CountArticles counts the articles that match f.
	CountArticles(ctx context.Context, f ArticleFilter) (int, error)
	// TagsOf returns each article's tags, in the order of ids.
	TagsOf(ctx context.Context, ids []int64) ([][]string, error)
	// PopularTags returns the n most used tags, most used first.
	PopularTags(ctx context.Context, n int) ([]*Tag, error)
	// FavoriteArticle makes userID favorite an article; idempotent. ENOTFOUND.
	FavoriteArticle(ctx context.Context, userID, articleID int64) (*Article, error)
	// UnfavoriteArticle undoes FavoriteArticle; idempotent. ENOTFOUND.
	UnfavoriteArticle(ctx context.Context, userID, articleID int64) (*Article, error)
	// FavoritedAmong reports, in the order of ids, whether userID favorited each.
	FavoritedAmong(ctx context.Context, userID int64, ids []int64) ([]bool, error)
}

// Tag is a label that articles carry, with how many do.
type Tag struct {
	Name          string
	ArticlesCount int
}
