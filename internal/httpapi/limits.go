package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeQueryTooComplex is the code of an operation over a limit.
const CodeQueryTooComplex = "QUERY_TOO_COMPLEX"

// withLimitCodes gives every limit's error the one code API.md names:
// gqlgen's complexity limit says COMPLEXITY_LIMIT_EXCEEDED, and gqlparser
// reports its token and nesting limits as parse failures.
func withLimitCodes(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		switch code, _ := e.Extensions["code"].(string); {
		case code == "COMPLEXITY_LIMIT_EXCEEDED",
			code == codeParseFailed && (strings.HasPrefix(e.Message, "exceeded token limit") ||
				strings.HasPrefix(e.Message, "exceeded maximum nesting depth")):
			e.Extensions["code"] = CodeQueryTooComplex
		}
		return e
	}
}

// shapeLimit refuses operations nested deeper than Depth or with more than
// Aliases aliases, before they run: both are cheap ways to make a small
// document do a lot of work.
type shapeLimit struct {
	Depth   int
	Aliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

// ExtensionName names the extension.
func (shapeLimit) ExtensionName() string { return "ShapeLimit" }

// Validate accepts any schema.
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext measures the operation that will run.
func (l shapeLimit) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	depth, aliases := measure(opCtx.Operation.SelectionSet, opCtx.Doc.Fragments, 1, map[string]bool{})
	switch {
	case l.Depth > 0 && depth > l.Depth:
		return tooComplex("operation is nested %d levels deep, which exceeds the limit of %d", depth, l.Depth)
	case l.Aliases > 0 && aliases > l.Aliases:
		return tooComplex("operation has %d aliases, which exceeds the limit of %d", aliases, l.Aliases)
	}
	return nil
}

// measure returns the depth of a selection set and how many aliases it holds,
// following fragments (each spread at most once per path, so cycles end).
func measure(set ast.SelectionSet, frags ast.FragmentDefinitionList, level int, seen map[string]bool) (depth, aliases int) {
	depth = level - 1
	for _, sel := range set {
		var d, a int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				// Introspection (__schema, __type) is as deep as the type
				// system, not the data, and tools such as GraphiQL send it on
				// load; it touches no database, so it is left out.
				continue
			}
			if s.Alias != "" && s.Alias != s.Name {
				aliases++
			}
			d, a = measure(s.SelectionSet, frags, level+1, seen)
			d = max(d, level)
		case *ast.InlineFragment:
			d, a = measure(s.SelectionSet, frags, level, seen)
		case *ast.FragmentSpread:
			if f := frags.ForName(s.Name); f != nil && !seen[s.Name] {
				seen[s.Name] = true
				d, a = measure(f.SelectionSet, frags, level, seen)
				delete(seen, s.Name)
			}
		}
		depth, aliases = max(depth, d), aliases+a
	}
	return depth, aliases
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": CodeQueryTooComplex}}
}
