package conduit

import "time"

// Page sizes shared by every connection.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Cursor is a position in a list sorted by (Time, ID), newest or oldest first.
// Keyset pagination on it keeps pages stable while rows are inserted.
type Cursor struct {
	Time time.Time
	ID   int64
}

// PageArgs selects a page: First rows after After, or Last rows before Before.
// Exactly one of First and Last is positive.
type PageArgs struct {
	First  int
	After  *Cursor
	Last   int
	Before *Cursor
}

// Backward reports whether the page is taken from the end (last/before).
func (p PageArgs) Backward() bool { return p.Last > 0 }

// Limit is the number of rows asked for.
func (p PageArgs) Limit() int {
	if p.Last > 0 {
		return p.Last
	}
	return p.First
}

// Page is one page of a list, in the list's order, with one cursor per item.
type Page[T any] struct {
	Items           []T
	Cursors         []Cursor
	HasNextPage     bool
	HasPreviousPage bool
}
