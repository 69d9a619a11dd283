package tracing_test

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/app"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/conduit-graphql/conduit/internal/tracing"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// collector stands in for an OpenTelemetry collector: it takes OTLP/HTTP
// exports (protobuf) and keeps their spans.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "not an OTLP/HTTP trace export", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				c.spans = append(c.spans, ss.GetSpans()...)
			}
		}
		c.mu.Unlock()
		b, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(b)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *collector) received() []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*tracepb.Span(nil), c.spans...)
}

func TestTracing_SpansReachTheCollector(t *testing.T) {
	col := newCollector(t)
	// The OTLP exporter reads the variables of the process itself.
	t.Setenv(tracing.EnvEndpoint, col.URL)
	t.Setenv("OTEL_SERVICE_NAME", "conduit-test")
	ctx := context.Background()
	tr, err := tracing.New(ctx, os.Getenv, "test")
	require.NoError(t, err)
	require.NotNil(t, tr)
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })

	db, err := store.Open(ctx, testenv.Postgres(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(ctx))
	db.AddQueryHook(tr.QueryHook())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := app.Deps{DB: db, Stopping: make(chan struct{}), Tracing: tr}
	closeShared, err := d.Share(ctx, testenv.Redis(t), log)
	require.NoError(t, err)
	t.Cleanup(closeShared)
	api := &apitest.API{Handler: app.NewHandler(apitest.Config(), d, log), DB: db, Stopping: d.Stopping}
	require.NoError(t, tr.ForceFlush(ctx))
	before := len(col.received()) // the migrations' statements

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req := apitest.NewGraphQLRequest(t, `query Tags { popularTags { name } }`)
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	resp := api.Send(t, req)
	require.Empty(t, resp.Errors)
	require.NoError(t, tr.ForceFlush(ctx))

	spans := col.received()[before:]
	byName := map[string]*tracepb.Span{}
	var sql []*tracepb.Span
	var names []string
	for _, s := range spans {
		names = append(names, s.GetName())
		if hex.EncodeToString(s.GetTraceId()) != traceID {
			continue // the Redis client's own dials and pings
		}
		byName[s.GetName()] = s
		if s.GetKind() == tracepb.Span_SPAN_KIND_CLIENT && strings.HasPrefix(s.GetName(), "SELECT") {
			sql = append(sql, s)
		}
	}
	httpSpan, op, field := byName["POST /graphql"], byName["query Tags"], byName["Query.popularTags"]
	require.NotNil(t, httpSpan, "HTTP span in the incoming trace, among %q", names)
	require.NotNil(t, op, "operation span among %q", names)
	require.NotNil(t, field, "resolver span among %q", names)
	require.NotEmpty(t, sql, "SQL span among %q", names)
	require.Equal(t, parentID, hex.EncodeToString(httpSpan.GetParentSpanId()), "the HTTP span continues the caller's span")
	require.Equal(t, tracepb.Span_SPAN_KIND_SERVER, httpSpan.GetKind())
	require.Equal(t, httpSpan.GetSpanId(), op.GetParentSpanId(), "the operation is inside the HTTP request")
	require.Equal(t, op.GetSpanId(), field.GetParentSpanId(), "the resolver is inside the operation")
	inResolver := 0
	for _, s := range sql {
		if string(s.GetParentSpanId()) == string(field.GetSpanId()) {
			inResolver++
		}
	}
	require.NotZero(t, inResolver, "the SQL statement is inside the resolver")
	// The read-through cache asked Redis first.
	require.NotNil(t, byName["mget"], "Redis span among %q", names)
	require.Equal(t, field.GetSpanId(), byName["mget"].GetParentSpanId(), "the Redis read is inside the resolver")

	// The response names the server's span, so a client can find the trace.
	require.Equal(t, "00-"+traceID+"-"+hex.EncodeToString(httpSpan.GetSpanId())+"-01", resp.Header.Get("traceresponse"))
}

func TestTracing_OffWithoutEndpoint(t *testing.T) {
	t.Setenv(tracing.EnvEndpoint, "")
	t.Setenv(tracing.EnvTracesEndpoint, "")
	tr, err := tracing.New(context.Background(), os.Getenv, "test")
	require.NoError(t, err)
	require.Nil(t, tr, "no tracer provider without an endpoint")
	_, isSDK := otel.GetTracerProvider().(*sdktrace.TracerProvider)
	require.False(t, isSDK, "no tracer provider is installed")

	// Nor does a request carry a trace through: nothing answers with one.
	api := apitest.New(t, testenv.SQLite(t))
	req := apitest.NewGraphQLRequest(t, `{ popularTags { name } }`)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp := api.Send(t, req)
	require.Empty(t, resp.Errors)
	require.Empty(t, resp.Header.Get("traceresponse"))
	require.Empty(t, resp.Header.Get("traceparent"))

	// OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none win over an endpoint.
	for _, off := range []map[string]string{{"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}} {
		off[tracing.EnvEndpoint] = "http://collector:4318"
		require.False(t, tracing.Enabled(func(k string) string { return off[k] }), "%v", off)
	}
	require.True(t, tracing.Enabled(func(k string) string {
		return map[string]string{tracing.EnvTracesEndpoint: "http://collector:4318/v1/traces"}[k]
	}))
}
