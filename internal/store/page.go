package store

import (
	"fmt"
	"slices"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/uptrace/bun"
)

// keyset pages through a list sorted by (Time, ID): the SQL expressions of
// its sort key, and whether the list runs newest first.
//
// A page is fetched with one more row than asked for, to learn whether
// there are more. A backward page (last/before) is read in reverse order,
// then put back in list order.
type keyset struct {
	timeCol string
	idCol   string
	desc    bool
}

// pageSize returns the rows a page holds: DefaultPageSize when none is
// asked for, at most MaxPageSize.
func pageSize(args conduit.PageArgs) int {
	n := args.Limit()
	if n <= 0 {
		return conduit.DefaultPageSize
	}
	return min(n, conduit.MaxPageSize)
}

// apply adds the cursor condition, the order and the limit of args to q.
func (k keyset) apply(q *bun.SelectQuery, args conduit.PageArgs) *bun.SelectQuery {
	cur, backward := args.After, args.Backward()
	if backward {
		cur = args.Before
	}
	// Going backward reads the list in reverse.
	descending := k.desc != backward
	op, dir := ">", "ASC"
	if descending {
		op, dir = "<", "DESC"
	}
	if cur != nil {
		// Written out instead of a row comparison, which SQLite and
		// PostgreSQL both accept but plan less well with DESC indexes.
		// PostgreSQL cannot use the OR as an index condition and would
		// filter the index from its start, so the redundant bound on the
		// time column comes first: it starts the index scan at the cursor.
		t := newTime(cur.Time)
		cond := fmt.Sprintf("%[1]s %[3]s= ? AND (%[1]s %[3]s ? OR (%[1]s = ? AND %[2]s %[3]s ?))", k.timeCol, k.idCol, op)
		q = q.Where(cond, t, t, t, cur.ID)
	}
	return q.OrderExpr(k.timeCol + " " + dir).OrderExpr(k.idCol + " " + dir).Limit(int64(pageSize(args) + 1))
}

// newPage makes a page of rows read by a query that keyset.apply shaped;
// cursors holds each row's sort key.
func newPage[T any](items []T, cursors []conduit.Cursor, args conduit.PageArgs) *conduit.Page[T] {
	n := pageSize(args)
	more := len(items) > n
	if more {
		items, cursors = items[:n], cursors[:n]
	}
	p := &conduit.Page[T]{Items: items, Cursors: cursors}
	if args.Backward() {
		slices.Reverse(p.Items)
		slices.Reverse(p.Cursors)
		p.HasPreviousPage, p.HasNextPage = more, args.Before != nil
	} else {
		p.HasNextPage, p.HasPreviousPage = more, args.After != nil
	}
	return p
}
