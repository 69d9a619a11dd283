package store

import (
	"context"
	"testing"
	"time"
)

// SetClock makes db read the time from now.
func SetClock(db *DB, now func() time.Time) { db.now = now }

// ReaderPragmas returns journal_mode, foreign_keys and query_only of a reader connection.
func ReaderPragmas(tb testing.TB, db *DB) (mode string, fk, queryOnly int) {
	tb.Helper()
	ctx := context.Background()
	for q, dest := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk, "PRAGMA query_only": &queryOnly} {
		if err := db.reader.NewRaw(q).Scan(ctx, dest); err != nil {
			tb.Fatal(err)
		}
	}
	return mode, fk, queryOnly
}

// WriterPragmas returns the pragmas of the writer connection.
func WriterPragmas(tb testing.TB, db *DB) map[string]any {
	tb.Helper()
	ctx := context.Background()
	var mode string
	var fk, sync, queryOnly int
	for q, dest := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA foreign_keys": &fk,
		"PRAGMA synchronous": &sync, "PRAGMA query_only": &queryOnly} {
		if err := db.writer.NewRaw(q).Scan(ctx, dest); err != nil {
			tb.Fatal(err)
		}
	}
	return map[string]any{"journal_mode": mode, "foreign_keys": fk, "synchronous": sync, "query_only": queryOnly}
}
