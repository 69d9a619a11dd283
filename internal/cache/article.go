package cache

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Kinds of article entries. An article:<id> holds the article without its
// tags; tags:<id> holds its tags. Each fact has one entry, so one delete
// makes it fresh, and an article cached by ArticlesByIDs (which loads no
// tags) can never be mistaken for one with no tags.
const (
	kindArticle = "article"
	kindTags    = "tags"
	kindPopular = "popular"
)

// popularMax is how many popular tags are cached, under popular:100: the
// API's largest `first`. A smaller n is a slice of it, so one key serves
// every n and one delete invalidates them all.
const popularMax = 100

// articleService caches articles, tags and popular tags in front of inner.
// Every method is written out, not inherited by embedding, so that a method
// added to conduit.ArticleService fails to compile here until someone
// decides whether it must invalidate.
type articleService struct {
	inner conduit.ArticleService
	c     *Cache
}

var _ conduit.ArticleService = (*articleService)(nil)

// NewArticleService returns inner with ArticleByID, ArticlesByIDs, TagsOf
// and PopularTags cached in c, and with every write invalidating what it
// changed. With a nil c it returns inner.
func NewArticleService(inner conduit.ArticleService, c *Cache) conduit.ArticleService {
	if c == nil {
		return inner
	}
	return &articleService{inner: inner, c: c}
}

func isArticle(a *conduit.Article) bool { return a != nil }

// keepAll caches every value: tag lists have no "missing", and an empty
// list for an id that a create later fills is dropped by CreateArticle.
func keepAll[V any](V) bool { return true }

// ArticlesByIDs reads through the cache; like inner, it loads no tags.
func (s *articleService) ArticlesByIDs(ctx context.Context, ids []int64) ([]*conduit.Article, error) {
	return readThrough(ctx, s.c, kindArticle, ids, s.articlesByIDs, isArticle)
}

// articlesByIDs asks inner and drops any tags, which are tags:<id>'s to keep.
func (s *articleService) articlesByIDs(ctx context.Context, ids []int64) ([]*conduit.Article, error) {
	articles, err := s.inner.ArticlesByIDs(ctx, ids)
	for _, a := range articles {
		if a != nil {
			a.Tags = nil
		}
	}
	return articles, err
}

// ArticleByID reads the article and its tags in one get. Unless both are
// there it asks inner.ArticleByID, whose ENOTFOUND it returns as is, and
// caches both in one round trip, each only if no invalidation of its key
// came after the get (see fillMany): a write that dropped only the article
// leaves the tags that this read loaded good to cache. When the backend
// was skipped or failed there are no generations to check, and nothing is
// cached.
func (s *articleService) ArticleByID(ctx context.Context, id int64) (*conduit.Article, error) {
	keys := []string{s.c.key(kindArticle, id), s.c.key(kindTags, id)}
	entries, ok := s.c.get(ctx, keys)
	if ok {
		var a *conduit.Article
		var tags []string
		if s.c.decode(entries[0], &a) && a != nil && s.c.decode(entries[1], &tags) {
			a.Tags = tags
			return a, nil
		}
	}
	a, err := s.inner.ArticleByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if ok {
		s.cacheArticle(ctx, keys, entries, a)
	}
	return a, nil
}

// cacheArticle writes a without its tags to keys[0] and its tags to
// keys[1], each if its generation is still that of entries[i].
func (s *articleService) cacheArticle(ctx context.Context, keys []string, entries []Entry, a *conduit.Article) {
	bare := *a
	bare.Tags = nil
	ab, ok1 := s.c.encode(&bare)
	tb, ok2 := s.c.encode(a.Tags)
	if ok1 && ok2 {
		s.c.fillMany(ctx, []Fill{
			{Key: keys[0], Gen: entries[0].Gen, Value: ab},
			{Key: keys[1], Gen: entries[1].Gen, Value: tb},
		})
	}
}

// TagsOf reads through the cache.
func (s *articleService) TagsOf(ctx context.Context, ids []int64) ([][]string, error) {
	return readThrough(ctx, s.c, kindTags, ids, s.inner.TagsOf, keepAll)
}

// PopularTags serves n up to popularMax from the cached top popularMax;
// other n pass through.
func (s *articleService) PopularTags(ctx context.Context, n int) ([]*conduit.Tag, error) {
	if n <= 0 || n > popularMax {
		return s.inner.PopularTags(ctx, n)
	}
	lists, err := readThrough(ctx, s.c, kindPopular, []int64{popularMax}, s.popularTags, keepAll)
	if err != nil {
		return nil, err
	}
	return lists[0][:min(n, len(lists[0]))], nil
}

func (s *articleService) popularTags(ctx context.Context, ns []int64) ([][]*conduit.Tag, error) {
	tags, err := s.inner.PopularTags(ctx, int(ns[0]))
	if err != nil {
		return nil, err
	}
	return [][]*conduit.Tag{tags}, nil
}

// CreateArticle creates, then drops the popular tags. It also drops the new
// id's entries, in case a read of that id before it existed was cached.
func (s *articleService) CreateArticle(ctx context.Context, authorID int64, n conduit.NewArticle) (*conduit.Article, error) {
	a, err := s.inner.CreateArticle(ctx, authorID, n)
	switch {
	case err == nil:
		s.c.del(ctx, s.popularKey(), s.c.key(kindArticle, a.ID), s.c.key(kindTags, a.ID))
	case mayHaveWritten(err):
		s.c.del(ctx, s.popularKey())
	}
	return a, err
}

// UpdateArticle updates, then drops the article; and its tags and the
// popular tags when the tags were given, since nothing else moves them.
func (s *articleService) UpdateArticle(ctx context.Context, viewerID, id int64, upd conduit.ArticleUpdate) (*conduit.Article, error) {
	a, err := s.inner.UpdateArticle(ctx, viewerID, id, upd)
	if !mayHaveWritten(err) {
		return a, err
	}
	keys := []string{s.c.key(kindArticle, id)}
	if upd.Tags != nil {
		keys = append(keys, s.c.key(kindTags, id), s.popularKey())
	}
	s.c.del(ctx, keys...)
	return a, err
}

// DeleteArticle deletes, then drops the article, its tags and the popular
// tags.
func (s *articleService) DeleteArticle(ctx context.Context, viewerID, id int64) error {
	err := s.inner.DeleteArticle(ctx, viewerID, id)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.key(kindArticle, id), s.c.key(kindTags, id), s.popularKey())
	}
	return err
}

// FavoriteArticle favorites, then drops the article: its FavoritesCount moved.
func (s *articleService) FavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.inner.FavoriteArticle(ctx, userID, articleID)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.key(kindArticle, articleID))
	}
	return a, err
}

// UnfavoriteArticle unfavorites, then drops the article: its FavoritesCount
// moved.
func (s *articleService) UnfavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.inner.UnfavoriteArticle(ctx, userID, articleID)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.key(kindArticle, articleID))
	}
	return a, err
}

func (s *articleService) popularKey() string { return s.c.key(kindPopular, popularMax) }

// ArticleBySlug passes through: slugs change with titles, and an entry keyed
// by slug would need its own invalidation.
func (s *articleService) ArticleBySlug(ctx context.Context, slug string) (*conduit.Article, error) {
	return s.inner.ArticleBySlug(ctx, slug)
}

// Articles passes through: pages are not cached.
func (s *articleService) Articles(ctx context.Context, f conduit.ArticleFilter, args conduit.PageArgs, parts conduit.ArticleParts) (*conduit.Page[*conduit.Article], error) {
	return s.inner.Articles(ctx, f, args, parts)
}

// CountArticles passes through: counts per filter are not cached.
func (s *articleService) CountArticles(ctx context.Context, f conduit.ArticleFilter) (int, error) {
	return s.inner.CountArticles(ctx, f)
}

// FavoritedAmong passes through: it depends on the viewer.
func (s *articleService) FavoritedAmong(ctx context.Context, userID int64, ids []int64) ([]bool, error) {
	return s.inner.FavoritedAmong(ctx, userID, ids)
}
