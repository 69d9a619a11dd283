package resolvers

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Topics names the topics an event is published on: the article's own
// topic for changes to it and its comments, and the author's followers'
// feed topic for a new article.
func Topics(e conduit.Event) []string {
	switch e.Kind {
	case conduit.EventArticleAdded:
		return []string{"author:" + itoa(e.AuthorID)}
	default:
		return []string{"article:" + itoa(e.ArticleID)}
	}
}

// CommentAdded streams the comments added to an article.
func (r *subscriptionResolver) CommentAdded(ctx context.Context, articleID string) (<-chan *conduit.Comment, error) {
	return nil, errNotImplemented
}

// CommentDeleted streams the ids of the comments deleted from an article.
func (r *subscriptionResolver) CommentDeleted(ctx context.Context, articleID string) (<-chan string, error) {
	return nil, errNotImplemented
}

// ArticleUpdated streams an article each time it changes.
func (r *subscriptionResolver) ArticleUpdated(ctx context.Context, id string) (<-chan *conduit.Article, error) {
	return nil, errNotImplemented
}

// FeedArticleAdded streams the articles that the viewer's followed authors publish.
func (r *subscriptionResolver) FeedArticleAdded(ctx context.Context) (<-chan *conduit.Article, error) {
	if _, err := conduit.RequireViewer(ctx); err != nil {
		return nil, err
	}
	return nil, errNotImplemented
}
