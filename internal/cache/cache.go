// Package cache is a Redis read-through cache for the reads that the
// loaders batch (users, articles and tags by id, popular tags). It wraps the
// domain services as decorators, so loaders and resolvers do not know it
// exists, and every write made through a decorated service invalidates what
// it changed once the store has committed.
//
// Redis is an optimisation, never a dependency: when it fails, reads go to
// the database, a warning is logged now and then, and Redis is tried again
// a little later.
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
	"strings"
	"sync/atomic"
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

	hits, misses, bypassed atomic.Int64
}

// Stats counts key lookups since start: found in Redis, not found (then
// loaded from the database), and not asked because Redis was down.
type Stats struct {
	Hits, Misses, Bypassed int64
}

// Stats returns the lookup counts, for /metrics.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bypassed: c.bypassed.Load()}
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

// genSuffix names the generation key of an entry: <key>:gen, under the
// prefix like the entry itself, so that Flush drops it too, and never equal
// to an entry's key, since ids are numbers.
const genSuffix = ":gen"

// genTTL is how long a generation outlives the last invalidation of its
// entry. A fill compares the generation that its read saw before loading
// with the one in Redis now; an expired generation reads as "" again, so it
// must outlive any read (MGET, load, fill), or a read that saw "" before a
// write could see "" again after it and fill what it loaded before the
// write. Reads take milliseconds to seconds; an hour is far beyond them, and
// one small key per entry written in the last hour costs little.
const genTTL = time.Hour

func genKey(key string) string { return key + genSuffix }

// mget reads keys, and the generation of each, in one MGET: vals[i] is the
// value of keys[i] (nil: a miss) and gens[i] its generation ("" when it has
// none). A read hands gens to fillMany, so that what it loads is written
// back only if no invalidation came in between. ok is false when Redis is
// skipped or failed, and the caller goes to the database and fills nothing:
// without generations, a fill cannot tell whether it is stale.
func (c *Cache) mget(ctx context.Context, keys []string) (vals []any, gens []string, ok bool) {
	if !c.health.usable() {
		c.bypassed.Add(int64(len(keys)))
		return nil, nil, false
	}
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	all := make([]string, len(keys), 2*len(keys))
	copy(all, keys)
	for _, k := range keys {
		all = append(all, genKey(k))
	}
	raw, err := c.rdb.MGet(octx, all...).Result()
	if err != nil {
		c.failed(ctx, "mget", err)
		c.bypassed.Add(int64(len(keys)))
		return nil, nil, false
	}
	c.health.ok()
	gens = make([]string, len(keys))
	for i, g := range raw[len(keys):] {
		gens[i], _ = g.(string)
	}
	return raw[:len(keys)], gens, true
}

// fill is one entry for fillMany: the value that a read loaded for key, and
// the generation of key that the read saw before it loaded.
type fill struct {
	key, gen string
	val      []byte
}

// fillScript sets KEYS[1] to ARGV[1] for ARGV[3] milliseconds, unless the
// generation KEYS[2] has moved from ARGV[2]: an invalidation came after the
// read's MGET, so what the read loaded may predate the write, and the entry
// stays empty for the next read to load. It runs in Redis, so that no
// invalidation can come between the check and the SET. A missing
// generation (GET gives false) reads as "", as mget reports it.
var fillScript = redis.NewScript(`
if (redis.call('GET', KEYS[2]) or '') == ARGV[2] then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
	return 1
end
return 0
`)

// fillMany writes what a read loaded, each entry with the TTL and only if
// its generation is still the one that the read saw (fillScript), in one
// pipelined round trip. A failure only costs the next read a trip to the
// database.
//
// Without the check, a read that loaded a row just before a write
// committed could SET it just after the write's invalidation, and the old
// row would be served for a whole TTL. A tombstone with SET NX would close
// that too, but would leave every written entry uncached for as long as
// the tombstone lives; the generation costs a fill nothing unless an
// invalidation really came in between.
//
// The pipeline sends EVAL with the script's source, not EVALSHA: EVALSHA
// needs the script loaded on the server, which a restart, a failover or
// SCRIPT FLUSH undoes, and in a pipeline a NOSCRIPT cannot fall back to
// EVAL as Script.Run does (the reply comes after the whole pipeline) — it
// would cost a second round trip and code to retry. The source is about
// 150 bytes, small next to the values, and Redis compiles it once and
// keeps it by its SHA1.
func (c *Cache) fillMany(ctx context.Context, fills []fill) {
	if len(fills) == 0 || !c.health.usable() {
		return
	}
	ttl := max(c.ttl.Milliseconds(), 1)
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	_, err := c.rdb.Pipelined(octx, func(p redis.Pipeliner) error {
		for _, f := range fills {
			fillScript.Eval(octx, p, []string{f.key, genKey(f.key)}, f.val, f.gen, ttl)
		}
		return nil
	})
	if err != nil {
		c.failed(ctx, "set", err)
	}
}

// del invalidates keys, after a write has committed, in one pipelined round
// trip: for each key it raises the generation (INCR <key>:gen, which
// fillMany checks, with an expiry of genTTL so that generations do not pile
// up) and then deletes the entry. The order matters, since a pipeline is
// not atomic: a fill that runs before the INCR passed its check and is
// deleted by the DEL; one that runs after it fails its check. Deleting
// first would let a fill run between the DEL and the INCR and stay.
//
// It tries even while reads skip Redis, since Redis may be back and a
// skipped delete leaves a stale entry for a whole TTL; and it outlives the
// caller's context, since the write is done even if the client has gone.
func (c *Cache) del(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	octx, cancel := context.WithTimeout(ctx, c.opTimeout)
	defer cancel()
	_, err := c.rdb.Pipelined(octx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			g := genKey(k)
			p.Incr(octx, g)
			p.Expire(octx, g, genTTL)
			p.Del(octx, k)
		}
		return nil
	})
	if err != nil {
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
// one pipelined round trip, each value only if no invalidation of its key
// came after the MGET (see fillMany). Only values for which keep is true are
// written:
// a missing row (nil) is not cached, since ids are primary keys that a
// create may fill later, and a miss costs one indexed lookup.
func readThrough[V any](ctx context.Context, c *Cache, kind string, ids []int64,
	load func(context.Context, []int64) ([]V, error), keep func(V) bool) ([]V, error) {
	if len(ids) == 0 {
		return load(ctx, ids)
	}
	keys := c.keys(kind, ids)
	raw, gens, ok := c.mget(ctx, keys)
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
	var fills []fill
	for j, v := range loaded {
		i := missIdx[j]
		out[i] = v
		if !keep(v) {
			continue
		}
		if b, ok := c.encode(v); ok {
			fills = append(fills, fill{key: keys[i], gen: gens[i], val: b})
		}
	}
	c.fillMany(ctx, fills)
	return out, nil
}

// decode reads one MGET value into dst; false means a miss. A value that
// does not decode counts as a miss, and is overwritten by the reload.
func (c *Cache) decode(raw any, dst any) (hit bool) {
	defer func() {
		if hit {
			c.hits.Add(1)
		} else {
			c.misses.Add(1)
		}
	}()
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
