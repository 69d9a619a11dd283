package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// openBackup opens and migrates an SQLite backup as the server would.
func openBackup(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(context.Background()))
	return db
}

// requireOnly asserts that dir holds exactly the files named.
func requireOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	require.Equal(t, names, got)
}

func TestBackup_SQLiteWhileWriting(t *testing.T) {
	ctx := context.Background()
	path := testenv.SQLite(t)
	server, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer server.Close()
	require.NoError(t, server.Migrate(ctx))
	_, err = store.Seed(ctx, server, store.SeedOptions{Users: 40, Articles: 300, Comments: 1000, Seed: 1, PasswordHash: "x"})
	require.NoError(t, err)
	articles := store.CountRows(t, server, "articles", "1=1")

	// The server keeps signing up users while the backup runs.
	users := store.NewUserService(server, testHasher)
	var inserted atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var insertErr error // read after wg.Wait
	var failed atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			name := "live" + strconv.Itoa(i)
			if _, err := users.CreateUser(ctx, conduit.NewUser{Username: name, Email: name + "@example.com", Password: "password123"}); err != nil {
				insertErr = err
				failed.Store(true)
				return
			}
			inserted.Add(1)
		}
	}()
	for inserted.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	before := store.CountRows(t, server, "users", "1=1")

	// The backup runs in its own process, so on its own connections.
	tool, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer tool.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")
	atStart := inserted.Load()
	require.NoError(t, tool.Backup(ctx, out, store.BackupOptions{}))
	for inserted.Load() < atStart+5 && !failed.Load() {
		time.Sleep(time.Millisecond) // the writer was never blocked for good
	}
	close(stop)
	wg.Wait()
	require.NoError(t, insertErr)
	after := store.CountRows(t, server, "users", "1=1")
	require.Greater(t, after, before)

	requireOnly(t, dir, "backup.db")
	fi, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm(), "a backup holds password hashes")

	raw, err := sql.Open(sqliteshim.ShimName, out)
	require.NoError(t, err)
	var check string
	require.NoError(t, raw.QueryRow("PRAGMA integrity_check").Scan(&check))
	require.NoError(t, raw.Close())
	require.Equal(t, "ok", check)

	b := openBackup(t, out)
	n, err := b.PendingMigrations(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	got := store.CountRows(t, b, "users", "1=1")
	require.GreaterOrEqual(t, got, before, "rows committed before the backup started")
	require.LessOrEqual(t, got, after)
	require.Equal(t, articles, store.CountRows(t, b, "articles", "1=1"))
	// The copy works as a database: sign in with a user copied over.
	u, err := store.NewUserService(b, testHasher).Authenticate(ctx, "live0@example.com", "password123")
	require.NoError(t, err)
	require.Equal(t, "live0", u.Username)
}

func TestBackup_SQLiteExistingFile(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, store.DialectSQLite)
	MustCreateUser(t, db, "exist")
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")
	require.NoError(t, os.WriteFile(out, []byte("keep me"), 0o644))

	err := db.Backup(ctx, out, store.BackupOptions{})
	require.ErrorIs(t, err, fs.ErrExist)
	b, _ := os.ReadFile(out)
	require.Equal(t, "keep me", string(b))
	requireOnly(t, dir, "backup.db")

	require.NoError(t, db.Backup(ctx, out, store.BackupOptions{Overwrite: true}))
	requireOnly(t, dir, "backup.db")
	require.Equal(t, 1, store.CountRows(t, openBackup(t, out), "users", "1=1"))

	require.ErrorContains(t, db.Backup(ctx, dir, store.BackupOptions{Overwrite: true}), "is a directory")
}

func TestBackup_SQLiteRefusesItself(t *testing.T) {
	ctx := context.Background()
	path := testenv.SQLite(t)
	db, err := store.Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Migrate(ctx))
	for _, target := range []string{path, path + "-wal"} {
		err := db.Backup(ctx, target, store.BackupOptions{Overwrite: true})
		require.ErrorContains(t, err, "is the database itself")
	}
	// Also through another name for the same file.
	link := filepath.Join(t.TempDir(), "link.db")
	require.NoError(t, os.Link(path, link))
	require.ErrorContains(t, db.Backup(ctx, link, store.BackupOptions{Overwrite: true}), "is the database itself")
	require.NoError(t, db.Ping(ctx))
}

func TestBackup_SQLiteQuotesInPath(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, store.DialectSQLite)
	MustCreateUser(t, db, "quote")
	dir := filepath.Join(t.TempDir(), `it's a "dir"; DROP TABLE users; --`)
	require.NoError(t, os.Mkdir(dir, 0o755))
	out := filepath.Join(dir, "o'brien.db")
	require.NoError(t, db.Backup(ctx, out, store.BackupOptions{}))
	requireOnly(t, dir, "o'brien.db")
	require.Equal(t, 1, store.CountRows(t, openBackup(t, out), "users", "1=1"))
	require.Equal(t, 1, store.CountRows(t, db, "users", "1=1"))
}

func TestBackup_SQLiteFailureLeavesNoFile(t *testing.T) {
	db := MustOpenDB(t, store.DialectSQLite)
	MustCreateUser(t, db, "fail")

	t.Run("Cancelled", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := db.Backup(ctx, filepath.Join(dir, "backup.db"), store.BackupOptions{})
		require.ErrorIs(t, err, context.Canceled)
		requireOnly(t, dir)
	})
	t.Run("NoFolder", func(t *testing.T) {
		dir := t.TempDir()
		err := db.Backup(context.Background(), filepath.Join(dir, "missing", "backup.db"), store.BackupOptions{})
		require.ErrorIs(t, err, fs.ErrNotExist)
		requireOnly(t, dir)
	})
	t.Run("UnwritableFolder", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes anywhere")
		}
		dir := filepath.Join(t.TempDir(), "ro")
		require.NoError(t, os.Mkdir(dir, 0o500))
		err := db.Backup(context.Background(), filepath.Join(dir, "backup.db"), store.BackupOptions{})
		require.ErrorIs(t, err, fs.ErrPermission)
		requireOnly(t, dir)
	})
	t.Run("FolderIsAFile", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
		err := db.Backup(context.Background(), filepath.Join(dir, "file", "backup.db"), store.BackupOptions{})
		require.Error(t, err)
		requireOnly(t, dir, "file")
	})
}

// pgTool returns the path of a PostgreSQL client tool: on PATH, else the
// newest in /usr/lib/postgresql/*/bin.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	slices.SortFunc(found, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return vb - va
	})
	if len(found) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found", name)
		}
		t.Skipf("%s not found", name)
	}
	return found[0]
}

func TestBackup_Postgres(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, store.DialectPostgres)
	u := MustCreateUser(t, db, "pgdump")
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.dump")
	require.NoError(t, db.Backup(ctx, out, store.BackupOptions{}))
	requireOnly(t, dir, "backup.dump")

	list, err := exec.Command(pgTool(t, "pg_restore"), "--list", out).CombinedOutput()
	require.NoError(t, err, "%s", list)
	require.Contains(t, string(list), "TABLE public users")

	err = db.Backup(ctx, out, store.BackupOptions{})
	require.ErrorIs(t, err, fs.ErrExist)

	// Restore into a fresh database and find the user there.
	fresh := testenv.Postgres(t)
	restored, err := exec.Command(pgTool(t, "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--dbname="+fresh, out).CombinedOutput()
	require.NoError(t, err, "%s", restored)
	rdb, err := store.Open(ctx, fresh)
	require.NoError(t, err)
	defer rdb.Close()
	n, err := rdb.PendingMigrations(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	got, err := store.NewUserService(rdb, testHasher).UserByUsername(ctx, u.Username)
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	require.Equal(t, u.Email, got.Email)
}

// fakePgDump writes a pg_dump stand-in that records its arguments and
// PGPASSWORD to log, writes half a file to --file, then runs tail.
func fakePgDump(t *testing.T, tail string) (script, log string) {
	t.Helper()
	dir := t.TempDir()
	script, log = filepath.Join(dir, "pg_dump"), filepath.Join(dir, "log")
	body := `#!/bin/sh
printf '%s\n' "$@" > '` + log + `'
echo "PGPASSWORD=$PGPASSWORD" >> '` + log + `'
for a; do case "$a" in --file=*) f="${a#--file=}";; esac; done
printf 'PGDMP half' > "$f"
` + tail + "\n"
	require.NoError(t, os.WriteFile(script, []byte(body), 0o755))
	return script, log
}

func TestBackup_PostgresPasswordNotOnCommandLine(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Postgres(t)
	// The test server trusts every connection, so any password works.
	dsn = strings.Replace(dsn, "postgres://postgres@", "postgres://postgres:s3cr%21t@", 1)
	db, err := store.Open(ctx, dsn+"&statement_cache_capacity=10")
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Migrate(ctx))

	script, log := fakePgDump(t, "exit 0")
	out := filepath.Join(t.TempDir(), "backup.dump")
	require.NoError(t, db.Backup(ctx, out, store.BackupOptions{PgDump: script}))
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	args := string(b)
	require.Contains(t, args, "PGPASSWORD=s3cr!t\n")
	args = strings.TrimSuffix(args, "PGPASSWORD=s3cr!t\n")
	require.NotContains(t, args, "s3cr")
	require.Contains(t, args, "--format=custom\n")
	require.Contains(t, args, "--dbname=postgres://postgres@127.0.0.1:")
	require.NotContains(t, args, "statement_cache_capacity", "pg_dump rejects pgx's parameters")

	// And the real pg_dump connects with it.
	MustCreateUser(t, db, "pw")
	out2 := filepath.Join(t.TempDir(), "backup.dump")
	require.NoError(t, db.Backup(ctx, out2, store.BackupOptions{}))
}

func TestBackup_PostgresFailureLeavesNoFile(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t, store.DialectPostgres)

	t.Run("PgDumpFails", func(t *testing.T) {
		script, _ := fakePgDump(t, "echo 'pg_dump: error: connection lost' >&2; exit 1")
		dir := t.TempDir()
		err := db.Backup(ctx, filepath.Join(dir, "backup.dump"), store.BackupOptions{PgDump: script})
		require.ErrorContains(t, err, "connection lost")
		requireOnly(t, dir)
	})
	t.Run("Cancelled", func(t *testing.T) {
		script, _ := fakePgDump(t, "exec sleep 30")
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := db.Backup(ctx, filepath.Join(dir, "backup.dump"), store.BackupOptions{PgDump: script})
		require.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
		require.Less(t, time.Since(start), 10*time.Second)
		requireOnly(t, dir)
	})
	t.Run("NoPgDump", func(t *testing.T) {
		dir := t.TempDir()
		err := db.Backup(ctx, filepath.Join(dir, "backup.dump"), store.BackupOptions{PgDump: "no-such-pg_dump"})
		require.ErrorContains(t, err, "install the PostgreSQL client")
		requireOnly(t, dir)
	})
}
