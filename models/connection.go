package models

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Counter counts the rows of a whole list; connections call it only when
// totalCount is selected.
type Counter func(ctx context.Context) (int, error)

// PageInfo says where a page sits in its list. Its cursors are encoded
// when they are selected.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	cursors         []conduit.Cursor // of the page's items
}

// StartCursor is the cursor of the page's first item, nil for an empty page.
func (p *PageInfo) StartCursor() *string {
	if len(p.cursors) == 0 {
		return nil
	}
	s := EncodeCursor(p.cursors[0])
	return &s
}

// EndCursor is the cursor of the page's last item, nil for an empty page.
func (p *PageInfo) EndCursor() *string {
	if len(p.cursors) == 0 {
		return nil
	}
	s := EncodeCursor(p.cursors[len(p.cursors)-1])
	return &s
}

// Edge is an item of a connection with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is a page of a list in the Relay shape. Its edges, and the
// cursors in them, are made when they are selected: most pages select
// only nodes and pageInfo.
type Connection[T any] struct {
	Nodes    []T
	PageInfo *PageInfo
	count    Counter
}

// Edges pairs each node with its cursor.
func (c *Connection[T]) Edges() []*Edge[T] {
	edges := make([]*Edge[T], len(c.Nodes))
	for i, item := range c.Nodes {
		edges[i] = &Edge[T]{Cursor: EncodeCursor(c.PageInfo.cursors[i]), Node: item}
	}
	return edges
}

// TotalCount counts the whole list.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	if c.count == nil {
		return len(c.Nodes), nil
	}
	return c.count(ctx)
}

// NewConnection builds a connection from a page and a counter for the whole list.
func NewConnection[T any](p *conduit.Page[T], count Counter) *Connection[T] {
	return &Connection[T]{Nodes: p.Items, count: count,
		PageInfo: &PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPreviousPage, cursors: p.Cursors}}
}

// The connections of the schema.
type (
	UserConnection    = Connection[*conduit.User]
	UserEdge          = Edge[*conduit.User]
	ArticleConnection = Connection[*conduit.Article]
	ArticleEdge       = Edge[*conduit.Article]
	CommentConnection = Connection[*conduit.Comment]
	CommentEdge       = Edge[*conduit.Comment]
)
