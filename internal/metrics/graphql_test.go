package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	body, err := json.Marshal(map[string]any{"query": query, "operationName": operationName})
	require.NoError(tb, err)
	res, err := http.Post(api.URL+"/graphql", "application/json", bytes.NewReader(body))
	require.NoError(tb, err)
	defer res.Body.Close()
	var out map[string]any
	require.NoError(tb, json.NewDecoder(res.Body).Decode(&out))
	return out
}

func TestGraphQL_OperationsAndErrors(t *testing.T) {
	api := newTestAPI(t)
	require.Equal(t, map[string]any{"hello": "world"}, api.post(t, "", `{ hello }`)["data"])
	api.post(t, "SecretClientName", `query SecretClientName { hello }`)
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

	// Client-chosen operation names are no label of any series.
	for name, fam := range fams {
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				require.NotContains(t, l.GetValue(), "SecretClientName", name)
			}
		}
	}
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
