package conduit

import (
	"context"
	"strconv"
)

// Event kinds published after a write commits.
const (
	EventCommentAdded   = "commentAdded"
	EventCommentDeleted = "commentDeleted"
	EventArticleUpdated = "articleUpdated"
	EventArticleAdded   = "articleAdded"
	EventArticleDeleted = "articleDeleted"
)

// Event says that something changed. It carries ids only: each subscriber
// loads what it may see as its own viewer.
type Event struct {
	Kind      string `json:"kind"`
	ArticleID int64  `json:"articleId,omitempty"`
	CommentID int64  `json:"commentId,omitempty"`
	AuthorID  int64  `json:"authorId,omitempty"`
	// Delivery numbers the events this process's hub delivers (from 1):
	// the subscribers of one event see the same number, so they can share
	// what they read for it. It never travels between instances.
	Delivery uint64 `json:"-"`
}

// TopicArticles is the topic of the articles that are published.
const TopicArticles = "articles"

// TopicArticle is the topic of one article's edits, favorites and comments.
func TopicArticle(id int64) string { return "article:" + strconv.FormatInt(id, 10) }

// Topics names the topics an event is published on: a new article on the
// topic of all new articles, anything else on its article's topic.
func Topics(e Event) []string {
	if e.Kind == EventArticleAdded {
		return []string{TopicArticles}
	}
	return []string{TopicArticle(e.ArticleID)}
}

// EventService delivers events to subscribers of a topic, on this instance or
// (with a shared broker) on every instance.
type EventService interface {
	// Publish sends an event to the topic's subscribers; it does not wait for them.
	Publish(ctx context.Context, topic string, e Event) error
	// Subscribe returns a channel of the topic's events that closes when ctx
	// ends or the subscriber falls too far behind.
	Subscribe(ctx context.Context, topic string) (<-chan Event, error)
}
