package models

import (
	"context"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// Counter counts the rows of a whole list; connections call it only when
// totalCount is selected.
type Counter func(ctx context.Context) (int, error)

// PageInfo says where a page sits in its list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Edge is an item of a connection with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is a page of a list in the Relay shape.
type Connection[T any] struct {
	Edges    []*Edge[T]
	Nodes    []T
	PageInfo *PageInfo
	count    Counter
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
	c := &Connection[T]{Nodes: p.Items, PageInfo: &PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPreviousPage}, count: count}
	c.Edges = make([]*Edge[T], len(p.Items))
	for i, item := range p.Items {
		c.Edges[i] = &Edge[T]{Cursor: EncodeCursor(p.Cursors[i]), Node: item}
	}
	if n := len(c.Edges); n > 0 {
		c.PageInfo.StartCursor, c.PageInfo.EndCursor = &c.Edges[0].Cursor, &c.Edges[n-1].Cursor
	}
	return c
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
