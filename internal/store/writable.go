package store

import (
	"context"
	"errors"
	"fmt"
)

// minFreeBytes is the free space below which an SQLite database counts as
// on a full disk: a write needs a few pages of log, and the checkpoint
// that follows needs room too.
const minFreeBytes = 1 << 20

// Writable needs the migrations applied: it writes to their table.
//
// Writable reports, cheaply and without growing the database, whether it
// accepts writes: on SQLite, the write lock can be taken (a file opened
// read-only refuses it) and the file's disk is neither read-only nor full;
// on PostgreSQL, the session is not read-only (a standby, or
// default_transaction_read_only).
func (db *DB) Writable(ctx context.Context) error {
	if db.dialect == DialectPostgres {
		var readOnly string
		if err := db.writer.NewRaw("SHOW transaction_read_only").Scan(ctx, &readOnly); err != nil {
			return err
		}
		if readOnly == "on" {
			return fmt.Errorf("the PostgreSQL server accepts no writes (transaction_read_only is on)")
		}
		return nil
	}
	if err := diskProblem(db.path, minFreeBytes); err != nil {
		return err
	}
	// The writer's BEGIN is BEGIN IMMEDIATE: it takes the write lock. In
	// WAL mode a read-only database grants it; a DELETE that matches no row
	// is refused there (SQLITE_READONLY) and writes nothing anywhere else.
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM "+migrationTable+" WHERE 0")
	return errors.Join(err, tx.Rollback())
}
