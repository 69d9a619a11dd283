package resolvers

import (
	"context"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vikstrous/dataloadgen"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/loaders"
)

// A connection's items are marshalled one edge at a time, so the fields
// below edges.node would be batched only by the loaders' short wait, which
// a busy machine can split and which every request would pay. Connection
// resolvers therefore look ahead at what the operation selects below their
// items, read it for the whole page at once straight from the services (in
// parallel, no wait), and prime the loaders, where the field resolvers then
// find it. A read that fails primes nothing: the field resolvers load again
// through the loaders and report the error where it belongs.

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

// ownFields returns, for the current field, what is selected on the object
// it returns: field name → sub-selections. A field that returns one object
// (article, user) uses it as a connection uses itemFields: its fields run
// one after another, so a loader they used would wait its timer each time.
func ownFields(ctx context.Context, typeName string) map[string][]ast.SelectionSet {
	out := map[string][]ast.SelectionSet{}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{typeName, "Node"}) {
		out[f.Name] = append(out[f.Name], f.Selections)
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

// parallel runs fns at once and waits for all of them.
func parallel(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(fn)
	}
	wg.Wait()
}

// primeBools reads flags for ids and primes a loader with them.
func primeBools(ctx context.Context, l *dataloadgen.Loader[int64, bool], read func(context.Context, int64, []int64) ([]bool, error), viewerID int64, ids []int64) func() {
	return func() {
		if viewerID == 0 {
			// Anonymous: false for all, no query, and no wait in the loader.
			for _, id := range ids {
				l.Prime(id, false)
			}
			return
		}
		if vals, err := read(ctx, viewerID, ids); err == nil {
			for i, id := range ids {
				l.Prime(id, vals[i])
			}
		}
	}
}

// primeUsersByID reads the users the operation does not have yet and
// primes the loader with them.
func (r *Resolver) primeUsersByID(ctx context.Context, ids []int64) func() {
	return func() {
		ids := loaders.For(ctx).UnknownUsers(ids)
		if len(ids) == 0 {
			return
		}
		if users, err := r.Users.UsersByIDs(ctx, ids); err == nil {
			primeUsers(ctx, slices.DeleteFunc(users, func(u *conduit.User) bool { return u == nil }))
		}
	}
}

// authorFetches reads the authors with ids, and whether the viewer follows
// them when that is selected too, unless the page read that already.
func (r *Resolver) authorFetches(ctx context.Context, sets []ast.SelectionSet, ids []int64, followsRead bool) []func() {
	fetches := []func(){r.primeUsersByID(ctx, ids)}
	if !followsRead && selects(ctx, sets, "User", "viewerIsFollowing") {
		fetches = append(fetches, primeBools(ctx, loaders.For(ctx).ViewerIsFollowing(), r.Users.FollowingAmong, conduit.ViewerIDFromContext(ctx), ids))
	}
	return fetches
}

// prefetchArticles reads, for a page of articles, the fields the operation
// selects below them (fields, from itemFields) that the page did not read
// with them (parts).
func (r *Resolver) prefetchArticles(ctx context.Context, fields map[string][]ast.SelectionSet, parts conduit.ArticleParts, articles []*conduit.Article) {
	if len(articles) == 0 {
		return
	}
	viewerRead := parts.ViewerID != 0
	ids, authorIDs := make([]int64, len(articles)), make([]int64, len(articles))
	for i, a := range articles {
		ids[i], authorIDs[i] = a.ID, a.AuthorID
	}
	var fetches []func()
	if _, ok := fields["viewerHasFavorited"]; ok && !(viewerRead && parts.ViewerFavorited) {
		fetches = append(fetches, primeBools(ctx, loaders.For(ctx).ViewerHasFavorited(), r.Articles.FavoritedAmong, conduit.ViewerIDFromContext(ctx), ids))
	}
	if sets, ok := fields["author"]; ok {
		fetches = append(fetches, r.authorFetches(ctx, sets, authorIDs, viewerRead && parts.ViewerFollows)...)
	}
	parallel(fetches...)
}

// prefetchComments primes the loaders with the authors that a page of
// comments read with it, and reads what is selected below them.
func (r *Resolver) prefetchComments(ctx context.Context, fields map[string][]ast.SelectionSet, comments []*conduit.Comment) {
	sets, ok := fields["author"]
	if !ok || len(comments) == 0 {
		return
	}
	l := loaders.For(ctx)
	ids := make([]int64, len(comments))
	for i, c := range comments {
		ids[i] = c.AuthorID
		if c.Author != nil {
			l.PrimeUser(c.Author)
		}
	}
	parallel(r.authorFetches(ctx, sets, ids, false)...)
}

// prefetchUsers reads viewerIsFollowing for users when selected (fields).
func (r *Resolver) prefetchUsers(ctx context.Context, fields map[string][]ast.SelectionSet, users []*conduit.User) {
	if _, ok := fields["viewerIsFollowing"]; !ok || len(users) == 0 {
		return
	}
	primeBools(ctx, loaders.For(ctx).ViewerIsFollowing(), r.Users.FollowingAmong, conduit.ViewerIDFromContext(ctx), userIDs(users))()
}
