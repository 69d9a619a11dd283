package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/conduit-graphql/conduit/internal/store"
)

const backupAbout = `Writes a consistent copy of the database to FILE while the server keeps
serving. FILE is never overwritten without --force, and a failed backup
leaves nothing at FILE. The file is readable by its owner only: it holds
emails and password hashes.

SQLite: FILE is a compacted SQLite database (VACUUM INTO). Use it as it is
(--database-url FILE), or restore it: stop the server, remove the old
database's -wal and -shm files, and copy FILE in place of the database:
  cp FILE conduit.db

PostgreSQL: FILE is a pg_dump archive in the custom format; pg_dump comes
with the PostgreSQL client tools (postgresql-client), of the server's major
version or newer. Restore it into a new, empty database with pg_restore:
  pg_restore --no-owner --exit-on-error --dbname postgres://…/new FILE
(the archive holds the migration history too: no migrate step is needed).`

// Backup is `conduit backup`: it writes a consistent copy of the live
// database to a file.
func Backup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dsn, pgDump string
	var force bool
	f := newFlags("backup FILE [flags]", backupAbout, getenv, stderr)
	databaseFlag(f, &dsn)
	f.fs.BoolVar(&force, "force", false, "replace FILE when it exists")
	f.String(&pgDump, "pg-dump", "CONDUIT_PG_DUMP", "", "pg_dump to run on PostgreSQL (default: the newest on PATH or in /usr/lib/postgresql/*/bin)")
	files, err := parseInterleaved(f, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		f.fs.Usage()
		return errors.New("backup takes one FILE")
	}
	file := files[0]
	if err := checkSQLiteExists(dsn); err != nil {
		return err
	}

	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	err = db.Backup(ctx, file, store.BackupOptions{Overwrite: force, PgDump: pgDump})
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: pass --force to replace it", file)
	} else if err != nil {
		return err
	}
	elapsed := time.Since(start)
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Backed up the %s database to %s: %s in %s.\n", dialectName(db.Dialect()), file, formatSize(fi.Size()), elapsed.Round(time.Millisecond))
	return nil
}

// parseInterleaved parses flags that come before, between or after the
// positional arguments, which the flag package alone stops at, and returns
// the positional ones. After "--" everything is positional.
func parseInterleaved(f *envFlags, args []string) ([]string, error) {
	var positional []string
	for {
		if err := f.parse(args); err != nil {
			return nil, err
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// checkSQLiteExists fails when dsn names an SQLite file that does not
// exist: opening it would create an empty database, and back that up.
func checkSQLiteExists(dsn string) error {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil
	}
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "sqlite://"), "?")
	path = strings.TrimPrefix(path, "file:")
	if path == "" || strings.HasPrefix(path, "//") {
		return nil // a URI form that store.Open judges itself
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (set --database-url or CONDUIT_DATABASE_URL)", path)
	}
	return nil
}

func dialectName(d string) string {
	if d == store.DialectPostgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// formatSize returns n bytes in B, kB, MB or GB (powers of 1000).
func formatSize(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v, units := float64(n)/1000, []string{"kB", "MB", "GB", "TB"}
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
