// Package cache is a Redis read-through cache for the reads that the
// loaders batch (users, articles and tags by id, popular tags). It wraps the
// domain services as decorators, so loaders and resolvers do not know it
// exists, and every write made through a decorated service invalidates what
// it changed once the store has committed.
//
// Redis is an optimisation, never a dependency: when it fails, reads go to
// the database, a warning is logged now and then, and Redis is tried again
// a little later.
package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Defaults for Options.
const (
	DefaultTTL        = 5 * time.Minute
	DefaultPrefix     = "conduit:v1:"
	DefaultOpTimeout  = 250 * time.Millisecond
	DefaultRetryAfter = time.Second
)

// States that State reports, as /readyz shows them.
const (
	StateOK       = "ok"
	StateDegraded = "degraded"
)

// Options tune a Cache; zero fields take the defaults.
type Options struct {
	// TTL bounds how long an entry lives, and so how stale it can be when an
	// invalidation is lost (Redis down during a write). Default 5m.
	TTL time.Duration
	// Prefix starts every key. Raise its version when the shape of a cached
	// value changes, so that old entries are never decoded. Default
	// "conduit:v1:".
	Prefix string
	// Logger receives the warnings about Redis. Default slog.Default().
	Logger *slog.Logger
	// OpTimeout bounds each Redis round trip, so that a slow or unreachable
	// Redis costs a request little. Default 250ms.
	OpTimeout time.Duration
	// RetryAfter is how long reads skip Redis after it failed, so that a dead
	// Redis costs one failed round trip per RetryAfter instead of one per
	// request. Default 1s.
	RetryAfter time.Duration
}

// Cache is a Redis read-through cache. It is safe for concurrent use.
type Cache struct {
	rdb       redis.UniversalClient
	ttl       time.Duration
	prefix    string
	opTimeout time.Duration
	health    *health
}

// New returns a cache on client. Give it a client with short timeouts and no
// retries (NewClient makes one), since the database is the fallback.
func New(client redis.UniversalClient, opts Options) *Cache {
	opts = opts.withDefaults()
	return &Cache{
		rdb:       client,
		ttl:       opts.TTL,
		prefix:    opts.Prefix,
		opTimeout: opts.OpTimeout,
		health:    newHealth(opts.Logger, opts.RetryAfter),
	}
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OpTimeout <= 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	return o
}

// State reports StateOK when Redis answers PING within the op timeout, else
// StateDegraded: the service still serves, from the database. A PING that
// succeeds also ends the pause after a failure at once.
func (c *Cache) State(ctx context.Context) string {
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.rdb.Ping(octx).Err(); err != nil {
		c.failed(ctx, "ping", err)
		return StateDegraded
	}
	c.health.ok()
	return StateOK
}

// Flush deletes every key under the prefix, and nothing else that shares the
// Redis server. It is for tests and operators, not for the request path.
func (c *Cache) Flush(ctx context.Context) error {
	pattern := globEscape(c.prefix) + "*"
	if cc, ok := c.rdb.(*redis.ClusterClient); ok {
		// SCAN walks one node's keys: walk each primary.
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return flushNode(ctx, node, pattern)
		})
	}
	return flushNode(ctx, c.rdb, pattern)
}

// flushNode deletes the keys that match pattern on one node, a page of SCAN
// at a time, so that no single command blocks Redis for long.
func flushNode(ctx context.Context, rdb redis.Cmdable, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return fmt.Errorf("cache flush: %w", err)
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("cache flush: %w", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// globEscape quotes the characters that SCAN MATCH treats as wildcards.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// key returns the key of one entry: prefix, kind, id.
func (c *Cache) key(kind string, id int64) string {
	return c.prefix + kind + ":" + strconv.FormatInt(id, 10)
}

func (c *Cache) keys(kind string, ids []int64) []string {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.key(kind, id)
	}
	return keys
}

// mget reads keys in one round trip; ok is false when Redis is skipped or
// failed, and the caller goes to the database.
func (c *Cache) mget(ctx context.Context, keys []string) (vals []any, ok bool) {
	if !c.health.usable() {
		return nil, false
	}
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	vals, err := c.rdb.MGet(octx, keys...).Result()
	if err != nil {
		c.failed(ctx, "mget", err)
		return nil, false
	}
	c.health.ok()
	return vals, true
}

// setMany writes each key with its value and the TTL, pipelined in one
// round trip. A failure only costs the next read a trip to the database.
func (c *Cache) setMany(ctx context.Context, keys []string, vals [][]byte) {
	if len(keys) == 0 || !c.health.usable() {
		return
	}
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	_, err := c.rdb.Pipelined(octx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(octx, k, vals[i], c.ttl)
		}
		return nil
	})
	if err != nil {
		c.failed(ctx, "set", err)
	}
}

// del deletes keys in one round trip, after a write has committed. It tries
// even while reads skip Redis, since Redis may be back and a skipped delete
// leaves a stale entry for a whole TTL; and it outlives the caller's
// context, since the write is done even if the client has gone.
func (c *Cache) del(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.rdb.Del(octx, keys...).Err(); err != nil {
		c.failed(ctx, "invalidate", err)
		return
	}
	c.health.ok()
}

// failed records a Redis error, unless the caller's own context ended it:
// a client that hangs up says nothing about Redis.
func (c *Cache) failed(ctx context.Context, op string, err error) {
	if ctx.Err() != nil {
		return
	}
	c.health.fail(op, err)
}

// mayHaveWritten reports whether a write may have changed data, so that its
// entries must go: it succeeded, or it failed in a way that the domain did
// not classify (a connection lost at COMMIT leaves the outcome unknown).
// Classified errors (bad input, not found, forbidden) mean the transaction
// rolled back, and there is nothing to drop.
func mayHaveWritten(err error) bool {
	return err == nil || conduit.ErrorCode(err) == conduit.EINTERNAL
}

// readThrough returns the values of ids in the order of ids: what Redis has
// in one MGET, the rest from load in one call, which is then written back in
// one pipelined round trip. Only values for which keep is true are written:
// a missing row (nil) is not cached, since ids are primary keys that a
// create may fill later, and a miss costs one indexed lookup.
func readThrough[V any](ctx context.Context, c *Cache, kind string, ids []int64,
	load func(context.Context, []int64) ([]V, error), keep func(V) bool) ([]V, error) {
	if len(ids) == 0 {
		return load(ctx, ids)
	}
	keys := c.keys(kind, ids)
	raw, ok := c.mget(ctx, keys)
	if !ok {
		return load(ctx, ids)
	}
	out := make([]V, len(ids))
	var missIdx []int
	var missIDs []int64
	for i, r := range raw {
		if !c.decode(r, &out[i]) {
			missIdx = append(missIdx, i)
			missIDs = append(missIDs, ids[i])
		}
	}
	if len(missIDs) == 0 {
		return out, nil
	}
	loaded, err := load(ctx, missIDs)
	if err != nil {
		return nil, err
	}
	if len(loaded) != len(missIDs) {
		return nil, fmt.Errorf("cache %s: loaded %d values for %d ids", kind, len(loaded), len(missIDs))
	}
	var setKeys []string
	var setVals [][]byte
	for j, v := range loaded {
		out[missIdx[j]] = v
		if !keep(v) {
			continue
		}
		if b, ok := c.encode(v); ok {
			setKeys = append(setKeys, keys[missIdx[j]])
			setVals = append(setVals, b)
		}
	}
	c.setMany(ctx, setKeys, setVals)
	return out, nil
}

// decode reads one MGET value into dst; false means a miss. A value that
// does not decode counts as a miss, and is overwritten by the reload.
func (c *Cache) decode(raw any, dst any) bool {
	s, ok := raw.(string)
	if !ok {
		return false
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		c.health.warn("cache: bad entry; reloading it", "decode", err)
		return false
	}
	return true
}

// encode returns v as JSON; false means that it could not be encoded.
func (c *Cache) encode(v any) ([]byte, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		c.health.warn("cache: cannot encode; not caching it", "encode", err)
		return nil, false
	}
	return b, true
}
