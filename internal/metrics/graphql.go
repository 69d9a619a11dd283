package metrics

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// codeOther is the code label of an error without extensions.code or with
// a code outside knownCodes.
const codeOther = "OTHER"

// knownCodes are the extensions.code values of the API (API.md, Errors),
// and so the code label's values besides "OTHER".
var knownCodes = map[string]bool{
	conduit.EUNAUTHENTICATED:      true,
	conduit.EFORBIDDEN:            true,
	conduit.ENOTFOUND:             true,
	conduit.EINVALID:              true,
	conduit.EINTERNAL:             true,
	"GRAPHQL_PARSE_FAILED":        true,
	"GRAPHQL_VALIDATION_FAILED":   true,
	"QUERY_TOO_COMPLEX":           true,
	"PERSISTED_QUERY_NOT_FOUND":   true,
	"PERSISTED_QUERY_NOT_ALLOWED": true,
	"RATE_LIMITED":                true,
}

var operationTypes = []string{string(ast.Query), string(ast.Mutation), string(ast.Subscription)}

// statsKey marks, in an operation's graphql.Stats, an operation whose
// responses the operation interceptor counts.
const statsKey = "conduit.metrics"

// GraphQL returns the gqlgen extension (srv.Use) that counts operations by
// type, times queries and mutations, and counts the errors of every
// response by code. Operations are counted by name and client name too,
// within bounds: clients choose names freely.
func (m *Metrics) GraphQL() graphql.HandlerExtension { return graphQLExtension{m: m} }

type graphQLExtension struct{ m *Metrics }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = graphQLExtension{}

// ExtensionName names the extension.
func (graphQLExtension) ExtensionName() string { return "ConduitMetrics" }

// Validate accepts any schema.
func (graphQLExtension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation counts the operation and wraps its responses. The
// wrapper, not InterceptResponse, counts their errors: gqlgen answers
// errors that the schema raises before the first response (a subscription
// that is refused) with a response that skips the response interceptors.
func (e graphQLExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	typ := string(opCtx.Operation.Operation)
	opCtx.Stats.SetExtension(statsKey, true)
	name := e.m.opNames.label(opCtx.Operation.Name)
	e.m.operations.WithLabelValues(typ, name, e.m.clients.label(opCtx.Headers.Get(ClientHeader))).Inc()
	// The transport started the clock when the request (or, on a websocket,
	// the operation's message) came in, so reading and parsing count too.
	start := opCtx.Stats.OperationStart
	if start.IsZero() {
		start = time.Now()
	}
	// A subscription lasts as long as its client stays: it is never timed.
	timed := typ == string(ast.Subscription)
	responses := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp != nil {
			e.m.countErrors(resp.Errors)
		}
		// The last response of an incremental (@defer) result says it has
		// no next; nil ends a stream.
		if !timed && (resp == nil || resp.HasNext == nil || !*resp.HasNext) {
			timed = true
			e.m.opDuration.WithLabelValues(typ, name).Observe(time.Since(start).Seconds())
		}
		return resp
	}
}

// InterceptResponse counts the errors of responses to requests that never
// became an operation: a document that does not parse or validate, a
// persisted query miss, a limit exceeded. Those pass through the response
// interceptors only.
func (e graphQLExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	counted := false
	if graphql.HasOperationContext(ctx) {
		counted, _ = graphql.GetOperationContext(ctx).Stats.GetExtension(statsKey).(bool)
	}
	if !counted {
		e.m.countErrors(resp.Errors)
	}
	return resp
}

func (m *Metrics) countErrors(errs gqlerror.List) {
	for _, err := range errs {
		code, _ := err.Extensions["code"].(string)
		if !knownCodes[code] {
			code = codeOther
		}
		m.errors.WithLabelValues(code).Inc()
	}
}
