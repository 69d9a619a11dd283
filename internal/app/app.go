// Package app composes Conduit's HTTP handler from the services: the store,
// the cache decorators, the event hub, authentication, the loaders and the
// resolvers, put together into one http.Handler (NewHandler) over what the
// instances share (Deps, Share).
//
// It is the composition root's wiring, apart from the process: flags,
// listening, signals and the drain stay in server.go and internal/httpapi.
// Only server.go and tests import it (through internal/apitest), so that
// both build the handler through the same function; no other package may
// import it or resolvers.
//
// Never imports: internal/apitest, internal/testenv.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/conduit-graphql/conduit/graph"
	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/loaders"
	"github.com/conduit-graphql/conduit/internal/logbuf"
	"github.com/conduit-graphql/conduit/internal/metrics"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/redisconn"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/tracing"
	"github.com/conduit-graphql/conduit/resolvers"
)

// Share sets up what instances share: with a Redis URL, one client, made
// here, for the event hub on Redis and, on PostgreSQL, the read-through
// cache; without, no cache and an in-memory hub. close releases them.
func (d *Deps) Share(ctx context.Context, redisURL string, log *slog.Logger) (close func(), err error) {
	if redisURL == "" {
		hub := pubsub.NewMemory(pubsub.Options{Logger: log})
		d.Events = hub
		return func() { hub.Close() }, nil
	}
	client, err := redisconn.New(redisURL)
	if err != nil {
		return nil, err
	}
	if d.Tracing != nil {
		if err := d.Tracing.Redis(client); err != nil {
			client.Close()
			return nil, err
		}
	}
	// go-redis logs each failed dial itself; the cache already warns,
	// rate-limited, so the library's lines are for debugging only.
	redis.SetLogger(redisLogger{log})
	d.Cache = cache.New(cache.NewRedis(client), cache.Options{Logger: log})
	hub := pubsub.NewRedis(client, pubsub.Options{Logger: log})
	d.Events = hub
	if d.DB.Dialect() == store.DialectSQLite {
		// SQLite answers a read by primary key in-process, in less time
		// than a round trip to Redis takes, and instances that share
		// data share a PostgreSQL: here Redis carries events only.
		log.Info("events on Redis; reads stay on SQLite, in process", "redis", d.Cache.State(ctx))
	} else {
		d.ReadCache = d.Cache
		log.Info("shared cache and events on Redis", "redis", d.Cache.State(ctx))
	}
	return func() { hub.Close(); client.Close() }, nil
}

// Deps are what the handler is built on: the database, the cache (nil for
// none), the event hub, and a channel closed when the server starts to stop.
type Deps struct {
	DB *store.DB
	// Cache is the shared Redis (nil for none): readiness reports it.
	Cache *cache.Cache
	// ReadCache is the cache that reads go through: Cache on PostgreSQL,
	// nil on SQLite (see Share).
	ReadCache *cache.Cache
	Events    conduit.EventService
	Stopping  chan struct{}
	// AccessLog logs each request (nil: through the logger).
	AccessLog logbuf.AccessFunc
	// Tracing exports spans (nil: tracing off, and nothing traces).
	Tracing *tracing.Tracing
}

// NewHandler wires the services, cache, events, loaders and resolvers into
// the HTTP handler. server.go serves it; tests build it the same way.
func NewHandler(cfg cli.Config, d Deps, log *slog.Logger) http.Handler {
	db, c := d.DB, d.ReadCache
	storeUsers := store.NewUserService(db, auth.NewPool(auth.NewArgon2(), cfg.HashSlots))
	tokens := auth.NewTokens([]byte(cfg.JWTSecret), cfg.TokenTTL)
	// Token checks read the database, never the shared cache: a lost
	// invalidation must not keep a token alive after a password change. They
	// reuse what they read for TokenRecheck, and this instance's own writes
	// forget it at once.
	authn := &auth.Authenticator{Tokens: tokens, Users: storeUsers, Fresh: cfg.TokenRecheck}
	users := auth.ForgetOnWrite(auth.LimitSignIn(cache.NewUserService(storeUsers, c), cfg.SignInLimit), authn)
	// Events are published outside the cache: once a subscriber hears of a
	// write, the cache has dropped what it changed.
	articles := pubsub.NewArticleService(cache.NewArticleService(store.NewArticleService(db), c), d.Events, log)
	comments := pubsub.NewCommentService(cache.NewCommentService(store.NewCommentService(db), c), d.Events, log)
	factory := loaders.NewFactory(loaders.Services{Users: users, Articles: articles})
	res := &resolvers.Resolver{Users: users, Articles: articles, Comments: comments, Events: d.Events, Tokens: tokens, Logger: log, Loaders: factory}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: resolvers.Complexity()})
	m := metrics.New()
	responses := responseCache(cfg, db, log)
	observe(m, db, d.Cache, responses)
	var extensions []graphql.HandlerExtension
	if d.Tracing != nil {
		extensions = append(extensions, d.Tracing.GraphQL())
	}
	h := httpapi.New(httpapi.Options{
		Schema:           schema,
		Limits:           cfg.Limits,
		RateLimit:        cfg.RateLimit,
		Trusted:          cfg.Trusted,
		Playground:       cfg.Playground,
		Introspection:    cfg.Introspection,
		CORSOrigins:      cfg.CORSOrigins,
		CORSAllowHeaders: cfg.CORSHeaders,
		Authenticate:     authn.Context,
		PerResponse:      factory.ForResponse,
		PerSubscription:  factory.ForSubscription,
		WebsocketInit:    authn.WebsocketInit,
		Recheck:          authn.Recheck,
		Stopping:         d.Stopping,
		ErrorPresenter:   resolvers.ErrorPresenter(log),
		Recover:          resolvers.RecoverFunc(log),
		Ready:            readiness(db, d.Cache),
		Metrics:          m,
		Logger:           log,
		AccessLog:        d.AccessLog,
		ResponseCache:    responses,
		Incremental:      graph.WithIncrementalDelivery,
		Extensions:       extensions,
		PublicMaxAge:     cfg.PublicMaxAge,
	})
	if d.Tracing != nil {
		h = d.Tracing.Handler(h)
	}
	return h
}

// The subscribers of one event with the same operation, variables and
// viewer share its payload through the reads of that event's loaders.
func init() {
	graph.EventReads = func(ctx context.Context) graph.SharedReads {
		if r := loaders.EventReads(ctx); r != nil {
			return r
		}
		return nil
	}
}

// responseCache returns the cache of answers to repeated queries, or nil
// when it is off or cannot be exact.
func responseCache(cfg cli.Config, db *store.DB, log *slog.Logger) *httpapi.ResponseCache {
	if cfg.ResponseCacheBytes <= 0 {
		return nil
	}
	changes, err := db.Changes(context.Background())
	if err != nil {
		log.Warn("response cache off: commits cannot be observed", "err", err)
		return nil
	}
	return httpapi.NewResponseCache(cfg.ResponseCacheBytes, func(ctx context.Context) (httpapi.DataVersion, bool) {
		v, ok := changes.Version(ctx)
		return httpapi.DataVersion(v), ok
	})
}

// observe registers what /metrics reads from the database and the cache
// at scrape time.
func observe(m *metrics.Metrics, db *store.DB, c *cache.Cache, responses *httpapi.ResponseCache) {
	m.CounterFunc("conduit_db_statements_total", "SQL statements sent to the database, BEGIN/COMMIT/ROLLBACK included.",
		func() float64 { return float64(db.Statements()) })
	m.CounterFunc("conduit_subscription_payloads_computed_total", "Payloads of subscription events resolved for a subscriber.",
		func() float64 { c, _ := graph.EventPayloadStats(); return float64(c) })
	m.CounterFunc("conduit_subscription_payloads_shared_total", "Payloads of subscription events given as they were to another subscriber of the same event, operation, variables and viewer.",
		func() float64 { _, s := graph.EventPayloadStats(); return float64(s) })
	if responses != nil {
		for name, stat := range map[string]func(httpapi.ResponseCacheStats) int64{
			"hits":   func(s httpapi.ResponseCacheStats) int64 { return s.Hits },
			"misses": func(s httpapi.ResponseCacheStats) int64 { return s.Misses },
			"stored": func(s httpapi.ResponseCacheStats) int64 { return s.Stored },
		} {
			m.CounterFunc("conduit_response_cache_"+name+"_total", "Queries looked up in the response cache: "+name+" (stored: answers kept).",
				func() float64 { return float64(stat(responses.Stats())) })
		}
	}
	for role, pool := range db.Pools() {
		_ = m.Register(collectors.NewDBStatsCollector(pool, role))
	}
	if c == nil {
		return
	}
	for name, stat := range map[string]func(cache.Stats) int64{
		"hits":     func(s cache.Stats) int64 { return s.Hits },
		"misses":   func(s cache.Stats) int64 { return s.Misses },
		"bypassed": func(s cache.Stats) int64 { return s.Bypassed },
	} {
		m.CounterFunc("conduit_cache_"+name+"_total", "Cache key lookups: "+name+" (bypassed: Redis was down, the database answered).",
			func() float64 { return float64(stat(c.Stats())) })
	}
}

// readiness reports whether the database answers, accepts writes and is
// fully migrated. A
// cache that does not answer is "degraded" but not a reason to take the
// instance out of service: reads go to the database meanwhile.
func readiness(db *store.DB, c *cache.Cache) func(ctx context.Context) (map[string]string, error) {
	return func(ctx context.Context) (map[string]string, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		state := map[string]string{"database": "ok", "migrations": "ok"}
		if c != nil {
			state["cache"] = c.State(ctx)
		}
		if err := db.Ping(ctx); err != nil {
			state["database"] = "unavailable"
			return state, errors.New("database does not answer")
		}
		if n, err := db.PendingMigrations(ctx); err != nil || n > 0 {
			state["migrations"] = "pending"
			return state, errors.New("migrations are not applied")
		}
		if err := db.Writable(ctx); err != nil {
			state["database"] = "refuses writes"
			return state, fmt.Errorf("database refuses writes: %w", err)
		}
		return state, nil
	}
}

// redisLogger sends go-redis's own log lines to slog at debug level.
type redisLogger struct{ log *slog.Logger }

// Printf logs one go-redis line at debug level.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "redis")
}
