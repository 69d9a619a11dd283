package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/stretchr/testify/require"
)

// backupDB makes a migrated database at dsn with one user, the way a
// running server would have it, and leaves it open while the test runs.
func backupDB(t *testing.T, dsn, username string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(ctx))
	_, err = store.NewUserService(db, &auth.Argon2{Memory: 64, Time: 1, Threads: 1}).CreateUser(ctx, conduit.NewUser{
		Username: username, Email: username + "@example.com", Password: "password123",
	})
	require.NoError(t, err)
	return db
}

// backupUser returns the user named username in the database at dsn.
func backupUser(t *testing.T, dsn, username string) *conduit.User {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	n, err := db.PendingMigrations(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	u, err := store.NewUserService(db, auth.NewArgon2()).UserByUsername(ctx, username)
	require.NoError(t, err)
	return u
}

// runBackup runs `conduit backup ARGS…` with the environment env.
func runBackup(env map[string]string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = Backup(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

var backupLineRE = regexp.MustCompile(`^Backed up the (SQLite|PostgreSQL) database to (.+): [0-9.]+ (B|kB|MB|GB) in [0-9.]+[µm]?s\.\n$`)

func TestBackup_SQLiteCommand(t *testing.T) {
	dsn := testenv.SQLite(t)
	backupDB(t, dsn, "cli")
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.db")

	// Flags after FILE.
	stdout, _, err := runBackup(nil, out, "--database-url", dsn)
	require.NoError(t, err)
	m := backupLineRE.FindStringSubmatch(stdout)
	require.NotNil(t, m, "%q", stdout)
	require.Equal(t, "SQLite", m[1])
	require.Equal(t, out, m[2])
	require.Equal(t, "cli", backupUser(t, out, "cli").Username)
	before, err := os.ReadFile(out)
	require.NoError(t, err)

	// An existing FILE is kept...
	_, _, err = runBackup(nil, "--database-url", dsn, out)
	require.ErrorContains(t, err, "already exists: pass --force")
	after, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, before, after)

	// ...unless --force, given anywhere; the database may come from the
	// environment.
	env := map[string]string{"CONDUIT_DATABASE_URL": dsn}
	backupDB(t, filepath.Join(t.TempDir(), "other.db"), "unrelated")
	_, _, err = runBackup(env, out, "--force")
	require.NoError(t, err)
	_, _, err = runBackup(env, "--force", out)
	require.NoError(t, err)
	require.Equal(t, "cli", backupUser(t, out, "cli").Username)

	// A FILE that looks like a flag, after "--".
	odd := filepath.Join(dir, "-odd.db")
	t.Chdir(dir)
	_, _, err = runBackup(env, "--", "-odd.db")
	require.NoError(t, err)
	require.FileExists(t, odd)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"-odd.db", "backup.db"}, names, "no temporary file left")
}

func TestBackup_CommandErrors(t *testing.T) {
	dsn := testenv.SQLite(t)
	backupDB(t, dsn, "errs")
	dir := t.TempDir()

	_, stderr, err := runBackup(nil, "--database-url", dsn)
	require.ErrorContains(t, err, "one FILE")
	require.Contains(t, stderr, "Usage: conduit backup FILE")
	_, _, err = runBackup(nil, "a.db", "--database-url", dsn, "b.db")
	require.ErrorContains(t, err, "one FILE")

	// A missing SQLite database is not created (and backed up empty).
	missing := filepath.Join(dir, "missing.db")
	_, _, err = runBackup(nil, filepath.Join(dir, "backup.db"), "--database-url", missing)
	require.ErrorContains(t, err, "no database at")
	require.NoFileExists(t, missing)

	// A backup that fails leaves nothing.
	_, _, err = runBackup(nil, filepath.Join(dir, "no", "such", "folder", "backup.db"), "--database-url", dsn)
	require.Error(t, err)
	_, _, err = runBackup(nil, dsn, "--force", "--database-url", dsn)
	require.ErrorContains(t, err, "is the database itself")
	require.Equal(t, "errs", backupUser(t, dsn, "errs").Username)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// pgRestore returns pg_restore: on PATH, else the newest Debian one.
func pgRestore(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pg_restore"); err == nil {
		return p
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_restore")
	slices.SortFunc(found, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return vb - va
	})
	if len(found) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_restore not found")
		}
		t.Skip("pg_restore not found")
	}
	return found[0]
}

func TestBackup_PostgresCommand(t *testing.T) {
	dsn := testenv.Postgres(t)
	backupDB(t, dsn, "pgcli")
	dir := t.TempDir()
	out := filepath.Join(dir, "backup.dump")

	stdout, _, err := runBackup(nil, out, "--database-url", dsn)
	require.NoError(t, err)
	m := backupLineRE.FindStringSubmatch(stdout)
	require.NotNil(t, m, "%q", stdout)
	require.Equal(t, "PostgreSQL", m[1])

	list, err := exec.Command(pgRestore(t), "--list", out).CombinedOutput()
	require.NoError(t, err, "%s", list)
	require.Contains(t, string(list), "TABLE public users")

	fresh := testenv.Postgres(t)
	restored, err := exec.Command(pgRestore(t), "--no-owner", "--exit-on-error", "--dbname="+fresh, out).CombinedOutput()
	require.NoError(t, err, "%s", restored)
	require.Equal(t, "pgcli", backupUser(t, fresh, "pgcli").Username)

	_, _, err = runBackup(nil, out, "--database-url", dsn)
	require.ErrorContains(t, err, "already exists: pass --force")

	_, _, err = runBackup(nil, filepath.Join(dir, "other.dump"), "--database-url", dsn, "--pg-dump", "no-such-pg_dump")
	require.ErrorContains(t, err, "install the PostgreSQL client")
	require.NoFileExists(t, filepath.Join(dir, "other.dump"))
}

func TestBackup_FormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 1_234_567: "1.2 MB", 5_000_000_000: "5.0 GB"} {
		require.Equal(t, want, formatSize(n), "%d", n)
	}
	require.True(t, strings.HasSuffix(formatSize(1<<60), " TB"))
}
