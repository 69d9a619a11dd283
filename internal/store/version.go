package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// DataVersion identifies the committed state of the database: two equal
// values mean that no transaction committed in between, by this process or
// any other. It is what lets an answer be reused exactly.
type DataVersion [6]uint64

// Changes tells the committed states of the database apart, by any writer:
// this process, another instance, or a person at a SQL prompt.
//
// On SQLite it costs a read of shared memory: it maps the file's wal-index
// (the "-shm" file that every connection in WAL mode shares) and reads its
// header, which SQLite rewrites on every commit (its change counter, last
// frame and checksum; see https://www.sqlite.org/walformat.html, "The
// WAL-Index Header").
//
// On PostgreSQL it costs one short statement: the server's current
// snapshot, of which two numbers identify every commit. A snapshot's xmax
// is one past the newest finished transaction, and xip lists the
// transactions below xmax still running. A commit either finishes a
// transaction at or above xmax, which moves xmax up, or one in xip, which
// leaves xip. While xmax stays the same no transaction can join xip (new
// ones are numbered above it), so xip only shrinks: equal xmax and equal
// xip sizes mean an equal snapshot, and xmax never moves back. Commits in
// the server's other databases change it too, which costs reuse, never
// exactness.

type Changes struct {
	pg    *DB          // PostgreSQL; nil on SQLite
	reads atomic.Int64 // statements that read the snapshot
	// On PostgreSQL, the read of the snapshot that callers arriving now
	// wait for: it is sent when the one in flight returns (see Version).
	snapMu   sync.Mutex
	inFlight bool
	next     *snapshotRead
	mem      []byte
	// conn stays open so that the wal-index stays the file SQLite uses:
	// it is rebuilt when the last connection to the database closes.
	conn   *sql.Conn
	closed atomic.Bool
}

// walIndexHeader is the size of one copy of the wal-index header; SQLite
// keeps two copies back to back and writes the second one first.
const walIndexHeader = 48

// Changes returns the reader of the database's commits, opened on first
// use and closed with db.
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
	if db.dialect == DialectPostgres {
		c := &Changes{pg: db}
		if _, ok := c.Version(ctx); !ok {
			return nil, errors.New("read the current snapshot: pg_current_snapshot() failed (PostgreSQL 13 or later is needed)")
		}
		return c, nil
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

// VersionStatements returns how many of Statements read the version of
// the data (one per Version on PostgreSQL, none on SQLite) rather than the
// data itself.
func (db *DB) VersionStatements() int64 {
	db.changesMu.Lock()
	defer db.changesMu.Unlock()
	if db.changes == nil {
		return 0
	}
	return db.changes.reads.Load()
}

// snapshotQuery reads the two numbers of PostgreSQL's current snapshot
// that tell its commits apart (see Changes).
const snapshotQuery = `SELECT pg_snapshot_xmax(s)::text::bigint, (SELECT count(*) FROM pg_snapshot_xip(s))
FROM pg_current_snapshot() AS s`

// Version returns the state committed now; ok is false when the state is
// unknown: the wal-index header was being rewritten during every try, the
// snapshot could not be read, or c is closed.
func (c *Changes) Version(ctx context.Context) (v DataVersion, ok bool) {
	if c == nil || c.closed.Load() {
		return v, false
	}
	if c.pg != nil {
		return c.snapshot(ctx)
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

// snapshotRead is one statement that reads the snapshot, shared by the
// callers that arrived before it was sent.
type snapshotRead struct {
	done chan struct{}
	v    DataVersion
	ok   bool
}

// snapshot returns PostgreSQL's current version. Callers that arrive while
// a read is in flight share the next one, which is sent when that read
// returns: a caller never gets a snapshot taken before it arrived (which
// could miss a commit that it saw), and under load one statement answers
// many requests instead of one each.
func (c *Changes) snapshot(ctx context.Context) (DataVersion, bool) {
	c.snapMu.Lock()
	if !c.inFlight {
		c.inFlight = true
		c.snapMu.Unlock()
		r := &snapshotRead{done: make(chan struct{})}
		// The callers that join later share the read, and may outlive
		// this one's request.
		c.send(context.WithoutCancel(ctx), r)
		return r.v, r.ok
	}
	if c.next == nil {
		c.next = &snapshotRead{done: make(chan struct{})}
	}
	r := c.next
	c.snapMu.Unlock()
	select {
	case <-r.done:
		return r.v, r.ok
	case <-ctx.Done():
		return DataVersion{}, false
	}
}

// snapshotTimeout bounds a read of the snapshot, which callers share: one
// that hangs must not hold the others for longer than their own query
// could take.
const snapshotTimeout = 5 * time.Second

// send reads the snapshot for r, then sends the read that callers joined
// meanwhile, if any, from another goroutine so that r's caller goes on.
func (c *Changes) send(ctx context.Context, r *snapshotRead) {
	c.reads.Add(1)
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	var xmax, running int64
	err := c.pg.reader.QueryRowContext(ctx, snapshotQuery).Scan(&xmax, &running)
	cancel()
	r.v, r.ok = DataVersion{uint64(xmax), uint64(running)}, err == nil
	close(r.done)
	c.snapMu.Lock()
	next := c.next
	c.next = nil
	c.inFlight = next != nil
	c.snapMu.Unlock()
	if next != nil {
		go c.send(context.Background(), next)
	}
}

// Close releases the connection; Version then reports an unknown state.
// The mapping stays, so that a Version racing with Close reads memory that
// is still there; it is one page.
func (c *Changes) Close() error {
	if c == nil || c.closed.Swap(true) || c.conn == nil {
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
