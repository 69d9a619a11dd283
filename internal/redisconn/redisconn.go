// Package redisconn makes the Redis client of this server: short timeouts,
// no command retries, one dial attempt, since everything that uses Redis
// here (the read-through cache, the event hub across instances) has a way
// to do without it for a while. It owns only how the client is made;
// server.go makes one and hands it to the cache and to the event hub.
//
// Imports only: standard library, github.com/redis/go-redis/v9.
package redisconn

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// clientTimeout bounds dialing, each socket read and write, and the wait for
// a pooled connection. Redis answers a cache read in well under a
// millisecond on a LAN; the rest is slack for large MGETs and TLS, and a
// Redis slower than this is worth less than the database behind it.
const clientTimeout = 250 * time.Millisecond

// New returns a Redis client for a redis://, rediss:// or unix:// URL,
// tuned for a cache that the database backs up: short timeouts, no command
// retries and one dial attempt, so that a dead Redis costs milliseconds, not
// the library's default seconds. Timeouts given in the URL
// (?dial_timeout=…&read_timeout=…) win.
func New(rawURL string) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	tune(opt)
	return redis.NewClient(opt), nil
}

// tune fills the options that the URL left at zero.
func tune(opt *redis.Options) {
	for _, d := range []*time.Duration{&opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout} {
		if *d == 0 {
			*d = clientTimeout
		}
	}
	if opt.MaxRetries == 0 {
		// A retry doubles what a dead Redis costs, and a miss is cheap.
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		// The library's default, 5 attempts 100ms apart, would cost half a
		// second per request while Redis is down.
		opt.DialerRetries = 1
	}
	// Let the per-operation deadlines of the cache and the hub reach the
	// socket.
	opt.ContextTimeoutEnabled = true
}
