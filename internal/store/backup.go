package store

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// BackupOptions tune DB.Backup.
type BackupOptions struct {
	// Overwrite replaces a file that already exists at the path. Without
	// it Backup fails with an error that wraps fs.ErrExist.
	Overwrite bool
	// PgDump is the pg_dump that backs up PostgreSQL: a path, or a name
	// looked up on PATH. Empty means the newest pg_dump on PATH or in
	// /usr/lib/postgresql/*/bin.
	PgDump string
}

// Backup writes a consistent copy of the database to path while the
// database keeps serving: on SQLite an SQLite file made with VACUUM INTO
// (open it as the database, or copy it in place of conduit.db); on
// PostgreSQL a pg_dump archive in the custom format (restore it with
// pg_restore).
//
// The copy is written to a temporary file in path's folder, synced, and
// renamed to path only when complete: a failed or interrupted backup never
// leaves a partial file at path. The file is readable by its owner only,
// since it holds password hashes and emails.
func (db *DB) Backup(ctx context.Context, path string, opts BackupOptions) (err error) {
	if path == "" {
		return errors.New("backup: no file given")
	}
	// Absolute, so that SQLite never reads the name as a file: URI and a
	// later chdir cannot move it.
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := checkTarget(abs, path, opts.Overwrite); err != nil {
		return err
	}
	var write func(ctx context.Context, tmp string) error
	switch db.dialect {
	case DialectSQLite:
		if err := db.checkNotSelf(ctx, abs, path); err != nil {
			return err
		}
		write = db.vacuumInto
	case DialectPostgres:
		pgDump, err := findPgDump(ctx, opts.PgDump)
		if err != nil {
			return err
		}
		dsn, err := db.postgresDSN(ctx)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		write = func(ctx context.Context, tmp string) error { return runPgDump(ctx, pgDump, dsn, tmp) }
	default:
		return fmt.Errorf("backup: unknown dialect %q", db.dialect)
	}

	dir, base := filepath.Split(abs)
	f, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp := f.Name()
	// An empty file: VACUUM INTO accepts one, pg_dump truncates it. Made
	// by CreateTemp, it is private (0600) from the start.
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := write(ctx, tmp); err != nil {
		return err
	}
	// Neither VACUUM INTO nor pg_dump syncs what it wrote.
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := publish(tmp, abs, path, opts.Overwrite); err != nil {
		return err
	}
	// Make the rename durable; a failure here does not undo the backup.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// checkTarget fails early, before any work, when path cannot be written.
func checkTarget(abs, path string, overwrite bool) error {
	fi, err := os.Lstat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("backup: %w", err)
	case fi.IsDir():
		return fmt.Errorf("backup: %s is a directory", path)
	case !overwrite:
		return &fs.PathError{Op: "backup", Path: path, Err: fs.ErrExist}
	}
	return nil
}

// publish moves the finished tmp to abs. Without overwrite a hard link
// claims abs atomically, so a file that appeared meanwhile is kept.
func publish(tmp, abs, path string, overwrite bool) error {
	if !overwrite {
		err := os.Link(tmp, abs)
		if err == nil {
			os.Remove(tmp)
			return nil
		}
		if errors.Is(err, fs.ErrExist) {
			return &fs.PathError{Op: "backup", Path: path, Err: fs.ErrExist}
		}
		// No hard links on this file system: check, then rename.
		if _, err := os.Lstat(abs); err == nil {
			return &fs.PathError{Op: "backup", Path: path, Err: fs.ErrExist}
		}
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// checkNotSelf refuses to write the backup over the SQLite database itself
// (or its -wal, -shm or -journal file), which --force would otherwise do.
func (db *DB) checkNotSelf(ctx context.Context, abs, path string) error {
	var seq int
	var name, file string
	if err := db.reader.DB.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if file == "" {
		return nil
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if filepath.Clean(file+suffix) == abs {
			return fmt.Errorf("backup: %s is the database itself", path)
		}
	}
	target, err1 := os.Stat(abs)
	live, err2 := os.Stat(file)
	if err1 == nil && err2 == nil && os.SameFile(target, live) {
		return fmt.Errorf("backup: %s is the database itself", path)
	}
	return nil
}

// vacuumInto writes a compacted copy of the SQLite database to tmp, an
// empty file. It runs on a connection of the reader pool, so that in WAL
// mode it reads one snapshot while the writer keeps writing. Readers are
// query_only, which VACUUM INTO (it writes, if to another file) needs off:
// the connection is switched, used, then closed, never returned to the pool.
func (db *DB) vacuumInto(ctx context.Context, tmp string) error {
	if strings.ContainsRune(tmp, 0) {
		return errors.New("backup: file name contains a NUL byte")
	}
	conn, err := db.reader.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		conn.Raw(func(any) error { return driver.ErrBadConn }) // closes it
		conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// The name is a bound parameter, so no quoting can go wrong.
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("backup: vacuum into: %w", err)
	}
	return nil
}

// postgresDSN returns the URL that the pool connects with.
func (db *DB) postgresDSN(ctx context.Context) (string, error) {
	conn, err := db.writer.DB.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var dsn string
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		dsn = c.Conn().Config().ConnString()
		return nil
	})
	return dsn, err
}

// pgxOnlyParams are URL parameters that pgx understands and libpq (so
// pg_dump) rejects.
var pgxOnlyParams = []string{
	"statement_cache_capacity", "description_cache_capacity", "default_query_exec_mode",
	"min_read_buffer_size", "pool_max_conns", "pool_min_conns", "pool_min_idle_conns",
	"pool_max_conn_lifetime", "pool_max_conn_idle_time", "pool_health_check_period",
	"pool_max_conn_lifetime_jitter",
}

// pgDumpTarget splits a postgres:// URL into what pg_dump gets on its
// command line (no password, which anyone may read there) and the
// password, for PGPASSWORD.
func pgDumpTarget(dsn string) (conninfo, password string, err error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", errors.New("backup: the database URL is not a postgres:// URL")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	if p := q.Get("password"); p != "" {
		password = p
	}
	q.Del("password")
	for _, k := range pgxOnlyParams {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), password, nil
}

// runPgDump dumps dsn to file in pg_dump's custom format.
func runPgDump(ctx context.Context, pgDump, dsn, file string) error {
	conninfo, password, err := pgDumpTarget(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--no-password", "--file="+file, "--dbname="+conninfo)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 8 << 10}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("backup: %w", ctx.Err())
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		hint := ""
		if strings.Contains(msg, "version mismatch") {
			hint = " (install a PostgreSQL client at least as new as the server)"
		}
		return fmt.Errorf("backup: %s failed: %s%s", pgDump, msg, hint)
	}
	return nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

// Write keeps what fits and reports every byte as written, so the command
// writing into it never fails for a long error output.
func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// errNoPgDump says what to do when no pg_dump is found.
const errNoPgDump = "install the PostgreSQL client tools (for example `apt install postgresql-client`), of the server's major version or newer"

// pgBinGlob matches where Debian and Ubuntu install each version's binaries.
var pgBinGlob = "/usr/lib/postgresql/*/bin"

// findPgDump returns the pg_dump to run: want when set, else the newest of
// the one on PATH and those in pgBinGlob (pg_dump refuses servers newer
// than itself, and dumps older ones fine).
func findPgDump(ctx context.Context, want string) (string, error) {
	if want != "" {
		p, err := exec.LookPath(want)
		if err != nil {
			return "", fmt.Errorf("backup: pg_dump %q not found: %s", want, errNoPgDump)
		}
		return p, nil
	}
	var candidates []string
	if p, err := exec.LookPath("pg_dump"); err == nil {
		candidates = append(candidates, p)
	}
	found, _ := filepath.Glob(filepath.Join(pgBinGlob, "pg_dump"))
	candidates = append(candidates, found...)
	best, bestVersion := "", []int(nil)
	for _, c := range candidates {
		v := pgDumpVersion(ctx, c)
		if v == nil {
			continue
		}
		if best == "" || slices.Compare(v, bestVersion) > 0 {
			best, bestVersion = c, v
		}
	}
	if best == "" {
		return "", fmt.Errorf("backup: pg_dump not found on PATH or in %s: %s", pgBinGlob, errNoPgDump)
	}
	return best, nil
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// pgDumpVersion returns the [major, minor] version that pg_dump reports,
// or nil when it does not run.
func pgDumpVersion(ctx context.Context, pgDump string) []int {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, pgDump, "--version").Output()
	if err != nil {
		return nil
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return nil
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return []int{major, minor}
}
