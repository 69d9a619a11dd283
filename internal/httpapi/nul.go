package httpapi

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// nulArguments refuses a root field whose arguments hold a NUL character
// anywhere (a string, an input object's field, a list item), from the
// document or from variables, with BAD_USER_INPUT at that field. No
// username, slug, tag, e-mail or text needs one, and PostgreSQL refuses it
// in text, which turned reads and writes alike into internal errors.
// Fields below the root take only cursors, which models decodes and
// refuses itself.
type nulArguments struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.RootFieldInterceptor
} = nulArguments{}

// ExtensionName names the extension.
func (nulArguments) ExtensionName() string { return "NULArguments" }

// Validate accepts any schema.
func (nulArguments) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptRootField checks the field's arguments before it resolves.
func (nulArguments) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rc := graphql.GetRootFieldContext(ctx)
	if rc == nil || len(rc.Field.Arguments) == 0 {
		return next(ctx)
	}
	args := rc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables)
	for _, name := range slices.Sorted(maps.Keys(args)) {
		if path, ok := findNUL(name, args[name]); ok {
			// The error belongs to this field, as a resolver's would.
			fctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: rc.Field, Object: rc.Object})
			graphql.AddError(fctx, conduit.FieldError(strings.TrimPrefix(path, "input."), "Must not contain a NUL character."))
			return graphql.Null
		}
	}
	return next(ctx)
}

// findNUL returns the path (input.tags.2) of the first string in v that
// holds a NUL character.
func findNUL(path string, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.IndexByte(v, 0) >= 0
	case []any:
		for i, item := range v {
			if p, ok := findNUL(path+"."+strconv.Itoa(i), item); ok {
				return p, true
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if p, ok := findNUL(path+"."+k, v[k]); ok {
				return p, true
			}
		}
	}
	return "", false
}
