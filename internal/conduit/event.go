package conduit

import "context"

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

// EventService delivers events to subscribers of a topic, on this instance or
// (with a shared broker) on every instance.
type EventService interface {
	// Publish sends an event to the topic's subscribers; it does not wait for them.
	Publish(ctx context.Context, topic string, e Event) error
	// Subscribe returns a channel of the topic's events that closes when ctx
	// ends or the subscriber falls too far behind.
	Subscribe(ctx context.Context, topic string) (<-chan Event, error)
}
