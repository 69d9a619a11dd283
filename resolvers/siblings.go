package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/conduit-graphql/conduit/models"
)

// Fields such as viewerHasFavorited are read through loaders that pages
// prime, so nearly every read is a hit, which needs none of a batch
// resolver's bookkeeping per item. Where nothing was primed, each item
// would wait out the loader's timer for itself alone, one after another;
// instead the list's first item loads for the whole list, as a batch
// resolver would, and the items after it hit.

// listStart returns, when obj is the first T of the list it is in, the Ts
// of that list (a list of T, or of nodes); nil for any other object, and
// for one that is in no list.
func listStart[T comparable](ctx context.Context, obj T) []T {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil {
		return nil
	}
	elem := fc.Parent // the object's own context, with its index in the list
	if elem.Index == nil || elem.Parent == nil {
		return nil
	}
	switch list := elem.Parent.Result.(type) {
	case []T:
		if *elem.Index == 0 {
			return list
		}
	case []models.Node:
		var out []T
		for _, n := range list {
			if t, ok := n.(T); ok {
				out = append(out, t)
			}
		}
		if len(out) > 0 && out[0] == obj {
			return out
		}
	}
	return nil
}
