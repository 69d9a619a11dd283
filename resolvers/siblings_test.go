package resolvers

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/models"
)

// inList returns the context of a field of list[i], as the executor makes it.
func inList(list any, i int) context.Context {
	ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Result: list})
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{})
}

func TestListStart(t *testing.T) {
	a, b := &conduit.Article{ID: 1}, &conduit.Article{ID: 2}
	u := &conduit.User{ID: 3}
	t.Run("FirstOfList", func(t *testing.T) {
		if got := listStart(inList([]*conduit.Article{a, b}, 0), a); len(got) != 2 {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("NotFirst", func(t *testing.T) {
		if got := listStart(inList([]*conduit.Article{a, b}, 1), b); got != nil {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("FirstOfItsTypeAmongNodes", func(t *testing.T) {
		nodes := []models.Node{u, a, b}
		if got := listStart(inList(nodes, 1), a); len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("got %v", got)
		}
		if got := listStart(inList(nodes, 2), b); got != nil {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("NoList", func(t *testing.T) {
		ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{})
		if got := listStart(graphql.WithFieldContext(ctx, &graphql.FieldContext{}), a); got != nil {
			t.Fatalf("got %v", got)
		}
	})
}
