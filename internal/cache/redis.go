package cache

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Backend on a Redis server (or cluster). Entries are plain
// keys with a TTL; the generation of key K is the counter K:gen.
type Redis struct {
	rdb redis.UniversalClient
}

var _ Backend = (*Redis)(nil)

// NewRedis returns a backend on client. Give it a client with short
// timeouts and no retries (redisconn.New makes one), since the database is
// the fallback; the Cache's op timeout reaches the socket only if the
// client enables context timeouts.
func NewRedis(client redis.UniversalClient) *Redis {
	return &Redis{rdb: client}
}

// genSuffix names the generation key of an entry: <key>:gen, under the
// prefix like the entry itself, so that Flush drops it too, and never equal
// to an entry's key, since ids are numbers.
const genSuffix = ":gen"

func genKey(key string) string { return key + genSuffix }

// Get reads keys and the generation of each in one MGET.
func (r *Redis) Get(ctx context.Context, keys []string) ([]Entry, error) {
	all := make([]string, len(keys), 2*len(keys))
	copy(all, keys)
	for _, k := range keys {
		all = append(all, genKey(k))
	}
	raw, err := r.rdb.MGet(ctx, all...).Result()
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, len(keys))
	for i := range keys {
		entries[i].Value, entries[i].Found = raw[i].(string)
		entries[i].Gen, _ = raw[len(keys)+i].(string)
	}
	return entries, nil
}

// fillScript sets KEYS[1] to ARGV[1] for ARGV[3] milliseconds, unless the
// generation KEYS[2] has moved from ARGV[2]: an invalidation came after the
// read's MGET, so what the read loaded may predate the write, and the entry
// stays empty for the next read to load. It runs in Redis, so that no
// invalidation can come between the check and the SET. A missing
// generation (GET gives false) reads as "", as Get reports it.
var fillScript = redis.NewScript(`
if (redis.call('GET', KEYS[2]) or '') == ARGV[2] then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
	return 1
end
return 0
`)

// Fill runs fillScript for each fill in one pipelined round trip.
//
// The pipeline sends EVAL with the script's source, not EVALSHA: EVALSHA
// needs the script loaded on the server, which a restart, a failover or
// SCRIPT FLUSH undoes, and in a pipeline a NOSCRIPT cannot fall back to
// EVAL as Script.Run does (the reply comes after the whole pipeline) — it
// would cost a second round trip and code to retry. The source is about
// 150 bytes, small next to the values, and Redis compiles it once and
// keeps it by its SHA1.
func (r *Redis) Fill(ctx context.Context, fills []Fill, ttl time.Duration) error {
	ms := max(ttl.Milliseconds(), 1)
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, f := range fills {
			fillScript.Eval(ctx, p, []string{f.Key, genKey(f.Key)}, f.Value, f.Gen, ms)
		}
		return nil
	})
	return err
}

// Invalidate, in one pipelined round trip, raises each key's generation
// (INCR <key>:gen, with an expiry of GenerationTTL so that generations do
// not pile up) and then deletes the entry. The order matters, since a
// pipeline is not atomic: a fill that runs before the INCR passed its
// check and is deleted by the DEL; one that runs after it fails its check.
// Deleting first would let a fill run between the DEL and the INCR and
// stay.
func (r *Redis) Invalidate(ctx context.Context, keys []string) error {
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			g := genKey(k)
			p.Incr(ctx, g)
			p.Expire(ctx, g, GenerationTTL)
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

// Ping sends PING.
func (r *Redis) Ping(ctx context.Context) error { return r.rdb.Ping(ctx).Err() }

// Flush deletes the keys under prefix with SCAN and UNLINK, on each
// primary of a cluster.
func (r *Redis) Flush(ctx context.Context, prefix string) error {
	pattern := globEscape(prefix) + "*"
	if cc, ok := r.rdb.(*redis.ClusterClient); ok {
		// SCAN walks one node's keys: walk each primary.
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return flushNode(ctx, node, pattern)
		})
	}
	return flushNode(ctx, r.rdb, pattern)
}

// flushNode deletes the keys that match pattern on one node, a page of SCAN
// at a time, so that no single command blocks Redis for long.
func flushNode(ctx context.Context, rdb redis.Cmdable, pattern string) error {
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				return err
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
