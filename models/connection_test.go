package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// A connection's edges and page cursors, made when selected, are the
// cursors of its page's items, which read back as the items' positions.
func TestConnection_Cursors(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	page := &conduit.Page[string]{Items: []string{"a", "b", "c"}, HasNextPage: true,
		Cursors: []conduit.Cursor{{Time: t0, ID: 3}, {Time: t0.Add(-time.Minute), ID: 2}, {Time: t0.Add(-time.Hour), ID: 1}}}
	c := NewConnection(page, nil)

	edges := c.Edges()
	require.Len(t, edges, 3)
	for i, e := range edges {
		require.Equal(t, page.Items[i], e.Node)
		got, err := DecodeCursor("after", &e.Cursor)
		require.NoError(t, err)
		require.Equal(t, page.Cursors[i].ID, got.ID)
		require.True(t, page.Cursors[i].Time.Equal(got.Time))
	}
	require.Equal(t, edges[0].Cursor, *c.PageInfo.StartCursor())
	require.Equal(t, edges[2].Cursor, *c.PageInfo.EndCursor())
	require.True(t, c.PageInfo.HasNextPage)
	require.False(t, c.PageInfo.HasPreviousPage)

	empty := NewConnection(&conduit.Page[string]{}, nil)
	require.Empty(t, empty.Edges())
	require.Nil(t, empty.PageInfo.StartCursor())
	require.Nil(t, empty.PageInfo.EndCursor())
}
