package pubsub

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/outage"
)

var _ conduit.EventService = (*Redis)(nil)

// opTimeout bounds PUBLISH, SUBSCRIBE and UNSUBSCRIBE. A publish runs after
// its write has committed, so a dead Redis must cost the mutation's response
// little; a subscribe falls back to waiting for go-redis to reconnect.
const opTimeout = time.Second

// Redis is a conduit.EventService shared by every instance on one Redis
// server. Publish hands the event to this instance's subscribers in process,
// through a Memory hub, and sends it, as JSON tagged with this instance's
// id, to the channel "<Prefix>events:<topic>" for the others. Each instance
// holds one subscription connection, subscribed to the topics that have
// local subscribers, and fans what arrives from other instances out through
// the same hub; its own messages, which Redis sends back, it skips, so that
// a local subscriber gets each event once. It is safe for concurrent use.
//
// Topics are subscribed one by one (SUBSCRIBE, reference-counted by the
// local hub) rather than with one PSUBSCRIBE of every event: an instance then
// receives only what its clients watch, which keeps it cheap however many
// instances and articles there are.
//
// Redis pub/sub is at most once: events published while Redis or the
// subscription connection is down do not reach other instances (this
// instance's subscribers still get them). go-redis reconnects by itself
// and subscribes again to every topic that still has subscribers.
type Redis struct {
	rdb     redis.UniversalClient
	ps      *redis.PubSub
	channel string // "<Prefix>events:", the start of every channel name
	id      string // this instance, in every message it publishes
	hub     *Memory
	warner  *outage.Warner
	done    chan struct{} // closed when receive returns

	// mu orders SUBSCRIBE and UNSUBSCRIBE as the local subscriber counts
	// change, so that Redis ends up subscribed exactly to the topics with
	// local subscribers.
	mu         sync.Mutex
	subscribed map[string]bool
	closed     atomic.Bool
}

// NewRedis returns a hub on client and starts its receive loop, which runs
// until Close. Give it a client with short timeouts, like redisconn.New's:
// they bound how long Publish and Subscribe wait for a dead Redis. A Redis
// that is down now is no error: Publish fails until it answers, and
// subscriptions start to receive when go-redis reconnects.
func NewRedis(client redis.UniversalClient, opts Options) *Redis {
	opts = opts.withDefaults()
	r := &Redis{
		rdb:        client,
		channel:    opts.Prefix + "events:",
		id:         rand.Text(),
		hub:        NewMemory(opts),
		warner:     outage.NewWarner(opts.Logger, "pubsub: redis failed; events do not reach other instances", "pubsub: redis answers again"),
		done:       make(chan struct{}),
		subscribed: make(map[string]bool),
	}
	r.hub.onIdle = r.idle
	// No channels yet: the connection subscribes as local subscribers come.
	r.ps = client.Subscribe(context.Background())
	// go-redis's channel brings reconnection and a health-check PING; its
	// goroutine is the only reader of the connection.
	go r.receive(r.ps.Channel())
	return r
}

// message is what goes through Redis: an event and the instance that
// published it.
type message struct {
	From  string        `json:"from"`
	Event conduit.Event `json:"event"`
}

// Publish sends e to topic's subscribers on this instance at once, in
// process, and to those of every other instance through Redis. It returns
// an error when Redis does not take the message within a second; then this
// instance's subscribers have it, and no other instance's. A cancelled ctx
// does not stop it.
func (r *Redis) Publish(ctx context.Context, topic string, e conduit.Event) error {
	if r.closed.Load() {
		return ErrClosed
	}
	// Local delivery must not depend on Redis: an outage would otherwise
	// silence even the subscribers of the instance that made the write.
	if err := r.hub.Publish(ctx, topic, e); err != nil {
		return err
	}
	payload, err := json.Marshal(message{From: r.id, Event: e})
	if err != nil {
		return fmt.Errorf("pubsub: encode event: %w", err)
	}
	// The write has committed: the event is a fact for everyone, even when
	// the client that made it has gone and cancelled ctx.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	if err := r.rdb.Publish(ctx, r.channel+topic, payload).Err(); err != nil {
		r.warner.Fail("publish", err)
		return fmt.Errorf("pubsub: publish to %s for other instances: %w", topic, err)
	}
	r.warner.OK()
	return nil
}

// Subscribe returns a channel of topic's events from every instance, with
// Memory's semantics: buffered, closed when ctx ends, on a drop or at Close.
//
// When Redis is down, Subscribe still succeeds: the channel gets this
// instance's events, and those of other instances once go-redis reconnects
// and subscribes again, as it does for the subscribers that were there
// before the outage. Failing here would only
// turn an outage of cross-instance delivery into an outage of subscriptions.
func (r *Redis) Subscribe(ctx context.Context, topic string) (<-chan conduit.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return nil, ErrClosed
	}
	ch, err := r.hub.Subscribe(ctx, topic)
	if err != nil {
		return nil, err
	}
	r.sync(topic)
	return ch, nil
}

// Dropped reports whether ch, from Subscribe, was closed because its reader
// fell a full buffer behind; see Memory.Dropped.
func (r *Redis) Dropped(ch <-chan conduit.Event) bool { return r.hub.Dropped(ch) }

// Subscribers returns how many subscribers topic has on this instance.
func (r *Redis) Subscribers(topic string) int { return r.hub.Subscribers(topic) }

// Close stops the receive loop, closes the subscription connection and then
// every local subscriber's channel. It does not close the client, which the
// caller owns.
func (r *Redis) Close() error {
	// Under mu, so that no SUBSCRIBE is under way when the connection goes.
	r.mu.Lock()
	if r.closed.Swap(true) {
		r.mu.Unlock()
		return nil
	}
	r.mu.Unlock()
	// Closing the PubSub closes its channel, which ends receive.
	err := r.ps.Close()
	<-r.done
	r.hub.Close()
	if err != nil {
		return fmt.Errorf("pubsub: close redis subscription: %w", err)
	}
	return nil
}

// receive hands each message of another instance to the local hub until
// msgs closes.
func (r *Redis) receive(msgs <-chan *redis.Message) {
	defer close(r.done)
	for msg := range msgs {
		topic, ok := strings.CutPrefix(msg.Channel, r.channel)
		if !ok {
			continue
		}
		var m message
		if err := json.Unmarshal([]byte(msg.Payload), &m); err != nil || m.From == "" {
			if err == nil {
				err = errors.New("no publishing instance")
			}
			// Another writer on our channel, or a version that should have
			// changed the prefix: skip it rather than deliver garbage.
			r.warner.Warn("pubsub: undecodable event skipped", "decode", fmt.Errorf("%s: %w", msg.Channel, err))
			continue
		}
		if m.From == r.id {
			// Publish delivered it here already.
			continue
		}
		// Fails only after Close, which waits for this loop first.
		_ = r.hub.Publish(context.Background(), topic, m.Event)
	}
}

// idle runs when topic loses its last local subscriber.
func (r *Redis) idle(topic string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sync(topic)
}

// sync subscribes to topic when it has local subscribers and unsubscribes
// when it has none. The caller holds mu. It compares with the current count
// rather than acting on the change that called it, so that a subscribe and
// an unsubscribe that race still leave the right state behind.
func (r *Redis) sync(topic string) {
	if r.closed.Load() {
		return
	}
	want := r.hub.Subscribers(topic) > 0
	if want == r.subscribed[topic] {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	op, err := "subscribe", error(nil)
	if want {
		err = r.ps.Subscribe(ctx, r.channel+topic)
		r.subscribed[topic] = true
	} else {
		op = "unsubscribe"
		err = r.ps.Unsubscribe(ctx, r.channel+topic)
		delete(r.subscribed, topic)
	}
	// go-redis records the change even when the command fails, and replays
	// its subscriptions on every reconnect: so the change stands either way.
	if err != nil {
		r.warner.Fail(op, err)
		return
	}
	r.warner.OK()
}
