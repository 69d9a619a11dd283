// Package tracing exports OpenTelemetry spans over OTLP/HTTP: from the HTTP
// request through the GraphQL operation and its resolvers to SQL and Redis.
//
// It is off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Off, New returns nil and the
// server adds no middleware, hook or extension at all: a request pays for
// tracing only with the nil checks made once, when the server is built.
//
// It instruments the handlers and clients it is handed, and knows none of
// the packages that made them.
//
// Never imports: internal, resolvers, graph, models.
package tracing

import (
	"context"
	"errors"
	"net/http"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Environment variables that turn tracing on; the exporter and the SDK
// read the other OTEL_* variables themselves (headers, timeout, sampler,
// resource attributes, service name).
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envServiceName    = "OTEL_SERVICE_NAME"
	envSDKDisabled    = "OTEL_SDK_DISABLED"
	envTracesExporter = "OTEL_TRACES_EXPORTER"
)

// DefaultServiceName is service.name when OTEL_SERVICE_NAME does not say.
const DefaultServiceName = "conduit"

// HeaderTraceResponse is the response header that names the server's span
// (W3C Trace Context Level 2): 00-<trace id>-<span id>-<flags>.
const HeaderTraceResponse = "traceresponse"

// Tracing is the tracer provider and the propagator of a traced server.
// A nil *Tracing is tracing off. Each instrumentation is handed them: the
// OpenTelemetry globals stay as they are.
type Tracing struct {
	provider   *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
	tracer     trace.Tracer
}

// Enabled reports whether getenv names an OTLP endpoint, and neither
// OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none turns tracing off.
func Enabled(getenv func(string) string) bool {
	if getenv(envSDKDisabled) == "true" || getenv(envTracesExporter) == "none" {
		return false
	}
	return getenv(EnvEndpoint) != "" || getenv(EnvTracesEndpoint) != ""
}

// New starts exporting spans when getenv names an OTLP endpoint; otherwise
// it returns nil, nil. version is the service.version attribute.
func New(ctx context.Context, getenv func(string) string, version string) (*Tracing, error) {
	if !Enabled(getenv) {
		return nil, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, errors.New("tracing: " + err.Error())
	}
	name := getenv(envServiceName)
	if name == "" {
		name = DefaultServiceName
	}
	// WithFromEnv comes last: OTEL_RESOURCE_ATTRIBUTES may say more.
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(name), semconv.ServiceVersion(version)),
		resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithHost())
	if err != nil && res == nil {
		return nil, errors.New("tracing: " + err.Error())
	}
	// With no WithSampler, the SDK reads OTEL_TRACES_SAMPLER and
	// OTEL_TRACES_SAMPLER_ARG (default: parentbased_always_on).
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{
		provider:   tp,
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
		tracer:     tp.Tracer(instrumentation),
	}, nil
}

// instrumentation names the tracer of Conduit's own spans.
const instrumentation = "github.com/conduit-graphql/conduit"

// Provider returns the tracer provider.
func (t *Tracing) Provider() trace.TracerProvider { return t.provider }

// ForceFlush exports the spans that have ended.
func (t *Tracing) ForceFlush(ctx context.Context) error { return t.provider.ForceFlush(ctx) }

// Shutdown exports what is left and stops exporting.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

// Handler wraps h with a server span per request: it continues the trace
// of an incoming traceparent header and answers with a traceresponse
// header that names the span.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sc := trace.SpanContextFromContext(r.Context()); sc.IsValid() {
			w.Header().Set(HeaderTraceResponse, "00-"+sc.TraceID().String()+"-"+sc.SpanID().String()+"-"+sc.TraceFlags().String())
		}
		h.ServeHTTP(w, r)
	})
	return otelhttp.NewHandler(inner, "conduit",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(t.propagator),
		// otelhttp's metrics go to the global meter provider, a no-op:
		// Prometheus at /metrics counts requests already.
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
	)
}

// QueryHook returns the bun hook that makes a span of each SQL statement.
func (t *Tracing) QueryHook() bun.QueryHook {
	return bunotel.NewQueryHook(bunotel.WithTracerProvider(t.provider), bunotel.WithFormattedQueries(false))
}

// Redis makes spans of rdb's commands.
func (t *Tracing) Redis(rdb redis.UniversalClient) error {
	return redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(t.provider), redisotel.WithDBStatement(false))
}
