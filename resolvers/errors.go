package resolvers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// ErrorPresenter returns the function that gives every error its
// extensions.code: domain errors keep theirs, gqlgen's protocol errors keep
// theirs (internal/httpapi names those of its limits), and anything else becomes INTERNAL_SERVER_ERROR with the
// request id, logged with its path and never shown.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var ce *conduit.Error
		if errors.As(err, &ce) {
			present(gqlErr, ce)
			return gqlErr
		}
		if _, ok := gqlErr.Extensions["code"].(string); ok {
			return gqlErr
		}
		if gqlErr.Err == nil && !errors.Is(err, context.Canceled) {
			// gqlgen's own field errors (a null in a non-null field, an input
			// that does not coerce) are about the request, not the server.
			setExt(gqlErr, "code", conduit.EINVALID)
			return gqlErr
		}
		id := conduit.RequestIDFromContext(ctx)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			// The client left (or the server stopped it) while the field
			// ran, and the database was told to stop: nobody reads this
			// answer, and nothing is wrong with the server.
			log.InfoContext(ctx, "request canceled before its answer", "request_id", id, "path", gqlErr.Path.String(), "err", err)
		} else {
			log.ErrorContext(ctx, "internal error", "request_id", id, "path", gqlErr.Path.String(), "err", err)
		}
		gqlErr.Message = fmt.Sprintf("Internal server error (request id %s).", id)
		setExt(gqlErr, "code", conduit.EINTERNAL)
		setExt(gqlErr, "requestId", id)
		return gqlErr
	}
}

func present(gqlErr *gqlerror.Error, ce *conduit.Error) {
	gqlErr.Message = ce.Message
	setExt(gqlErr, "code", ce.Code)
	if len(ce.Fields) > 0 {
		setExt(gqlErr, "fields", ce.Fields)
	}
}

func setExt(e *gqlerror.Error, key string, v any) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[key] = v
}

// RecoverFunc turns a panic in a resolver into an internal error, logging
// the stack; the process keeps serving.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", conduit.RequestIDFromContext(ctx), "panic", p, "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", p)
	}
}
