package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"
)

// DataVersion identifies the committed state of the database: two equal
// values mean that no transaction committed in between, by this process or
// any other. It is what lets an answer be reused exactly.
type DataVersion [6]uint64

// Changes tells the committed state of an SQLite database apart at the cost
// of reading memory: it maps the file's wal-index (the "-shm" file that
// every connection in WAL mode shares) and reads its header, which SQLite
// rewrites on every commit (its change counter, last frame and checksum;
// see https://www.sqlite.org/walformat.html, "The WAL-Index Header").
// Commits of other processes on the same file count too.
type Changes struct {
	mem []byte
	// conn stays open so that the wal-index stays the file SQLite uses:
	// it is rebuilt when the last connection to the database closes.
	conn   *sql.Conn
	closed atomic.Bool
}

// walIndexHeader is the size of one copy of the wal-index header; SQLite
// keeps two copies back to back and writes the second one first.
const walIndexHeader = 48

// Changes returns the reader of the database's commits, opened on first
// use and closed with db, or an error on PostgreSQL, where other instances
// commit unseen.
func (db *DB) Changes(ctx context.Context) (*Changes, error) {
	db.changesMu.Lock()
	defer db.changesMu.Unlock()
	if db.changes == nil {
		c, err := db.openChanges(ctx)
		if err != nil {
			return nil, err
		}
		db.changes = c
	}
	return db.changes, nil
}

func (db *DB) openChanges(ctx context.Context) (*Changes, error) {
	if db.dialect != DialectSQLite {
		return nil, errors.New("commits are observable on SQLite only")
	}
	conn, err := db.reader.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var seq int
	var name, file, mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return nil, errors.Join(fmt.Errorf("find the database file: %w", err), conn.Close())
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	if mode != "wal" {
		return nil, errors.Join(fmt.Errorf("journal mode is %s, not wal", mode), conn.Close())
	}
	mem, err := mapShared(file + "-shm")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("map the wal-index: %w", err), conn.Close())
	}
	return &Changes{mem: mem, conn: conn}, nil
}

// Version returns the state committed now; ok is false when the header was
// being rewritten during every try, or c is closed: the state is unknown.
func (c *Changes) Version() (v DataVersion, ok bool) {
	if c == nil || c.closed.Load() {
		return v, false
	}
	for range 8 {
		a := (*[6]uint64)(unsafe.Pointer(&c.mem[0]))
		b := (*[6]uint64)(unsafe.Pointer(&c.mem[walIndexHeader]))
		for i := range v {
			v[i] = atomic.LoadUint64(&a[i])
		}
		same := true
		for i := range v {
			if atomic.LoadUint64(&b[i]) != v[i] {
				same = false
				break
			}
		}
		if same {
			return v, true
		}
	}
	return v, false
}

// Close releases the connection; Version then reports an unknown state.
// The mapping stays, so that a Version racing with Close reads memory that
// is still there; it is one page.
func (c *Changes) Close() error {
	if c == nil || c.closed.Swap(true) {
		return nil
	}
	return c.conn.Close()
}

// mapShared maps the first two header copies of the wal-index read-only.
func mapShared(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < 2*walIndexHeader {
		return nil, fmt.Errorf("%s: %d bytes, too short for a wal-index", path, st.Size())
	}
	return mmap(f, 2*walIndexHeader)
}
