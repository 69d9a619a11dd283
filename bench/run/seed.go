package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// stampName is the file beside a kept seed that records how it was made.
const stampName = "stamp"

// keptSeed is a seeded database kept in a folder between runs, with a
// stamp of what made it: a run reuses it while the stamp matches.
type keptSeed struct {
	dir   string // the folder, whose stamp is written last
	stamp string // what the seed must have been made with
}

// fresh reports whether the folder holds a complete seed made the way
// that is asked for now.
func (k keptSeed) fresh() bool {
	b, err := os.ReadFile(filepath.Join(k.dir, stampName))
	return err == nil && string(b) == k.stamp
}

// make replaces the folder by what fill puts into a new one beside it, and
// stamps it last, so that an interrupted seed is never taken for a
// finished one. A failed fill leaves its folder for its logs to be read;
// the next make removes it.
func (k keptSeed) make(fill func(dir string) error) error {
	tmp := k.dir + ".tmp"
	if err := errors.Join(os.RemoveAll(tmp), os.RemoveAll(k.dir)); err != nil {
		return err
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, stampName), []byte(k.stamp), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, k.dir)
}

// sqliteSeed returns the pristine seeded SQLite file kept in
// bench/out/seed-sqlite, seeding it first when it is missing, was made
// with other parameters, or -reseed asks. Servers run on copies of it.
func sqliteSeed(ctx context.Context, cfg config, log io.Writer) (string, error) {
	stamp, err := seedStamp(ctx, cfg)
	if err != nil {
		return "", err
	}
	k := keptSeed{dir: filepath.Join(cfg.dir, "seed-sqlite"), stamp: stamp}
	db := filepath.Join(k.dir, "conduit.db")
	if !cfg.reseed && k.fresh() {
		fmt.Fprintf(log, "reusing the seeded SQLite file %s\n", db)
		return db, nil
	}
	fmt.Fprintf(log, "seeding %s (%s)\n", db, cfg.seed)
	err = k.make(func(dir string) error {
		return runSeed(ctx, cfg, filepath.Join(dir, "conduit.db"), filepath.Join(dir, "seed.log"))
	})
	return db, err
}

// seedStamp is what a kept seed must have been made with: the seed
// parameters and the binary's migrations. A seed from before a migration
// would be migrated by every server that starts on a copy of it (a
// backfill among them), which the idle memory would show; it is seeded
// again instead.
func seedStamp(ctx context.Context, cfg config) (string, error) {
	dir, err := os.MkdirTemp(cfg.dir, "migrations-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, cfg.conduit, "migrate", "status", "--database-url", filepath.Join(dir, "probe.db"))
	cmd.Env = serverEnv(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("conduit migrate status: %w\n%s", err, out)
	}
	return "conduit seed " + cfg.seed.String() + "\nmigrations " + strings.Join(migrationNames(string(out)), " ") + "\n", nil
}

// migrationNames reads the names in `conduit migrate status` output:
// the first field of each line after the header.
func migrationNames(status string) []string {
	var names []string
	for i, line := range strings.Split(strings.TrimSpace(status), "\n") {
		if f := strings.Fields(line); i > 0 && len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// runSeed runs `conduit seed` into the database at dsn, its output in
// logPath.
func runSeed(ctx context.Context, cfg config, dsn, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, cfg.conduit, append([]string{"seed", "--database-url", dsn}, cfg.seed.args()...)...)
	cmd.Env = serverEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("conduit seed: %w (log: %s)", err, logPath)
	}
	return nil
}

// copySQLite copies an SQLite file with its write-ahead log, if one was
// left beside it, so that the copy holds every committed write.
func copySQLite(src, dst string) error {
	for _, suffix := range []string{"", "-wal"} {
		err := copyFile(src+suffix, dst+suffix, 0o644)
		if suffix != "" && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyFile copies src to a new file dst with mode perm.
func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies the folder src to dst, keeping each entry's mode and
// owner: PostgreSQL refuses a data folder that is not its user's alone.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			err = os.Mkdir(to, fi.Mode().Perm())
		case fi.Mode().IsRegular():
			err = copyFile(path, to, fi.Mode().Perm())
		default:
			return fmt.Errorf("copy %s: not a file or folder", path)
		}
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		return os.Lchown(to, int(st.Uid), int(st.Gid))
	})
}
