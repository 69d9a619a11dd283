package tracing

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// GraphQL returns the gqlgen extension (srv.Use) that makes a span of each
// operation and, below it, of each field that a resolver computes. Fields
// that only read a struct field make none: they would be most of the
// spans and tell nothing.
func (t *Tracing) GraphQL() graphql.HandlerExtension { return graphQLTracer{t: t.tracer} }

type graphQLTracer struct{ t trace.Tracer }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.FieldInterceptor
} = graphQLTracer{}

// ExtensionName names the extension.
func (graphQLTracer) ExtensionName() string { return "ConduitTracing" }

// Validate accepts any schema.
func (graphQLTracer) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation spans the operation until its last response: a query
// or mutation's one response, a subscription's end.
func (g graphQLTracer) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	typ := string(opCtx.Operation.Operation)
	name := typ
	if opCtx.OperationName != "" {
		name = typ + " " + opCtx.OperationName
	} else if opCtx.Operation.Name != "" {
		name = typ + " " + opCtx.Operation.Name
	}
	ctx, span := g.t.Start(ctx, name, trace.WithAttributes(
		attribute.String("graphql.operation.type", typ),
		attribute.String("graphql.operation.name", opCtx.Operation.Name),
	))
	responses := next(ctx)
	ended := false
	return func(rctx context.Context) *graphql.Response {
		// The resolvers of a response run under the operation's span.
		resp := responses(trace.ContextWithSpan(rctx, span))
		if ended {
			return resp
		}
		if resp != nil && len(resp.Errors) > 0 {
			span.SetStatus(codes.Error, resp.Errors[0].Message)
		}
		if resp == nil || resp.HasNext == nil || !*resp.HasNext {
			if opCtx.Operation.Operation != "subscription" || resp == nil {
				ended = true
				span.End()
			}
		}
		return resp
	}
}

// InterceptField spans a field that a resolver computes.
func (g graphQLTracer) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver {
		return next(ctx)
	}
	ctx, span := g.t.Start(ctx, fc.Object+"."+fc.Field.Name, trace.WithAttributes(
		attribute.String("graphql.field.path", fc.Path().String()),
	))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return res, err
}
