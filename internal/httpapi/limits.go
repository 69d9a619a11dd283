package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
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

// complexityLimit refuses operations over Limits.Complexity, and
// subscriptions over Limits.SubscriptionComplexity too: a subscription's
// selection is resolved for every event, for as long as it lasts.
func complexityLimit(l Limits) *extension.ComplexityLimit {
	return &extension.ComplexityLimit{Func: func(_ context.Context, opCtx *graphql.OperationContext) int {
		op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
		if op != nil && op.Operation == ast.Subscription && l.SubscriptionComplexity > 0 {
			return min(l.Complexity, l.SubscriptionComplexity)
		}
		return l.Complexity
	}}
}

// introspectionCost is what a __schema or __type field counts for beyond
// itself: it walks the type system, whose size does not show in the
// document. graphql-js's introspection query (16.15, every option on)
// counts 521 fields, within the default limit.
const introspectionCost = 50

// documentLimit refuses documents with more fields, aliases or depth than
// Limits allow, on the parsed document and before validation: some of
// gqlparser's rules are quadratic in repeated fields, so a document of
// 10,000 "__typename" takes seconds to validate. A document in gqlgen's
// query cache passed these limits before, so it is not measured again.
type documentLimit struct {
	Limits
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimit{}

// ExtensionName names the extension.
func (documentLimit) ExtensionName() string { return "DocumentLimit" }

// Validate accepts any schema.
func (documentLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters measures the document before gqlgen validates
// it. A document that does not parse is left for gqlgen to report.
func (l documentLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if _, ok := l.cache.Get(ctx, p.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.Tokens)
	if err != nil {
		return nil
	}
	return l.check(measureDocument(doc))
}

// check returns the QUERY_TOO_COMPLEX error of the first limit that s
// exceeds, or nil.
func (l Limits) check(s shape) *gqlerror.Error {
	switch {
	case l.Fields > 0 && s.fields > l.Fields:
		return tooComplex("document has %d fields (introspection counts %d), which exceeds the limit of %d", s.fields, introspectionCost, l.Fields)
	case l.Depth > 0 && s.depth > l.Depth:
		return tooComplex("operation is nested %d levels deep, which exceeds the limit of %d", s.depth, l.Depth)
	case l.Aliases > 0 && s.aliases > l.Aliases:
		return tooComplex("operation has %d aliases, which exceeds the limit of %d", s.aliases, l.Aliases)
	}
	return nil
}

// shape is what a document or selection set asks for: fields (fragments
// expanded where they are spread), aliases, and depth of nesting.
type shape struct {
	fields, aliases, depth int
}

// maxCount caps counts, so fragments spread many times over cannot
// overflow them; any limit is far below it.
const maxCount = 1 << 30

func (s *shape) add(o shape) {
	s.fields = min(s.fields+o.fields, maxCount)
	s.aliases = min(s.aliases+o.aliases, maxCount)
}

// measureDocument returns the document's shape: fields of every operation
// with its fragments expanded, plus every fragment's own fields (validation
// visits each definition, so a fragment counts again there); the most aliases and the deepest nesting of one
// operation.
func measureDocument(doc *ast.QueryDocument) shape {
	m := measurer{frags: doc.Fragments, memo: map[string]shape{}, active: map[string]bool{}}
	var total shape
	for _, op := range doc.Operations {
		s := m.set(op.SelectionSet)
		total.add(shape{fields: s.fields})
		total.aliases, total.depth = max(total.aliases, s.aliases), max(total.depth, s.depth)
	}
	for _, f := range doc.Fragments {
		total.add(shape{fields: m.fragment(f.Name).fields})
	}
	return total
}

// measurer measures selection sets, each fragment once: a fragment spread
// in many places costs its shape each time but is walked only once, and a
// cycle of fragments (which validation refuses) counts nothing.
type measurer struct {
	frags  ast.FragmentDefinitionList
	memo   map[string]shape
	active map[string]bool
}

func (m *measurer) set(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch sel := sel.(type) {
		case *ast.Field:
			s = m.field(sel)
		case *ast.InlineFragment:
			s = m.set(sel.SelectionSet)
		case *ast.FragmentSpread:
			s = m.fragment(sel.Name)
		}
		out.add(s)
		out.depth = max(out.depth, s.depth)
	}
	return out
}

func (m *measurer) field(f *ast.Field) shape {
	inner := m.set(f.SelectionSet)
	s := shape{fields: 1, aliases: inner.aliases, depth: inner.depth + 1}
	s.add(shape{fields: inner.fields})
	if f.Alias != "" && f.Alias != f.Name {
		s.add(shape{aliases: 1})
	}
	if f.Name == "__schema" || f.Name == "__type" {
		// The type system's depth is bounded by validation
		// (MaxIntrospectionDepth) and touches no database; its size is
		// what costs, so it counts as fields instead.
		s.depth = 1
		s.add(shape{fields: introspectionCost})
	}
	return s
}

func (m *measurer) fragment(name string) shape {
	if s, ok := m.memo[name]; ok {
		return s
	}
	f := m.frags.ForName(name)
	if f == nil || m.active[name] {
		return shape{}
	}
	m.active[name] = true
	s := m.set(f.SelectionSet)
	delete(m.active, name)
	m.memo[name] = s
	return s
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": CodeQueryTooComplex}}
}
