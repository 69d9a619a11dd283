package cache

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// commentService drops an article's entry when its comments change: the
// cached article holds CommentsCount. Comments themselves are not cached.
// Every method is written out, not inherited by embedding, so that a method
// added to conduit.CommentService fails to compile here until someone
// decides whether it must invalidate.
type commentService struct {
	inner conduit.CommentService
	c     *Cache
}

var _ conduit.CommentService = (*commentService)(nil)

// NewCommentService returns inner with AddComment and DeleteComment
// invalidating the article whose CommentsCount they change. With a nil c it
// returns inner.
func NewCommentService(inner conduit.CommentService, c *Cache) conduit.CommentService {
	if c == nil {
		return inner
	}
	return &commentService{inner: inner, c: c}
}

// AddComment adds, then drops the article.
func (s *commentService) AddComment(ctx context.Context, authorID, articleID int64, body string) (*conduit.Comment, error) {
	cm, err := s.inner.AddComment(ctx, authorID, articleID, body)
	if mayHaveWritten(err) {
		s.c.del(ctx, s.c.key(kindArticle, articleID))
	}
	return cm, err
}

// DeleteComment deletes, then drops the article that the comment was under.
// When the outcome is unknown and there is no comment to say which article,
// the TTL bounds the staleness.
func (s *commentService) DeleteComment(ctx context.Context, viewerID, id int64) (*conduit.Comment, error) {
	cm, err := s.inner.DeleteComment(ctx, viewerID, id)
	if mayHaveWritten(err) && cm != nil {
		s.c.del(ctx, s.c.key(kindArticle, cm.ArticleID))
	}
	return cm, err
}

// CommentByID passes through.
func (s *commentService) CommentByID(ctx context.Context, id int64) (*conduit.Comment, error) {
	return s.inner.CommentByID(ctx, id)
}

// Comments passes through: pages are not cached.
func (s *commentService) Comments(ctx context.Context, articleID int64, args conduit.PageArgs, authors bool) (*conduit.Page[*conduit.Comment], error) {
	return s.inner.Comments(ctx, articleID, args, authors)
}
