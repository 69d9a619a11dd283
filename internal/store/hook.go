package store

import (
	"context"
	"database/sql"
	"errors"
	"sync/atomic"

	"github.com/uptrace/bun"
)

// statementHook counts the SQL statements that reach the database: queries,
// and BEGIN/COMMIT/ROLLBACK, which are round trips too. It skips the
// ROLLBACK of a deferred tx.Rollback after Commit, which never leaves the
// process.
type statementHook struct {
	total atomic.Int64
}

var _ bun.QueryHook = (*statementHook)(nil)

// BeforeQuery implements bun.QueryHook.
func (h *statementHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

// AfterQuery implements bun.QueryHook.
func (h *statementHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if errors.Is(e.Err, sql.ErrTxDone) {
		return
	}
	h.total.Add(1)
	for c, _ := ctx.Value(counterKey{}).(*counter); c != nil; c = c.parent {
		c.n.Add(1)
	}
}

type counterKey struct{}

// counter is one WithStatementCounter's count; it also adds to the
// counters of enclosing contexts, so budgets can nest.
type counter struct {
	n      atomic.Int64
	parent *counter
}

// WithStatementCounter returns a context whose SQL statements, on any DB,
// add to the returned counter. Statements of a transaction count against
// the context that began it. Counters nest: an inner counter's statements
// count for the outer one too.
func WithStatementCounter(ctx context.Context) (context.Context, *atomic.Int64) {
	parent, _ := ctx.Value(counterKey{}).(*counter)
	c := &counter{parent: parent}
	return context.WithValue(ctx, counterKey{}, c), &c.n
}

// Statements returns how many SQL statements this DB has run since Open.
func (db *DB) Statements() int64 { return db.hook.total.Load() }

// AddQueryHook adds a hook (tracing) to every statement of this DB, on the
// writer and the readers. Call it before the DB is used.
func (db *DB) AddQueryHook(hook bun.QueryHook) {
	shared := db.reader == db.writer
	db.writer = db.writer.WithQueryHook(hook)
	if shared {
		db.reader = db.writer
	} else {
		db.reader = db.reader.WithQueryHook(hook)
	}
}
