package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
)

// A connection's items are marshalled one edge at a time, so the fields
// below edges.node would be batched only by the loaders' short wait, which
// a busy machine can split. Connection resolvers therefore look ahead at
// what the operation selects below their items and load it for the whole
// page at once; the field resolvers then find it in the loaders.

// itemFields returns, for the current connection field, what is selected on
// its items (through edges.node and nodes): field name → sub-selections.
func itemFields(ctx context.Context, typeName string) map[string][]ast.SelectionSet {
	opCtx := graphql.GetOperationContext(ctx)
	out := map[string][]ast.SelectionSet{}
	var items []ast.SelectionSet
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "nodes":
			items = append(items, f.Selections)
		case "edges":
			for _, e := range graphql.CollectFields(opCtx, f.Selections, nil) {
				if e.Name == "node" {
					items = append(items, e.Selections)
				}
			}
		}
	}
	for _, set := range items {
		for _, f := range graphql.CollectFields(opCtx, set, []string{typeName, "Node"}) {
			out[f.Name] = append(out[f.Name], f.Selections)
		}
	}
	return out
}

// selects reports whether any of the selection sets asks for field on typeName.
func selects(ctx context.Context, sets []ast.SelectionSet, typeName, field string) bool {
	opCtx := graphql.GetOperationContext(ctx)
	for _, set := range sets {
		for _, f := range graphql.CollectFields(opCtx, set, []string{typeName, "Node"}) {
			if f.Name == field {
				return true
			}
		}
	}
	return false
}

// waitAll starts nothing; it waits for thunks that were started together,
// so their loaders batch them side by side. Errors are left for the field
// resolvers, which get the same cached result.
func waitAll(thunks ...func()) {
	for _, th := range thunks {
		th()
	}
}

func ignoreResult[V any](th func() (V, error)) func() { return func() { _, _ = th() } }

// prefetchArticles loads, for a page of articles, the batched fields the
// operation selects below them.
func prefetchArticles(ctx context.Context, articles []*conduit.Article) {
	if len(articles) == 0 {
		return
	}
	fields := itemFields(ctx, "Article")
	l := loaders.For(ctx)
	ids, authorIDs := make([]int64, len(articles)), make([]int64, len(articles))
	var untagged []int64
	for i, a := range articles {
		ids[i], authorIDs[i] = a.ID, a.AuthorID
		if a.Tags == nil {
			untagged = append(untagged, a.ID)
		}
	}
	var thunks []func()
	if _, ok := fields["tags"]; ok && len(untagged) > 0 {
		thunks = append(thunks, ignoreResult(l.ArticleTags.LoadAllThunk(ctx, untagged)))
	}
	if _, ok := fields["viewerHasFavorited"]; ok {
		thunks = append(thunks, ignoreResult(l.ViewerHasFavorited.LoadAllThunk(ctx, ids)))
	}
	if sets, ok := fields["author"]; ok {
		thunks = append(thunks, ignoreResult(l.UserByID.LoadAllThunk(ctx, authorIDs)))
		if selects(ctx, sets, "User", "viewerIsFollowing") {
			thunks = append(thunks, ignoreResult(l.ViewerIsFollowing.LoadAllThunk(ctx, authorIDs)))
		}
	}
	waitAll(thunks...)
}

// prefetchComments loads the authors of a page of comments when selected.
func prefetchComments(ctx context.Context, comments []*conduit.Comment) {
	sets, ok := itemFields(ctx, "Comment")["author"]
	if !ok || len(comments) == 0 {
		return
	}
	l := loaders.For(ctx)
	ids := make([]int64, len(comments))
	for i, c := range comments {
		ids[i] = c.AuthorID
	}
	thunks := []func(){ignoreResult(l.UserByID.LoadAllThunk(ctx, ids))}
	if selects(ctx, sets, "User", "viewerIsFollowing") {
		thunks = append(thunks, ignoreResult(l.ViewerIsFollowing.LoadAllThunk(ctx, ids)))
	}
	waitAll(thunks...)
}

// prefetchUsers loads viewerIsFollowing for a page of users when selected.
func prefetchUsers(ctx context.Context, users []*conduit.User) {
	if _, ok := itemFields(ctx, "User")["viewerIsFollowing"]; !ok || len(users) == 0 {
		return
	}
	waitAll(ignoreResult(loaders.For(ctx).ViewerIsFollowing.LoadAllThunk(ctx, userIDs(users))))
}
