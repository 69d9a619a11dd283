// Package cache is a read-through cache for the reads that the loaders
// batch (users, articles and tags by id, popular tags). It wraps the
// domain services as decorators, so loaders and resolvers do not know it
// exists, and every write made through a decorated service invalidates what
// it changed once the store has committed.
//
// The package owns the decorators and the backend-neutral logic: keys, the
// read-through, the generation check that keeps a fill from undoing an
// invalidation, the pause after a failure, and the counts. Where entries
// live is a Backend: Redis (redis.go) is the only one so far, and another
// is one file.
//
// The cache is an optimisation, never a dependency: when its backend
// fails, reads go to the database, a warning is logged now and then, and
// the backend is tried again a little later.
//
// It decorates the services' interfaces and knows nothing of what
// implements them (the store) or of who calls them.
//
// Never imports: internal/store, internal/httpapi, resolvers, graph,
// models, github.com/uptrace/bun.
package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

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
	// invalidation is lost (the backend down during a write). Default 5m.
	TTL time.Duration
	// Prefix starts every key. Raise its version when the shape of a cached
	// value changes, so that old entries are never decoded. Default
	// "conduit:v1:".
	Prefix string
	// Logger receives the warnings about the backend. Default
	// slog.Default().
	Logger *slog.Logger
	// OpTimeout bounds each backend call (a Redis round trip), so that a
	// slow or unreachable backend costs a request little. Default 250ms.
	OpTimeout time.Duration
	// RetryAfter is how long reads skip the backend after it failed, so
	// that a dead backend costs one failed round trip per RetryAfter
	// instead of one per request. Default 1s.
	RetryAfter time.Duration
}

// Backend is where a Cache keeps its entries, and a generation per key:
// a counter that every invalidation raises, so that a fill can tell
// whether an invalidation came after the read that loaded its value. The
// Cache bounds each call with its op timeout and, after a failure, stops
// asking for a while.
type Backend interface {
	// Get returns, in the order of keys, each key's entry and generation.
	Get(ctx context.Context, keys []string) ([]Entry, error)
	// Fill writes each fill's value under its key, to expire after ttl,
	// unless the key's generation has moved from the one the fill names;
	// the check and the write must be one step, which no invalidation can
	// come between.
	Fill(ctx context.Context, fills []Fill, ttl time.Duration) error
	// Invalidate raises each key's generation, which must then live for at
	// least GenerationTTL, and then deletes its entry: in that order, so
	// that a fill that passed its check before the raise is deleted, and
	// one after it fails its check.
	Invalidate(ctx context.Context, keys []string) error
	// Ping reports whether the backend answers.
	Ping(ctx context.Context) error
	// Flush deletes every entry and generation whose key starts with
	// prefix, and nothing else.
	Flush(ctx context.Context, prefix string) error
}

// Entry is what a Backend holds for one key.
type Entry struct {
	// Value is the entry's JSON; Found says whether there is one.
	Value string
	Found bool
	// Gen is the key's generation, "" when it has none.
	Gen string
}

// Fill is one entry for Backend.Fill: the value that a read loaded for
// Key, and the generation of Key that the read saw before it loaded.
type Fill struct {
	Key, Gen string
	Value    []byte
}

// GenerationTTL is how long a generation outlives the last invalidation of
// its entry. A fill compares the generation that its read saw before
// loading with the one in the backend now; an expired generation reads as
// "" again, so it must outlive any read (get, load, fill), or a read that
// saw "" before a write could see "" again after it and fill what it
// loaded before the write. Reads take milliseconds to seconds; an hour is
// far beyond them, and one small key per entry written in the last hour
// costs little.
const GenerationTTL = time.Hour

// Cache is a read-through cache on a Backend. It is safe for concurrent use.
type Cache struct {
	backend   Backend
	ttl       time.Duration
	prefix    string
	opTimeout time.Duration
	health    *health

	hits, misses, bypassed atomic.Int64
}

// Stats counts key lookups since start: found in the backend, not found
// (then loaded from the database), and not asked because the backend was
// down.
type Stats struct {
	Hits, Misses, Bypassed int64
}

// Stats returns the lookup counts, for /metrics.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bypassed: c.bypassed.Load()}
}

// New returns a cache on backend (NewRedis). Give a Redis backend a client
// with short timeouts and no retries (redisconn.New makes one), since the
// database is the fallback.
func New(backend Backend, opts Options) *Cache {
	opts = opts.withDefaults()
	return &Cache{
		backend:   backend,
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

// State reports StateOK when the backend answers a ping within the op
// timeout, else StateDegraded: the service still serves, from the
// database. A ping that succeeds also ends the pause after a failure at
// once.
func (c *Cache) State(ctx context.Context) string {
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.backend.Ping(octx); err != nil {
		c.failed(ctx, "ping", err)
		return StateDegraded
	}
	c.health.ok()
	return StateOK
}

// Flush deletes every key under the prefix, and nothing else that shares the
// backend. It is for tests and operators, not for the request path.
func (c *Cache) Flush(ctx context.Context) error {
	if err := c.backend.Flush(ctx, c.prefix); err != nil {
		return fmt.Errorf("cache flush: %w", err)
	}
	return nil
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

// get reads keys, with the generation of each, in one backend call. A
// read hands the generations to fillMany, so that what it loads is written
// back only if no invalidation came in between. ok is false when the
// backend is skipped or failed, and the caller goes to the database and
// fills nothing: without generations, a fill cannot tell whether it is
// stale.
func (c *Cache) get(ctx context.Context, keys []string) (entries []Entry, ok bool) {
	if !c.health.usable() {
		c.bypassed.Add(int64(len(keys)))
		return nil, false
	}
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	entries, err := c.backend.Get(octx, keys)
	if err != nil {
		c.failed(ctx, "mget", err)
		c.bypassed.Add(int64(len(keys)))
		return nil, false
	}
	c.health.ok()
	return entries, true
}

// fillMany writes what a read loaded, each entry with the TTL and only if
// its generation is still the one that the read saw, in one backend call.
// A failure only costs the next read a trip to the database.
//
// Without the check, a read that loaded a row just before a write
// committed could write it just after the write's invalidation, and the
// old row would be served for a whole TTL. A tombstone would close that
// too, but would leave every written entry uncached for as long as the
// tombstone lives; the generation costs a fill nothing unless an
// invalidation really came in between.
func (c *Cache) fillMany(ctx context.Context, fills []Fill) {
	if len(fills) == 0 || !c.health.usable() {
		return
	}
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.backend.Fill(octx, fills, c.ttl); err != nil {
		c.failed(ctx, "set", err)
	}
}

// del invalidates keys, after a write has committed, in one backend call,
// which raises each key's generation (which fillMany checks) and then
// deletes its entry.
//
// It tries even while reads skip the backend, since it may be back and a
// skipped delete leaves a stale entry for a whole TTL; and it outlives the
// caller's context, since the write is done even if the client has gone.
func (c *Cache) del(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	if err := c.backend.Invalidate(octx, keys); err != nil {
		c.failed(ctx, "invalidate", err)
		return
	}
	c.health.ok()
}

// failed records a backend error, unless the caller's own context ended
// it: a client that hangs up says nothing about the backend.
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

// readThrough returns the values of ids in the order of ids: what the
// backend has in one get, the rest from load in one call, which is then
// written back in one fill, each value only if no invalidation of its key
// came after the get (see fillMany). Only values for which keep is true
// are written:
// a missing row (nil) is not cached, since ids are primary keys that a
// create may fill later, and a miss costs one indexed lookup.
func readThrough[V any](ctx context.Context, c *Cache, kind string, ids []int64,
	load func(context.Context, []int64) ([]V, error), keep func(V) bool) ([]V, error) {
	if len(ids) == 0 {
		return load(ctx, ids)
	}
	keys := c.keys(kind, ids)
	entries, ok := c.get(ctx, keys)
	if !ok {
		return load(ctx, ids)
	}
	out := make([]V, len(ids))
	var missIdx []int
	var missIDs []int64
	for i, e := range entries {
		if !c.decode(e, &out[i]) {
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
	var fills []Fill
	for j, v := range loaded {
		i := missIdx[j]
		out[i] = v
		if !keep(v) {
			continue
		}
		if b, ok := c.encode(v); ok {
			fills = append(fills, Fill{Key: keys[i], Gen: entries[i].Gen, Value: b})
		}
	}
	c.fillMany(ctx, fills)
	return out, nil
}

// decode reads one entry into dst; false means a miss. A value that does
// not decode counts as a miss, and is overwritten by the reload.
func (c *Cache) decode(e Entry, dst any) (hit bool) {
	defer func() {
		if hit {
			c.hits.Add(1)
		} else {
			c.misses.Add(1)
		}
	}()
	if !e.Found {
		return false
	}
	if err := json.Unmarshal([]byte(e.Value), dst); err != nil {
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
