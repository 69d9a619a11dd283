package resolvers

import (
	"context"
	"errors"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/models"
)

// errEndStream ends a subscription without an error: its subject is gone.
var errEndStream = errors.New("end of stream")

// stream subscribes to a topic and sends what convert makes of each event
// until the client leaves, the subject is deleted (errEndStream) or the hub
// drops a subscriber that fell too far behind; then it closes the channel,
// which completes the subscription. Events carry ids only: convert loads
// what this subscriber sees, as its own viewer, through the loaders that
// every subscriber with that viewer shares for the event; the response
// that resolves the event's selection reads through them too
// (loaders.Handover), so N subscribers of one event cost one set of reads
// per distinct viewer.
func stream[T any](ctx context.Context, r *Resolver, topic string, convert func(context.Context, conduit.Event) (T, bool, error)) (<-chan T, error) {
	in, err := r.Events.Subscribe(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := make(chan T, 1)
	viewerID := conduit.ViewerIDFromContext(ctx)
	go func() {
		defer close(out)
		for e := range in {
			var l *loaders.Loaders
			if e.Delivery != 0 {
				l = r.Loaders.ForEvent(e.Delivery, viewerID)
			} else {
				l = r.Loaders.New(ctx) // a hub that does not number its events
			}
			v, ok, err := convert(loaders.With(ctx, l), e)
			if errors.Is(err, errEndStream) {
				return
			} else if err != nil {
				r.Logger.WarnContext(ctx, "subscription event", "topic", topic, "kind", e.Kind, "err", err)
				continue
			} else if !ok {
				continue
			}
			if !loaders.Handover(ctx, l) {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

type commentKey int64

// eventComment reads a comment once for the loaders of ctx: the
// subscribers of one event share the read.
func eventComment(ctx context.Context, comments conduit.CommentService, id int64) (*conduit.Comment, error) {
	v, err := loaders.For(ctx).Once(ctx, commentKey(id), func(ctx context.Context) (any, error) { return comments.CommentByID(ctx, id) })
	c, _ := v.(*conduit.Comment)
	return c, err
}

// subscribedArticle checks the article a subscription names and returns its id.
func (r subscriptionResolver) subscribedArticle(ctx context.Context, field, gid string) (int64, error) {
	id, err := models.ParseID(field, models.TypeArticle, gid)
	if err != nil {
		return 0, err
	}
	if _, err := r.Articles.ArticleByID(ctx, id); err != nil {
		return 0, err
	}
	return id, nil
}

// CommentAdded streams the comments added to an article.
func (r subscriptionResolver) CommentAdded(ctx context.Context, articleID string) (<-chan *conduit.Comment, error) {
	id, err := r.subscribedArticle(ctx, "articleId", articleID)
	if err != nil {
		return nil, err
	}
	return stream(ctx, r.Resolver, conduit.TopicArticle(id), func(ctx context.Context, e conduit.Event) (*conduit.Comment, bool, error) {
		switch e.Kind {
		case conduit.EventArticleDeleted:
			return nil, false, errEndStream
		case conduit.EventCommentAdded:
			c, err := notFoundIsNil(eventComment(ctx, r.Comments, e.CommentID))
			return c, c != nil, err
		}
		return nil, false, nil
	})
}

// CommentDeleted streams the ids of the comments deleted from an article.
func (r subscriptionResolver) CommentDeleted(ctx context.Context, articleID string) (<-chan string, error) {
	id, err := r.subscribedArticle(ctx, "articleId", articleID)
	if err != nil {
		return nil, err
	}
	return stream(ctx, r.Resolver, conduit.TopicArticle(id), func(ctx context.Context, e conduit.Event) (string, bool, error) {
		switch e.Kind {
		case conduit.EventArticleDeleted:
			return "", false, errEndStream
		case conduit.EventCommentDeleted:
			return models.GlobalID(models.TypeComment, e.CommentID), true, nil
		}
		return "", false, nil
	})
}

// ArticleUpdated streams an article each time it is edited, favorited or
// commented on; it completes when the article is deleted.
func (r subscriptionResolver) ArticleUpdated(ctx context.Context, gid string) (<-chan *conduit.Article, error) {
	id, err := r.subscribedArticle(ctx, "id", gid)
	if err != nil {
		return nil, err
	}
	return stream(ctx, r.Resolver, conduit.TopicArticle(id), func(ctx context.Context, e conduit.Event) (*conduit.Article, bool, error) {
		if e.Kind == conduit.EventArticleDeleted {
			return nil, false, errEndStream
		}
		a, err := loaders.For(ctx).ArticleWithTags(ctx, id)
		if conduit.ErrorCode(err) == conduit.ENOTFOUND {
			return nil, false, errEndStream
		}
		return a, err == nil, err
	})
}

// FeedArticleAdded streams the articles that authors the viewer follows
// publish from now on; following someone new takes effect at once.
func (r subscriptionResolver) FeedArticleAdded(ctx context.Context) (<-chan *conduit.Article, error) {
	if _, err := conduit.RequireViewer(ctx); err != nil {
		return nil, err
	}
	return stream(ctx, r.Resolver, conduit.TopicArticles, func(ctx context.Context, e conduit.Event) (*conduit.Article, bool, error) {
		follows, err := loaders.For(ctx).ViewerIsFollowing().Load(ctx, e.AuthorID)
		if err != nil || !follows {
			return nil, false, err
		}
		a, err := notFoundIsNil(loaders.For(ctx).ArticleWithTags(ctx, e.ArticleID))
		return a, a != nil, err
	})
}
