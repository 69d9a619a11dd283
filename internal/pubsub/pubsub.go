// Package pubsub owns events: which writes announce what (decorators
// around the article and comment services, which publish once a write has
// committed, on the topics that conduit.Topics names) and their delivery
// to the subscription resolvers that stream them: Memory within one
// process, Redis across every instance that shares a Redis server (in
// process to the publishing instance's own subscribers, so that they do not
// depend on Redis).
//
// Delivery is at most once and never waits for a subscriber. Each
// subscriber has a bounded buffer; one that lets it fill up is dropped: its
// channel closes, which completes its subscription, instead of slowing down
// the writer and every other subscriber.
//
// It carries events only: what an event names is read by the subscription
// resolvers, through the services, as their own viewer.
//
// Never imports: internal/store, internal/loaders, internal/httpapi,
// resolvers, graph, models, github.com/uptrace/bun.
package pubsub

import (
	"errors"
	"log/slog"
)

// Defaults for Options.
const (
	// DefaultBuffer is how many events a subscriber may fall behind before
	// it is dropped: room for a burst of writes to one article while a
	// client's socket is briefly slow, small enough that a stalled client
	// holds little memory.
	DefaultBuffer = 64
	// DefaultPrefix starts every Redis channel name, as it starts the cache's
	// keys. Raise its version when the encoding of Event changes, so that
	// instances of different versions never decode each other's messages.
	// (v2: messages name the instance that published them.)
	DefaultPrefix = "conduit:v2:"
)

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("pubsub: closed")

// Options tune a Memory or a Redis hub; zero fields take the defaults.
type Options struct {
	// Buffer is how many events each subscriber's channel holds; a
	// subscriber with a full buffer is dropped. Default DefaultBuffer.
	Buffer int
	// Prefix starts the Redis channel names: events on topic T go to
	// "<Prefix>events:T". Default DefaultPrefix. Memory ignores it.
	Prefix string
	// Logger receives drops and, rate-limited, Redis failures. Default
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Buffer <= 0 {
		o.Buffer = DefaultBuffer
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
