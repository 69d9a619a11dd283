package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/metrics"
)

// testSchema is small enough to execute by hand: hello answers, fail
// answers an error with the code given (none when code is absent), tick
// streams what the test sends, and denied refuses to subscribe.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { hello: String!  fail(code: String): String }
	type Mutation { touch: Boolean! }
	type Subscription { tick: Int!  denied: Int! }
`})

// testAPI is a real gqlgen server with Conduit's transports behind the
// middleware, with the routes of httpapi.New.
type testAPI struct {
	*httptest.Server
	m *metrics.Metrics
	// ticks feeds the tick subscription; closing it ends the subscription.
	ticks chan int
}

func newTestAPI(tb testing.TB) *testAPI {
	tb.Helper()
	api := &testAPI{m: metrics.New(), ticks: make(chan int)}
	srv := handler.New(&graphql.ExecutableSchemaMock{
		ExecFunc:   api.exec,
		SchemaFunc: func() *ast.Schema { return testSchema },
	})
	srv.AddTransport(transport.Websocket{})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(api.m.GraphQL())

	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)
	mux.Handle("GET /metrics", api.m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"status":"ok"}`) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/assets/app.js" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "playground")
	})
	api.Server = httptest.NewServer(api.m.Middleware(mux))
	tb.Cleanup(api.Close)
	return api
}

func (api *testAPI) exec(ctx context.Context) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	field := op.SelectionSet[0].(*ast.Field)
	if op.Operation == ast.Subscription {
		if field.Name == "denied" {
			// As a generated subscription resolver that returns an error
			// does: the error goes into the operation's context.
			graphql.AddError(ctx, codeError("UNAUTHENTICATED"))
			return nil
		}
		return func(ctx context.Context) *graphql.Response {
			select {
			case n, ok := <-api.ticks:
				if !ok {
					return nil
				}
				return &graphql.Response{Data: fmt.Appendf(nil, `{"tick":%d}`, n)}
			case <-ctx.Done():
				return nil
			}
		}
	}
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		switch field.Name {
		case "fail":
			code := ""
			if a := field.Arguments.ForName("code"); a != nil {
				code = a.Value.Raw
			}
			graphql.AddError(ctx, codeError(code))
			return &graphql.Response{Data: []byte(`{"fail":null}`)}
		case "touch":
			return &graphql.Response{Data: []byte(`{"touch":true}`)}
		}
		return &graphql.Response{Data: []byte(`{"hello":"world"}`)}
	}
}

func codeError(code string) *gqlerror.Error {
	err := &gqlerror.Error{Message: "failed"}
	if code != "" {
		err.Extensions = map[string]any{"code": code}
	}
	return err
}

// post sends one GraphQL request and returns its decoded response.
func (api *testAPI) post(tb testing.TB, operationName, query string) map[string]any {
	tb.Helper()
	return api.postAs(tb, "", operationName, query)
}

// postAs is post with an apollographql-client-name ("" for none).
func (api *testAPI) postAs(tb testing.TB, client, operationName, query string) map[string]any {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	require.NoError(tb, err)
	req, err := http.NewRequest(http.MethodPost, api.URL+"/graphql", bytes.NewReader(body))
	require.NoError(tb, err)
	req.Header.Set("Content-Type", "application/json")
	if client != "" {
		req.Header.Set(metrics.ClientHeader, client)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	defer res.Body.Close()
	var out map[string]any
	require.NoError(tb, json.NewDecoder(res.Body).Decode(&out))
	return out
}

func TestGraphQL_OperationsAndErrors(t *testing.T) {
	api := newTestAPI(t)
	require.Equal(t, map[string]any{"hello": "world"}, api.post(t, "", `{ hello }`)["data"])
	api.postAs(t, "web", "HomePage", `query HomePage { hello }`)
	api.post(t, "", `{ fail(code: "FORBIDDEN") }`)
	api.post(t, "", `{ fail(code: "NOT_FOUND") }`)
	api.post(t, "", `{ fail(code: "NOT_FOUND") }`)
	api.post(t, "", `{ fail(code: "SOMETHING_A_RESOLVER_MADE_UP") }`)
	api.post(t, "", `{ fail }`)
	api.post(t, "", `mutation { touch }`)
	// Rejected documents never become operations, but their errors count.
	require.NotEmpty(t, api.post(t, "", `{ nope }`)["errors"])
	require.NotEmpty(t, api.post(t, "", `{`)["errors"])

	fams := scrape(t, api.m.Handler())
	require.Equal(t, 7.0, value(t, fams, "conduit_graphql_operations_total", "type", "query"))
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operations_total", "type", "mutation"))
	require.Equal(t, 0.0, value(t, fams, "conduit_graphql_operations_total", "type", "subscription"))
	require.Equal(t, 7.0, value(t, fams, "conduit_graphql_operation_duration_seconds", "type", "query"))
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operation_duration_seconds", "type", "mutation"))

	errs := "conduit_graphql_errors_total"
	require.Equal(t, 1.0, value(t, fams, errs, "code", "FORBIDDEN"))
	require.Equal(t, 2.0, value(t, fams, errs, "code", "NOT_FOUND"))
	require.Equal(t, 2.0, value(t, fams, errs, "code", "OTHER"), "an unknown code and a missing one")
	require.Equal(t, 1.0, value(t, fams, errs, "code", "GRAPHQL_VALIDATION_FAILED"))
	require.Equal(t, 1.0, value(t, fams, errs, "code", "GRAPHQL_PARSE_FAILED"))
	require.Contains(t, fams, errs)
	require.Equal(t, 0.0, value(t, fams, errs, "code", "UNAUTHENTICATED"))
	require.NotContains(t, labelValues(fams, errs, "code"), "SOMETHING_A_RESOLVER_MADE_UP")

	// Operations by name and client.
	ops := "conduit_graphql_operations_total"
	require.Equal(t, 1.0, value(t, fams, ops, "type", "query", "operation", "HomePage", "client", "web"))
	require.Equal(t, 6.0, value(t, fams, ops, "type", "query", "operation", "anonymous", "client", "none"))
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operation_duration_seconds", "type", "query", "operation", "HomePage"))
}

func TestGraphQL_OperationNamesBounded(t *testing.T) {
	// Clients choose operation and client names freely: 1,000 distinct ones
	// make at most MaxOperationNames+1 (and MaxClientNames+1) label values.
	api := newTestAPI(t)
	const n = 1000
	for i := range n {
		name := fmt.Sprintf("Op%d", i)
		api.postAs(t, fmt.Sprintf("client-%d", i), name, "query "+name+" { hello }")
	}
	// Names that are not sane are "other" even while there is room: a
	// client name with a space, one longer than 64 characters.
	api2 := newTestAPI(t)
	long := strings.Repeat("A", metrics.MaxNameLen+1)
	api2.postAs(t, "evil client", long, "query "+long+" { hello }")
	api2.postAs(t, strings.Repeat("c", metrics.MaxNameLen+1), "Fine", "query Fine { hello }")

	fams := scrape(t, api.m.Handler())
	ops := "conduit_graphql_operations_total"
	opNames := distinct(labelValues(fams, ops, "operation"))
	require.LessOrEqual(t, len(opNames), metrics.MaxOperationNames+1+1, "names, other, and the anonymous series made at start")
	require.Contains(t, opNames, "Op0")
	require.Contains(t, opNames, fmt.Sprintf("Op%d", metrics.MaxOperationNames-1))
	require.NotContains(t, opNames, fmt.Sprintf("Op%d", metrics.MaxOperationNames))
	require.Equal(t, float64(n-metrics.MaxOperationNames), value(t, fams, ops, "operation", "other"))
	require.Equal(t, float64(n), value(t, fams, ops, "type", "query"), "every operation counted")
	durNames := distinct(labelValues(fams, "conduit_graphql_operation_duration_seconds", "operation"))
	require.LessOrEqual(t, len(durNames), metrics.MaxOperationNames+1)
	clients := distinct(labelValues(fams, ops, "client"))
	require.LessOrEqual(t, len(clients), metrics.MaxClientNames+1+1, "names, other, and none")
	require.Equal(t, float64(n-metrics.MaxClientNames), value(t, fams, ops, "client", "other"))

	fams = scrape(t, api2.m.Handler())
	require.Equal(t, 1.0, value(t, fams, ops, "operation", "other", "client", "other"))
	require.Equal(t, 1.0, value(t, fams, ops, "operation", "Fine", "client", "other"))
}

func distinct(vals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func TestGraphQL_RefusedSubscriptionCountedOnce(t *testing.T) {
	// gqlgen answers a subscription refused before its first event with a
	// response that skips the response interceptors: the operation
	// interceptor must count its error, and only it.
	api := newTestAPI(t)
	req, err := http.NewRequest(http.MethodPost, api.URL+"/graphql", bytes.NewReader([]byte(`{"query":"subscription { denied }"}`)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Contains(t, string(body), "UNAUTHENTICATED")

	fams := scrape(t, api.m.Handler())
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_errors_total", "code", "UNAUTHENTICATED"))
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operations_total", "type", "subscription"))
	require.Zero(t, value(t, fams, "conduit_graphql_operation_duration_seconds", "type", "subscription"))
}
