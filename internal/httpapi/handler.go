// Package httpapi is Conduit's HTTP surface: the GraphQL endpoint with its
// transports and limits, the playground, health checks and the middleware
// every request passes through, and the serving around them: the socket
// (Listen, its own or one a service manager passed) and the graceful stop
// that drains it (ServeUntil).
//
// It owns HTTP: what it needs of the rest of the service (the schema, the
// token check, the loaders, readiness) comes in Options, so it names no
// implementation.
//
// Never imports: internal/store, internal/cache, internal/pubsub,
// internal/loaders, internal/auth, internal/cli, resolvers, graph, models,
// github.com/uptrace/bun, github.com/redis/go-redis/v9.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/metrics"
)

// Limits on what one request may ask for.
type Limits struct {
	BodyBytes int64 // request body size
	// BodyTimeout is how long a request body may take to arrive.
	BodyTimeout time.Duration
	Tokens      int // lexical tokens of a document (gqlparser's limit)
	Complexity  int // weighted fields; connections count first × children
	Depth       int // nesting of selection sets
	Aliases     int // aliased fields
	Fields      int // fields of a document, fragments expanded; introspection counts extra
	// SubscriptionComplexity is the complexity limit of a subscription,
	// whose selection is resolved again for every event: tighter than
	// Complexity, which still applies when it is lower.
	SubscriptionComplexity int
	// SubscriptionsPerSocket caps the operations in progress on one
	// websocket (subscriptions, mostly); 0 is no cap.
	SubscriptionsPerSocket int
	// StreamsPerClient caps the websockets and event streams one client
	// (as the rate limit names it) holds open at once; 0 is no cap.
	StreamsPerClient int
}

// DefaultLimits are the limits when none are configured.
var DefaultLimits = Limits{BodyBytes: 1 << 20, BodyTimeout: 30 * time.Second, Tokens: 10_000, Complexity: 20_000, Depth: 12, Aliases: 30, Fields: 1000,
	SubscriptionComplexity: 200, SubscriptionsPerSocket: 100, StreamsPerClient: 20}

// DefaultRateLimit is generous for one person's browser and app, and stops
// a script that hammers the API from one address.
var DefaultRateLimit = RateLimit{PerSecond: 50, Burst: 100}

// Options configure the handler.
type Options struct {
	Schema     graphql.ExecutableSchema
	Limits     Limits
	RateLimit  RateLimit
	Playground bool
	// Introspection allows __schema and __type and lets validation errors
	// suggest names ("Did you mean …?"). Off, both are refused: the schema
	// is not published to whoever asks.
	Introspection bool
	// Trusted, when not nil, is the only set of documents the server runs;
	// automatic persisted queries are off then.
	Trusted *TrustedDocuments
	// CORSOrigins lists the origins that browsers may call from; "*" for any.
	CORSOrigins []string
	// CORSAllowHeaders lists the request headers browsers on those origins
	// may send; nil for DefaultCORSAllowHeaders.
	CORSAllowHeaders []string
	// Authenticate puts the viewer named by an Authorization value into ctx.
	Authenticate func(ctx context.Context, authorization string) (context.Context, error)
	// PerResponse prepares the context of each GraphQL response (loaders):
	// once for a query or mutation, once per event of a subscription. The
	// context it is given already holds the operation's viewer
	// (conduit.NewContextWithOperationViewer).
	PerResponse func(ctx context.Context) context.Context
	// PerSubscription, when not nil, prepares the context of a
	// subscription once, before it starts (the loaders its events share).
	PerSubscription func(ctx context.Context) context.Context
	// Recheck checks again the credential of ctx's viewer, which a
	// websocket or event stream keeps long after its request began: an
	// error ends the stream (see forbidStream). Nil checks nothing.
	Recheck func(ctx context.Context) error
	// WebsocketInit checks the credential of a websocket's connection_init.
	WebsocketInit transport.WebsocketInitFunc
	// Stopping is closed when the server starts to stop; websockets and
	// event streams then end (websockets with close code 1012).
	Stopping       <-chan struct{}
	ErrorPresenter graphql.ErrorPresenterFunc
	Recover        graphql.RecoverFunc
	// Metrics, when not nil, records requests and GraphQL operations and is
	// served at /metrics.
	Metrics *metrics.Metrics
	// Ready reports each dependency's state for /readyz; an error means not ready.
	Ready  func(ctx context.Context) (map[string]string, error)
	Logger *slog.Logger
	// Incremental marks the context of an operation delivered incrementally
	// (multipart/mixed), so that the executor defers its @defer'd fields
	// (graph.WithIncrementalDelivery). Nil: @defer'd fields always resolve
	// in place.
	Incremental func(context.Context) context.Context
	// ResponseCache, when not nil, answers repeated queries until the next
	// commit.
	ResponseCache *ResponseCache
	// PublicMaxAge is how long caches may keep the answer to a public GET
	// query (anonymous, selecting no field that depends on the viewer);
	// under a second, GET answers carry no Cache-Control or ETag.
	PublicMaxAge time.Duration
	// Extensions are added to the GraphQL server before Conduit's own
	// (tracing), so that they see every operation first.
	Extensions []graphql.HandlerExtension
	// AccessLog, when not nil, logs each request instead of Logger.
	AccessLog func(method, path string, status int, d time.Duration, requestID, operation, client string)
}

// New returns the HTTP handler of the whole service.
func New(o Options) http.Handler {
	mux := http.NewServeMux()
	// One set of buckets for requests and for the operations of websockets.
	var rate *limiters
	if o.RateLimit.PerSecond > 0 {
		rate = newLimiters(o.RateLimit)
	}
	ipHeader := o.RateLimit.ClientIPHeader
	streams := newStreamCap(o.Limits.StreamsPerClient, ipHeader)
	// What /graphql does to a request, in order. The rate limits come
	// before the body is read, so a flood costs little; the cheap one per
	// address also comes before the token check, which reads the database.
	mux.Handle("/graphql", chain(graphQLMethods(newGraphQL(o, rate, streams)),
		withStreamStop(o.Stopping),       // streams end when the server stops
		withClientIP(ipHeader, o.Logger), // the address, for limits below HTTP
		withAddressLimit(rate),           // per address, before any database read
		withAuth(o.Authenticate),         // the viewer, from the token
		withViewerLimit(rate),            // per user, for signed-in requests
		streams.middleware(),             // websockets and event streams per client
		withBodyLimit(o.Limits.BodyBytes),
		withResponseCache(o.ResponseCache, o.Stopping),
	))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /readyz", readiness(o.Ready))
	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics.Handler())
	}
	if o.Playground {
		// "/" and not "GET /": the latter conflicts with "/graphql"; the
		// playground answers 405 to other methods itself.
		mux.Handle("/", Playground())
	}
	// What every request goes through, in order.
	return chain(mux,
		withBodyTimeout(o.Limits.BodyTimeout), // first, so that it sees the connection's own writer
		withRequestID,
		withAccessLog(o.Logger, o.AccessLog),
		withMetrics(o.Metrics), // outside recover, so a recovered panic counts as the 500 the client gets
		withRecover(o.Logger),
		withCORS(o.CORSOrigins, o.CORSAllowHeaders),
	)
}

// middleware is one step of the way to a handler.
type middleware func(http.Handler) http.Handler

// chain wraps h in middlewares so that the first one listed sees a request
// first: the list reads in the order that requests take.
func chain(h http.Handler, middlewares ...middleware) http.Handler {
	for i := len(middlewares) - 1; i >= 0; i-- {
		h = middlewares[i](h)
	}
	return h
}

// withMetrics records requests and open streams (as streamOf tells them)
// in m; m nil records nothing.
func withMetrics(m *metrics.Metrics) middleware {
	return func(next http.Handler) http.Handler {
		if m == nil {
			return next
		}
		return m.MiddlewareStreams(next, streamLabel)
	}
}

// newGraphQL builds gqlgen's server with Conduit's transports and limits.
// rate, when not nil, counts each operation a websocket starts.
func newGraphQL(o Options, rate *limiters, streams *streamCap) *handler.Server {
	srv := handler.New(o.Schema)
	srv.AddTransport(websocketTransport(o, rate))
	stream := streamTransport{transport.SSE{KeepAlivePingInterval: wsKeepAlive}}
	srv.AddTransport(stream)
	srv.AddTransport(incrementalTransport{mark: o.Incremental})
	srv.AddTransport(httpTransport{stream: stream, streams: streams, stopping: o.Stopping, cacheControl: publicCacheControl(o.PublicMaxAge)})
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	srv.SetParserTokenLimit(o.Limits.Tokens)
	for _, ext := range o.Extensions {
		srv.Use(ext)
	}
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
		srv.SetValidationRulesFn(closedRules)
	}
	if o.Trusted != nil {
		srv.Use(o.Trusted)
	} else {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	}
	// After the persisted queries, which fill in the document to measure.
	srv.Use(documentLimit{Limits: o.Limits, cache: queries})
	srv.Use(complexityLimit(o.Limits))
	srv.Use(nulArguments{})
	if o.Metrics != nil {
		srv.Use(o.Metrics.GraphQL())
	}
	if o.ResponseCache != nil {
		srv.Use(responseCacheExtension{})
	}
	present := withLimitCodes(withClientTerms(o.ErrorPresenter))
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(o.Recover)
	if o.PerSubscription != nil {
		srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			if isSubscription(ctx) {
				ctx = o.PerSubscription(ctx)
			}
			return next(ctx)
		})
	}
	if o.Recheck != nil {
		// A stream's token is checked as each operation starts, so that one
		// revoked or expired runs nothing more (updateViewer on it would
		// hand out a fresh token), and the stream ends.
		srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			if inStream(ctx) {
				if err := o.Recheck(ctx); err != nil {
					forbidStream(ctx)
					return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{present(ctx, err)}})
				}
			}
			return next(ctx)
		})
	}
	// Loaders, and the holder of who signs in during the operation, are
	// made per response, not per HTTP request: a websocket carries many
	// operations on one request context, and a subscription must see each
	// event's data fresh, not what its first event cached.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(o.PerResponse(conduit.NewContextWithOperationViewer(ctx)))
		// A subscription's event is delivered only while its token counts:
		// the check is after next, which waits for the event.
		if resp != nil && o.Recheck != nil && inStream(ctx) && isSubscription(ctx) {
			if err := o.Recheck(ctx); err != nil {
				forbidStream(ctx)
				return nil
			}
		}
		return resp
	})
	return srv
}

// isSubscription tells whether ctx's operation is a subscription.
func isSubscription(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Subscription
}

// graphQLMethods answers what the GraphQL transports don't take: other
// methods (405) and POST bodies that aren't JSON (415).
func graphQLMethods(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
		case http.MethodPost:
			if !isJSONMedia(r.Header.Get("Content-Type")) {
				writeJSONError(w, http.StatusUnsupportedMediaType, codeParseFailed, "Send the request body as application/json.")
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeJSONError(w, http.StatusMethodNotAllowed, codeParseFailed, "Use GET (queries) or POST.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// isJSONMedia reports whether a Content-Type names application/json, with
// or without parameters (charset): what mime.ParseMediaType would say,
// without the map of parameters it makes for every request.
func isJSONMedia(contentType string) bool {
	media, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(media), mediaJSON)
}

// readiness answers 200 when every dependency is usable, else 503 with why.
func readiness(ready func(ctx context.Context) (map[string]string, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		state, err := ready(r.Context())
		if state == nil {
			state = map[string]string{}
		}
		if err != nil {
			state["status"], state["reason"] = "unavailable", err.Error()
			writeJSON(w, http.StatusServiceUnavailable, state)
			return
		}
		state["status"] = "ok"
		writeJSON(w, http.StatusOK, state)
	})
}

func writeJSON(w http.ResponseWriter, status int, v map[string]string) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	b, _ := json.Marshal(v)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
