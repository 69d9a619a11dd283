package pubsub

import (
	"context"
	"log/slog"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// publisher announces the writes that a decorated service committed.
type publisher struct {
	events conduit.EventService
	log    *slog.Logger
}

// publish sends e on each of its topics (conduit.Topics). A failure to
// publish never fails the write that already happened, and the hub itself
// warns (rate-limited) when its broker is down, so each failure is only a
// debug line here.
func (p publisher) publish(ctx context.Context, e conduit.Event) {
	for _, topic := range conduit.Topics(e) {
		if err := p.events.Publish(ctx, topic, e); err != nil {
			p.log.DebugContext(ctx, "publish event", "kind", e.Kind, "topic", topic, "err", err)
		}
	}
}

func newPublisher(events conduit.EventService, log *slog.Logger) publisher {
	if log == nil {
		log = slog.Default()
	}
	return publisher{events: events, log: log}
}

// articleService publishes an event after each article write that
// succeeded: the service returns once its transaction has committed.
// Every method is written out, not inherited by embedding, so that a
// method added to conduit.ArticleService fails to compile here until
// someone decides whether it publishes.
type articleService struct {
	inner conduit.ArticleService
	publisher
}

var _ conduit.ArticleService = (*articleService)(nil)

// NewArticleService returns inner with CreateArticle (EventArticleAdded),
// UpdateArticle, FavoriteArticle, UnfavoriteArticle (EventArticleUpdated)
// and DeleteArticle (EventArticleDeleted) publishing on events once they
// succeeded; a write that failed publishes nothing. Log (nil:
// slog.Default()) gets a debug line for each event that could not be
// published. With a nil events it returns inner.
func NewArticleService(inner conduit.ArticleService, events conduit.EventService, log *slog.Logger) conduit.ArticleService {
	if events == nil {
		return inner
	}
	return &articleService{inner: inner, publisher: newPublisher(events, log)}
}

// CreateArticle creates, then announces the new article to the feed.
func (s *articleService) CreateArticle(ctx context.Context, authorID int64, n conduit.NewArticle) (*conduit.Article, error) {
	a, err := s.inner.CreateArticle(ctx, authorID, n)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventArticleAdded, ArticleID: a.ID, AuthorID: a.AuthorID})
	}
	return a, err
}

// UpdateArticle updates, then announces the edit.
func (s *articleService) UpdateArticle(ctx context.Context, viewerID, id int64, upd conduit.ArticleUpdate) (*conduit.Article, error) {
	a, err := s.inner.UpdateArticle(ctx, viewerID, id, upd)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: a.ID})
	}
	return a, err
}

// DeleteArticle deletes, then announces the deletion, which ends the
// article's subscriptions.
func (s *articleService) DeleteArticle(ctx context.Context, viewerID, id int64) error {
	err := s.inner.DeleteArticle(ctx, viewerID, id)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventArticleDeleted, ArticleID: id})
	}
	return err
}

// FavoriteArticle favorites, then announces the article's new count.
func (s *articleService) FavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.inner.FavoriteArticle(ctx, userID, articleID)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: articleID})
	}
	return a, err
}

// UnfavoriteArticle unfavorites, then announces the article's new count.
func (s *articleService) UnfavoriteArticle(ctx context.Context, userID, articleID int64) (*conduit.Article, error) {
	a, err := s.inner.UnfavoriteArticle(ctx, userID, articleID)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventArticleUpdated, ArticleID: articleID})
	}
	return a, err
}

// ArticleByID passes through.
func (s *articleService) ArticleByID(ctx context.Context, id int64) (*conduit.Article, error) {
	return s.inner.ArticleByID(ctx, id)
}

// ArticlesByIDs passes through.
func (s *articleService) ArticlesByIDs(ctx context.Context, ids []int64) ([]*conduit.Article, error) {
	return s.inner.ArticlesByIDs(ctx, ids)
}

// ArticleBySlug passes through.
func (s *articleService) ArticleBySlug(ctx context.Context, slug string) (*conduit.Article, error) {
	return s.inner.ArticleBySlug(ctx, slug)
}

// Articles passes through.
func (s *articleService) Articles(ctx context.Context, f conduit.ArticleFilter, args conduit.PageArgs, parts conduit.ArticleParts) (*conduit.Page[*conduit.Article], error) {
	return s.inner.Articles(ctx, f, args, parts)
}

// CountArticles passes through.
func (s *articleService) CountArticles(ctx context.Context, f conduit.ArticleFilter) (int, error) {
	return s.inner.CountArticles(ctx, f)
}

// TagsOf passes through.
func (s *articleService) TagsOf(ctx context.Context, ids []int64) ([][]string, error) {
	return s.inner.TagsOf(ctx, ids)
}

// PopularTags passes through.
func (s *articleService) PopularTags(ctx context.Context, n int) ([]*conduit.Tag, error) {
	return s.inner.PopularTags(ctx, n)
}

// FavoritedAmong passes through.
func (s *articleService) FavoritedAmong(ctx context.Context, userID int64, ids []int64) ([]bool, error) {
	return s.inner.FavoritedAmong(ctx, userID, ids)
}

// commentService publishes an event after each comment write that
// succeeded. Every method is written out, as for articleService.
type commentService struct {
	inner conduit.CommentService
	publisher
}

var _ conduit.CommentService = (*commentService)(nil)

// NewCommentService returns inner with AddComment (EventCommentAdded) and
// DeleteComment (EventCommentDeleted) publishing on events once they
// succeeded, on the topic of the comment's article; a write that failed
// publishes nothing. With a nil events it returns inner.
func NewCommentService(inner conduit.CommentService, events conduit.EventService, log *slog.Logger) conduit.CommentService {
	if events == nil {
		return inner
	}
	return &commentService{inner: inner, publisher: newPublisher(events, log)}
}

// AddComment adds, then announces the comment.
func (s *commentService) AddComment(ctx context.Context, authorID, articleID int64, body string) (*conduit.Comment, error) {
	c, err := s.inner.AddComment(ctx, authorID, articleID, body)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventCommentAdded, ArticleID: articleID, CommentID: c.ID, AuthorID: c.AuthorID})
	}
	return c, err
}

// DeleteComment deletes, then announces the deletion.
func (s *commentService) DeleteComment(ctx context.Context, viewerID, id int64) (*conduit.Comment, error) {
	c, err := s.inner.DeleteComment(ctx, viewerID, id)
	if err == nil {
		s.publish(ctx, conduit.Event{Kind: conduit.EventCommentDeleted, ArticleID: c.ArticleID, CommentID: c.ID, AuthorID: c.AuthorID})
	}
	return c, err
}

// CommentByID passes through.
func (s *commentService) CommentByID(ctx context.Context, id int64) (*conduit.Comment, error) {
	return s.inner.CommentByID(ctx, id)
}

// Comments passes through.
func (s *commentService) Comments(ctx context.Context, articleID int64, args conduit.PageArgs, authors bool) (*conduit.Page[*conduit.Comment], error) {
	return s.inner.Comments(ctx, articleID, args, authors)
}
