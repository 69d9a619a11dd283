// Package store implements the services of internal/conduit on SQLite or
// PostgreSQL with bun. Every write runs in one transaction on the writer;
// every read runs on the reader pool.
//
// It is the only package that speaks SQL; above it, everything goes
// through the services' interfaces.
//
// Never imports: internal/cache, internal/pubsub, internal/loaders,
// internal/httpapi, internal/auth, resolvers, graph, models,
// github.com/redis/go-redis/v9.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// Dialect names that DB.Dialect returns.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "pg"
)

// DB is a connection to the Conduit database. On SQLite it holds one writer
// connection and a pool of read-only connections; on PostgreSQL both are
// the same pool.
type DB struct {
	writer  *bun.DB
	reader  *bun.DB
	dialect string
	path    string // the SQLite file
	hook    *statementHook
	now     func() time.Time

	changesMu sync.Mutex
	changes   *Changes
}

// Open connects to the database named by dsn: a postgres:// or
// postgresql:// URL is PostgreSQL; anything else is an SQLite file given as
// a path, a file: URI or sqlite://path. It does not migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{hook: &statementHook{}, now: time.Now}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = db.openPostgres(dsn)
	} else {
		err = db.openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.Ping(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open database: %w", err), db.Close())
	}
	return db, nil
}

func (db *DB) openPostgres(dsn string) error {
	sqldb, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	// Enough to keep the CPUs busy while queries wait on the network, and
	// well under PostgreSQL's default max_connections (100) so that a few
	// instances can share a server.
	n := min(4*runtime.GOMAXPROCS(0), 32)
	sqldb.SetMaxOpenConns(n)
	sqldb.SetMaxIdleConns(n)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db.dialect = DialectPostgres
	db.writer = bun.NewDB(sqldb, pgdialect.New()).WithQueryHook(db.hook)
	db.reader = db.writer
	return nil
}

func (db *DB) openSQLite(ctx context.Context, dsn string) error {
	wdsn, rdsn, err := sqliteDSNs(dsn)
	if err != nil {
		return err
	}
	db.dialect, db.path = DialectSQLite, sqlitePath(dsn)
	w, err := sql.Open(sqliteshim.ShimName, wdsn)
	if err != nil {
		return err
	}
	// One writer connection: SQLite allows one writer at a time, and queuing
	// in database/sql's pool is better than failing with SQLITE_BUSY.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db.writer = bun.NewDB(w, sqlitedialect.New()).WithQueryHook(db.hook)
	// The writer switches the file to WAL before any reader opens it.
	if err := w.PingContext(ctx); err != nil {
		return errors.Join(whyUnopenable(sqlitePath(dsn), err), w.Close())
	}
	r, err := sql.Open(sqliteshim.ShimName, rdsn)
	if err != nil {
		return errors.Join(err, w.Close())
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.reader = bun.NewDB(r, sqlitedialect.New()).WithQueryHook(db.hook)
	return nil
}

// sqlitePath is the file an SQLite DSN names.
func sqlitePath(dsn string) string {
	dsn = strings.TrimPrefix(dsn, "sqlite://")
	path, _, _ := strings.Cut(dsn, "?")
	return strings.TrimPrefix(path, "file:")
}

// sqliteHeader is how every SQLite database file begins.
const sqliteHeader = "SQLite format 3\x00"

// whyUnopenable explains why SQLite could not open path, whose driver
// said err ("unable to open database file (14)" names neither the file
// nor the cause): a missing folder, a folder where the file should be, a
// file or folder that cannot be written, a file that is not a database.
func whyUnopenable(path string, err error) error {
	reason := func() string {
		dir := filepath.Dir(path)
		if st, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return fmt.Sprintf("the folder %s does not exist", dir)
		} else if err != nil {
			return fmt.Sprintf("the folder %s cannot be read: %v", dir, syscallReason(err))
		} else if !st.IsDir() {
			return fmt.Sprintf("%s is not a folder", dir)
		}
		st, statErr := os.Stat(path)
		switch {
		case errors.Is(statErr, fs.ErrNotExist):
			probe, err := os.CreateTemp(dir, ".conduit-probe-*")
			if err != nil {
				return fmt.Sprintf("cannot create a file in the folder %s: %v", dir, syscallReason(err))
			}
			probe.Close()
			os.Remove(probe.Name())
		case statErr != nil:
			return syscallReason(statErr)
		case st.IsDir():
			return "it is a folder, not a file"
		default:
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				return "cannot open it for reading and writing: " + syscallReason(err)
			}
			head := make([]byte, len(sqliteHeader))
			n, _ := io.ReadFull(f, head)
			f.Close()
			if n > 0 && string(head[:n]) != sqliteHeader[:n] {
				return "it is not an SQLite database (it does not begin with SQLite's header)"
			}
		}
		return err.Error()
	}()
	return fmt.Errorf("%s: %s", path, reason)
}

// syscallReason is err's cause without the path that os repeats.
func syscallReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// sqliteDSNs returns the writer's and the readers' DSNs for an SQLite path,
// file: URI or sqlite:// URL. Parameters the caller gave win over ours.
//
// The shorthand keys below are understood alike by modernc.org/sqlite (the
// pure-Go driver that sqliteshim picks on linux/amd64) and by
// mattn/go-sqlite3 (its cgo fallback), unlike modernc's _pragma=name(value).
func sqliteDSNs(dsn string) (writer, reader string, err error) {
	dsn = strings.TrimPrefix(dsn, "sqlite://")
	base, rawQuery, _ := strings.Cut(dsn, "?")
	if base == "" || base == ":memory:" || strings.Contains(dsn, "mode=memory") {
		return "", "", fmt.Errorf("sqlite %q: need a file, since the reader pool and the writer share it", dsn)
	}
	user, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", "", fmt.Errorf("sqlite %q: %w", dsn, err)
	}
	common := url.Values{
		// Wait up to 5s for a lock (a checkpoint, another process) instead of
		// failing at once with SQLITE_BUSY.
		"_busy_timeout": {"5000"},
		// SQLite ignores REFERENCES ... ON DELETE CASCADE unless this is on,
		// per connection.
		"_foreign_keys": {"1"},
	}
	w := url.Values{
		// WAL lets the readers read while the writer writes; it is stored in
		// the file, so setting it on the writer is enough.
		"_journal_mode": {"WAL"},
		// In WAL mode NORMAL is durable against application crashes and
		// consistent after power loss, at a fraction of FULL's fsyncs.
		"_synchronous": {"NORMAL"},
		// Take the write lock at BEGIN: a transaction that reads, then writes,
		// could otherwise fail with SQLITE_BUSY when it tries to upgrade.
		"_txlock": {"immediate"},
	}
	r := url.Values{
		// Readers never write: a write sent to the wrong pool fails loudly.
		"_query_only": {"1"},
	}
	return base + "?" + mergeQuery(user, common, w).Encode(),
		base + "?" + mergeQuery(user, common, r).Encode(), nil
}

// mergeQuery returns user's parameters plus each default that user lacks.
func mergeQuery(user url.Values, defaults ...url.Values) url.Values {
	out := url.Values{}
	for k, v := range user {
		out[k] = v
	}
	for _, d := range defaults {
		for k, v := range d {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// Close closes every connection.
func (db *DB) Close() error {
	db.changesMu.Lock()
	err := db.changes.Close()
	db.changesMu.Unlock()
	if db.reader != nil && db.reader != db.writer {
		err = errors.Join(err, db.reader.Close())
	}
	if db.writer != nil {
		err = errors.Join(err, db.writer.Close())
	}
	return err
}

// Ping checks that the writer and the readers answer.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.writer.PingContext(ctx); err != nil {
		return err
	}
	return db.reader.PingContext(ctx)
}

// Pools returns the connection pools by role, for their statistics:
// "writer" and "reader" on SQLite, one "pool" on PostgreSQL.
func (db *DB) Pools() map[string]*sql.DB {
	if db.writer == db.reader {
		return map[string]*sql.DB{"pool": db.writer.DB}
	}
	return map[string]*sql.DB{"writer": db.writer.DB, "reader": db.reader.DB}
}

// Dialect returns DialectSQLite or DialectPostgres.
func (db *DB) Dialect() string { return db.dialect }

// timeNow returns the current time as it is stored.
func (db *DB) timeNow() dbTime { return newTime(db.now()) }
