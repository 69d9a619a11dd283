// Command conduit is the Conduit GraphQL backend: one binary that serves the
// API on SQLite, or on PostgreSQL (and Redis) when one machine is not enough.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/conduit-graphql/conduit/graph"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

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

// execgen is gqlgen's generate with serial execution below the root fields;
// internal/execgen says why.
//go:generate go run ./internal/execgen

//go:embed schema.graphqls
var schemaSDL string

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "conduit:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stderr, cli.Usage)
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return cli.Migrate(ctx, args, getenv, stdout, stderr)
	case "seed":
		return cli.Seed(ctx, args, getenv, stdout, stderr)
	case "backup":
		return cli.Backup(ctx, args, getenv, stdout, stderr)
	case "schema":
		return cli.Schema(args, stdout, stderr, schemaSDL)
	case "version":
		return cli.Version(args, stdout, stderr, buildVersion())
	case "help":
		fmt.Fprint(stdout, cli.Usage)
		return nil
	}
	fmt.Fprint(stderr, cli.Usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// logFlushInterval is how long an info line (the access log) may wait in
// the log's buffer; warnings and errors are written at once.
const logFlushInterval = 200 * time.Millisecond

// newLogger logs to w in format, buffered: a line per request must not
// cost a write system call per request. access writes the access log to the
// same buffer; close flushes what is left.
func newLogger(format string, w io.Writer) (log *slog.Logger, access logbuf.AccessFunc, close func()) {
	b := logbuf.New(w, logFlushInterval)
	var h slog.Handler = slog.NewTextHandler(b, nil)
	if format == "json" {
		h = slog.NewJSONHandler(b, nil)
	}
	return slog.New(logbuf.Handler(h, b)), logbuf.Access(b, format), func() { _ = b.Close() }
}

// serve runs the API until ctx ends, then stops gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := cli.ParseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log, access, closeLog := newLogger(cfg.LogFormat, stderr)
	defer closeLog()
	tuneGC(getenv)
	if cfg.JWTSecret == "" {
		log.Warn("no CONDUIT_JWT_SECRET set: signing tokens with the development secret")
		cfg.JWTSecret = cli.DevSecret
	}

	tr, err := tracing.New(ctx, getenv, buildVersion())
	if err != nil {
		return err
	}
	if tr != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tr.Shutdown(sctx); err != nil {
				log.Warn("tracing: spans left unexported", "error", err)
			}
		}()
		log.Info("tracing: exporting spans over OTLP/HTTP")
	}

	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if tr != nil {
		db.AddQueryHook(tr.QueryHook())
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if cfg.Env == cli.EnvDevelopment {
		if err := cli.SeedDemo(ctx, db, log); err != nil {
			return err
		}
	}
	d := deps{db: db, stopping: make(chan struct{}), accessLog: access, tracing: tr}
	closeShared, err := d.share(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer closeShared()
	ln, inherited, err := httpapi.Listen(cfg.Addr, getenv)
	if err != nil {
		return err
	}
	if inherited {
		log.Info("serving on the socket passed by the service manager", "addr", ln.Addr().String())
	}
	handler := newHandler(cfg, d, log)
	// Starting (migrations, the demo seed, the 19 MiB of the sign-in's dummy
	// password hash) leaves garbage that a collector tuned for serving would
	// keep until the heap is five times larger: give it back now.
	debug.FreeOSMemory()
	fmt.Fprintf(stdout, "Conduit %s listening on http://%s (GraphQL at /graphql%s), database %s\n",
		buildVersion(), displayAddr(ln.Addr()), playgroundNote(cfg.Playground), db.Dialect())
	return httpapi.ServeUntil(ctx, handler, ln, d.stopping, cfg.ShutdownTimeout, log)
}

// Garbage collector defaults for serving, each used only when its
// variable is not set. A request allocates a few hundred kilobytes that
// are garbage once it is answered; at Go's default GOGC=100 the collector
// took about a tenth of the CPU in the benchmarks' profiles. 400 lets the
// heap grow to five times what is live (tens of megabytes here). The soft
// memory limit makes the collector work harder as the heap nears it: each
// sign-in's password hash leaves 19 MiB of garbage, which GOGC=400 alone
// would let pile up to 270 MB under a burst of sign-ins. Set GOMEMLIMIT
// higher for an instance that holds a lot live (many websockets).
const (
	defaultGOGC       = 400
	defaultGOMEMLIMIT = 128 << 20
)

// tuneGC applies the collector defaults unless GOGC or GOMEMLIMIT is set.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultGOMEMLIMIT)
	}
}

// share sets up what instances share: with a Redis URL, one client, made
// here, for the event hub on Redis and, on PostgreSQL, the read-through
// cache; without, no cache and an in-memory hub. close releases them.
func (d *deps) share(ctx context.Context, redisURL string, log *slog.Logger) (close func(), err error) {
	if redisURL == "" {
		hub := pubsub.NewMemory(pubsub.Options{Logger: log})
		d.events = hub
		return func() { hub.Close() }, nil
	}
	client, err := redisconn.New(redisURL)
	if err != nil {
		return nil, err
	}
	if d.tracing != nil {
		if err := d.tracing.Redis(client); err != nil {
			client.Close()
			return nil, err
		}
	}
	// go-redis logs each failed dial itself; the cache already warns,
	// rate-limited, so the library's lines are for debugging only.
	redis.SetLogger(redisLogger{log})
	d.cache = cache.New(cache.NewRedis(client), cache.Options{Logger: log})
	hub := pubsub.NewRedis(client, pubsub.Options{Logger: log})
	d.events = hub
	if d.db.Dialect() == store.DialectSQLite {
		// SQLite answers a read by primary key in-process, in less time
		// than a round trip to Redis takes, and instances that share
		// data share a PostgreSQL: here Redis carries events only.
		log.Info("events on Redis; reads stay on SQLite, in process", "redis", d.cache.State(ctx))
	} else {
		d.readCache = d.cache
		log.Info("shared cache and events on Redis", "redis", d.cache.State(ctx))
	}
	return func() { hub.Close(); client.Close() }, nil
}

// deps are what the handler is built on: the database, the cache (nil for
// none), the event hub, and a channel closed when the server starts to stop.
type deps struct {
	db *store.DB
	// cache is the shared Redis (nil for none): readiness reports it.
	cache *cache.Cache
	// readCache is the cache that reads go through: cache on PostgreSQL,
	// nil on SQLite (see share).
	readCache *cache.Cache
	events    conduit.EventService
	stopping  chan struct{}
	// accessLog logs each request (nil: through the logger).
	accessLog logbuf.AccessFunc
	// tracing exports spans (nil: tracing off, and nothing traces).
	tracing *tracing.Tracing
}

// newHandler wires the services, cache, events, loaders and resolvers into
// the HTTP handler.
func newHandler(cfg cli.Config, d deps, log *slog.Logger) http.Handler {
	db, c := d.db, d.readCache
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
	articles := pubsub.NewArticleService(cache.NewArticleService(store.NewArticleService(db), c), d.events, log)
	comments := pubsub.NewCommentService(cache.NewCommentService(store.NewCommentService(db), c), d.events, log)
	factory := loaders.NewFactory(loaders.Services{Users: users, Articles: articles})
	res := &resolvers.Resolver{Users: users, Articles: articles, Comments: comments, Events: d.events, Tokens: tokens, Logger: log, Loaders: factory}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: resolvers.Complexity()})
	m := metrics.New()
	responses := responseCache(cfg, db, log)
	observe(m, db, d.cache, responses)
	var extensions []graphql.HandlerExtension
	if d.tracing != nil {
		extensions = append(extensions, d.tracing.GraphQL())
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
		Stopping:         d.stopping,
		ErrorPresenter:   resolvers.ErrorPresenter(log),
		Recover:          resolvers.RecoverFunc(log),
		Ready:            readiness(db, d.cache),
		Metrics:          m,
		Logger:           log,
		AccessLog:        d.accessLog,
		ResponseCache:    responses,
		Incremental:      graph.WithIncrementalDelivery,
		Extensions:       extensions,
		PublicMaxAge:     cfg.PublicMaxAge,
	})
	if d.tracing != nil {
		h = d.tracing.Handler(h)
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

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

func playgroundNote(on bool) string {
	if on {
		return ", playground at /"
	}
	return ""
}
