// Package batchparent finds the parents of a batch field for the executor
// that internal/execgen writes: gqlgen's graphql.BatchParentsFor, without
// building the field's whole path to read one index of it. That path cost
// three allocations or more for every batch field of every list element,
// more the deeper the list.
//
// Imports only: standard library, github.com/99designs/gqlgen/graphql,
// github.com/vektah/gqlparser/v2.
package batchparent

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Parents is the batch of one field resolution: the sibling parents
// resolved together, and the position among them of the parent this call
// is for. Its fields and FieldResult are those of graphql.BatchParents.
type Parents[P any] struct {
	Parents  []P
	Index    ast.PathIndex
	IndexMap map[int]int

	group *graphql.BatchParentGroup
}

// For returns the batch registered for typeName, as
// graphql.BatchParentsFor does: ok is false when the field does not
// resolve in a batch (no group, a group of another Go type, or no parent
// index), and the caller resolves its one parent.
func For[P any](ctx context.Context, typeName string) (Parents[P], bool) {
	group := graphql.GetBatchParentGroup(ctx, typeName)
	if group == nil {
		return Parents[P]{}, false
	}
	parents, ok := group.Parents.([]P)
	if !ok {
		return Parents[P]{}, false
	}
	idx, ok := Index(ctx)
	if !ok {
		return Parents[P]{}, false
	}
	return Parents[P]{Parents: parents, Index: idx, IndexMap: group.IndexMap, group: group}, true
}

// FieldResult resolves the field once for the whole batch, keyed on the
// field's response key, as graphql.BatchParents.FieldResult does.
func (b Parents[P]) FieldResult(field graphql.CollectedField, resolve func() (any, error)) *graphql.BatchFieldResult {
	key := field.Alias
	if key == "" {
		key = field.Name
	}
	return b.group.GetFieldResult(key, resolve)
}

// Index is graphql.BatchParentIndex: the next-to-last element of the
// field's path when that is a list index. It walks the field contexts as
// FieldContext.Path does, counting the ones that add an element to the
// path, and stops at the second.
func Index(ctx context.Context) (ast.PathIndex, bool) {
	if graphql.GetPathContext(ctx) != nil {
		// An input's path, which graphql.GetPath prefers: rare, so the
		// original.
		return graphql.BatchParentIndex(ctx)
	}
	seen := 0
	for it := graphql.GetFieldContext(ctx); it != nil; it = it.Parent {
		if it.Index == nil && it.Field.Field == nil {
			continue
		}
		if seen++; seen == 2 {
			if it.Index != nil {
				return ast.PathIndex(*it.Index), true
			}
			return 0, false
		}
	}
	return 0, false
}
