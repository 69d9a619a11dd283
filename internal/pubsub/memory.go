package pubsub

import (
	"context"
	"log/slog"
	"sync"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

var _ conduit.EventService = (*Memory)(nil)

// Memory is an in-process conduit.EventService: a map from topic to
// subscribers, each with a buffered channel. It is safe for concurrent use.
//
// One mutex guards the map and every send and close, so a channel is never
// sent on after it is closed; sends never block, so holding the mutex
// through a fan-out costs microseconds. No goroutine runs per subscriber:
// context.AfterFunc removes one when its context ends.
type Memory struct {
	buffer int
	log    *slog.Logger

	mu     sync.Mutex
	topics map[string]map[*subscriber]struct{}
	// dropped holds the channels closed for falling behind, until their
	// subscribers' contexts end, so that Dropped can answer after the close.
	dropped map[<-chan conduit.Event]struct{}
	closed  bool
	// deliveries numbers the events published (conduit.Event.Delivery).
	deliveries uint64

	// onIdle, when set, is called without mu after a topic loses its last
	// subscriber to a cancel or a drop (not to Close). Redis uses it to
	// unsubscribe from the topic.
	onIdle func(topic string)
}

// subscriber is one Subscribe call.
type subscriber struct {
	topic string
	ch    chan conduit.Event
	stop  func() bool // unregisters the context callback
}

// NewMemory returns an empty hub. Only opts.Buffer and opts.Logger matter.
func NewMemory(opts Options) *Memory {
	opts = opts.withDefaults()
	return &Memory{
		buffer:  opts.Buffer,
		log:     opts.Logger,
		topics:  make(map[string]map[*subscriber]struct{}),
		dropped: make(map[<-chan conduit.Event]struct{}),
	}
}

// Publish sends e to every current subscriber of topic without waiting: a
// subscriber whose buffer is full is dropped. It fails only after Close.
func (m *Memory) Publish(_ context.Context, topic string, e conduit.Event) error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	subs := m.topics[topic]
	m.deliveries++
	e.Delivery = m.deliveries
	drops := 0
	for s := range subs {
		select {
		case s.ch <- e:
		default:
			// Waiting would let one stalled client hold up the writer and
			// every other subscriber; skipping the event would let it miss
			// updates silently. Closing tells it to start over.
			m.drop(s)
			drops++
		}
	}
	idle := drops > 0 && len(subs) == 0
	if idle {
		delete(m.topics, topic)
	}
	m.mu.Unlock()
	if drops > 0 {
		m.log.Info("pubsub: dropped slow subscribers", "topic", topic, "count", drops, "buffer", m.buffer)
	}
	if idle && m.onIdle != nil {
		m.onIdle(topic)
	}
	return nil
}

// Subscribe returns a channel of topic's events, buffered to Options.Buffer.
// It closes when ctx ends, when the subscriber falls a full buffer behind
// (Dropped then reports it), or at Close.
func (m *Memory) Subscribe(ctx context.Context, topic string) (<-chan conduit.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := &subscriber{topic: topic, ch: make(chan conduit.Event, m.buffer)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	subs := m.topics[topic]
	if subs == nil {
		subs = make(map[*subscriber]struct{})
		m.topics[topic] = subs
	}
	subs[s] = struct{}{}
	// Registered under mu: even when ctx is already done, the callback
	// waits for mu and so finds s in place.
	s.stop = context.AfterFunc(ctx, func() { m.cancel(s) })
	return s.ch, nil
}

// Dropped reports whether ch, from Subscribe, was closed because its
// reader fell a full buffer behind. It is false while ch is open, and after
// a close for any other reason (ctx ended, Close). The answer is kept until
// the subscriber's context ends.
func (m *Memory) Dropped(ch <-chan conduit.Event) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.dropped[ch]
	return ok
}

// Subscribers returns how many subscribers topic has now.
func (m *Memory) Subscribers(topic string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.topics[topic])
}

// Close closes every subscriber's channel, for shutdown; later Publish and
// Subscribe calls return ErrClosed. It always returns nil.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	for _, subs := range m.topics {
		for s := range subs {
			s.stop()
			close(s.ch)
		}
	}
	clear(m.topics)
	return nil
}

// drop removes s for falling behind and closes its channel. Its context
// callback stays registered, to forget the drop when the context ends. The
// caller holds mu and removes the topic if it is now empty.
func (m *Memory) drop(s *subscriber) {
	delete(m.topics[s.topic], s)
	close(s.ch)
	m.dropped[s.ch] = struct{}{}
}

// cancel runs once s's context has ended: it removes and closes s if it is
// still subscribed, and forgets its drop if it was dropped.
func (m *Memory) cancel(s *subscriber) {
	m.mu.Lock()
	delete(m.dropped, s.ch)
	subs, ok := m.topics[s.topic]
	if _, live := subs[s]; !ok || !live {
		// Dropped, or closed by Close: its channel is closed already.
		m.mu.Unlock()
		return
	}
	delete(subs, s)
	close(s.ch)
	idle := len(subs) == 0
	if idle {
		delete(m.topics, s.topic)
	}
	m.mu.Unlock()
	if idle && m.onIdle != nil {
		m.onIdle(s.topic)
	}
}
