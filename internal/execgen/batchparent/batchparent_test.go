package batchparent

import (
	"context"
	"fmt"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// chain builds field contexts from the root down: "f" is a field, "3" a
// list element, "-" a context that adds nothing to the path.
func chain(ctx context.Context, shape ...string) context.Context {
	var parent *graphql.FieldContext
	for _, s := range shape {
		fc := &graphql.FieldContext{Parent: parent}
		var i int
		switch {
		case s == "-":
		case func() bool { _, err := fmt.Sscan(s, &i); return err == nil }():
			fc.Index = &i
		default:
			fc.Field = graphql.CollectedField{Field: &ast.Field{Alias: s, Name: s}}
		}
		parent = fc
		ctx = graphql.WithFieldContext(ctx, fc)
	}
	return ctx
}

// Index agrees with graphql.BatchParentIndex, which builds the whole path,
// on every shape of field contexts.
func TestIndex_AgreesWithGqlgen(t *testing.T) {
	for _, shape := range [][]string{
		nil,
		{"articles"},
		{"articles", "nodes", "3", "author"},
		{"articles", "nodes", "3", "-", "author"},
		{"articles", "nodes", "3", "author", "-"},
		{"articles", "nodes", "0", "author", "7", "viewerIsFollowing"},
		{"article", "author"},
		{"-", "7", "-", "-", "f"},
		{"7"},
		{"7", "8"},
		{"-", "-"},
	} {
		ctx := chain(context.Background(), shape...)
		wantIdx, wantOK := graphql.BatchParentIndex(ctx)
		gotIdx, gotOK := Index(ctx)
		if gotIdx != wantIdx || gotOK != wantOK {
			t.Errorf("%v: Index = %d, %t; gqlgen says %d, %t", shape, gotIdx, gotOK, wantIdx, wantOK)
		}
	}
}

// The batch is found, and its field resolved once for all parents.
func TestFor(t *testing.T) {
	parents := []*string{new(string), new(string)}
	ctx := graphql.WithBatchParents(context.Background(), "Article", parents, nil)
	ctx = chain(ctx, "articles", "nodes", "1", "author")

	b, ok := For[*string](ctx, "Article")
	if !ok || b.Index != 1 || len(b.Parents) != 2 {
		t.Fatalf("For = %+v, %t", b, ok)
	}
	if _, ok := For[*int](ctx, "Article"); ok {
		t.Error("a batch of another Go type was found")
	}
	if _, ok := For[*string](ctx, "User"); ok {
		t.Error("a batch of another GraphQL type was found")
	}
	calls := 0
	field := graphql.CollectedField{Field: &ast.Field{Name: "author"}}
	for range 3 {
		r := b.FieldResult(field, func() (any, error) { calls++; return []string{"a", "b"}, nil })
		if r.Err != nil || len(r.Results.([]string)) != 2 {
			t.Fatalf("FieldResult = %+v", r)
		}
	}
	if calls != 1 {
		t.Errorf("the batch resolver ran %d times, want once", calls)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = Index(ctx) }); n != 0 {
		t.Errorf("Index allocates %v times", n)
	}
}
