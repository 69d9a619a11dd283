// Package metrics is what Conduit tells Prometheus: HTTP requests and open
// streams, GraphQL operations and error codes, values that other packages
// count themselves (SQL statements, …), and the Go runtime and process.
//
// Every metric lives in a registry of its own, not in client_golang's global
// default registry: two servers in one test binary then never collide, and
// nothing registers behind the service's back (no init() registration).
//
// Labels take values from small fixed sets only. A label value that a client
// can choose (a URL path, a method token, an error code an extension made up)
// would let any client grow the series without bound and exhaust the memory
// of the service and of Prometheus. Operation and client names, which
// clients choose, are bounded instead: the first names seen are labels,
// later ones "other" (see names.go).
//
// Other packages hand it what they count; it reaches into none of them.
//
// Never imports: internal/store, internal/cache, internal/pubsub,
// internal/loaders, internal/httpapi, internal/auth, resolvers, graph,
// models.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace starts every metric name that Conduit defines itself.
const namespace = "conduit"

// Metrics holds Conduit's registry and the metrics that its HTTP middleware
// and GraphQL extension record. Its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	streamsOpen  *prometheus.GaugeVec

	operations *prometheus.CounterVec
	opDuration *prometheus.HistogramVec
	errors     *prometheus.CounterVec

	// opNames and clients bound the operation and client labels.
	opNames, clients *nameSet
}

// New returns Metrics with a fresh registry that already holds the Go
// runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		opNames: newNameSet(MaxOperationNames, SaneOperationName, LabelAnonymous),
		clients: newNameSet(MaxClientNames, SaneClientName, LabelNone),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route and status code. Streams count when they end.",
		}, []string{"method", "path", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method and route; websockets and event streams are left out.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "path"}),
		streamsOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "streams_open",
			Help: "Long-lived requests open now, by kind (websocket, sse).",
		}, []string{"kind"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "graphql", Name: "operations_total",
			Help: "GraphQL operations executed, by type (query, mutation, subscription), operation name (the first 100 names; later ones are \"other\", an unnamed one \"anonymous\") and client (apollographql-client-name: the first 20; \"none\" without one).",
		}, []string{"type", "operation", "client"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "graphql", Name: "operation_duration_seconds",
			Help:    "Time from the start of a GraphQL query or mutation to its last response, by type and operation name (as in conduit_graphql_operations_total); subscriptions are left out.",
			Buckets: prometheus.DefBuckets,
		}, []string{"type", "operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "graphql", Name: "errors_total",
			Help: "Errors in GraphQL responses, by extensions.code (OTHER for a missing or unknown code).",
		}, []string{"code"}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.httpRequests, m.httpDuration, m.streamsOpen,
		m.operations, m.opDuration, m.errors,
	)
	// Series that exist from the start let rate() and alerts see the first
	// increase, and show a dashboard zero instead of "no data".
	for _, kind := range []string{StreamWebsocket, StreamSSE} {
		m.streamsOpen.WithLabelValues(kind)
	}
	for _, t := range operationTypes {
		m.operations.WithLabelValues(t, LabelAnonymous, LabelNone)
	}
	for code := range knownCodes {
		m.errors.WithLabelValues(code)
	}
	m.errors.WithLabelValues(codeOther)
	return m
}

// Handler serves every metric of the registry in the Prometheus text
// format (or in another format that the scraper asks for).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		// One failing collector should cost its own series, not the scrape.
		ErrorHandling: promhttp.ContinueOnError,
		// Scrape errors are counted in promhttp_metric_handler_errors_total.
		Registry: m.reg,
	})
}

// CounterFunc registers a counter whose value fn reports at each scrape,
// for totals that another package keeps anyway (SQL statements run): the
// value is read when asked for instead of being copied on every change. fn
// must never decrease and must be safe to call from any goroutine. It
// panics when name is invalid or already registered: a programming error.
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, fn))
}

// GaugeFunc registers a gauge whose value fn reports at each scrape, for
// states that another package knows (subscribers, cache up or not). fn must
// be quick and safe to call from any goroutine. It panics when name is
// invalid or already registered: a programming error.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
}

// Register adds a collector of another package (for example
// collectors.NewDBStatsCollector for a *sql.DB's pool) to the registry.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.reg.Register(c)
}
