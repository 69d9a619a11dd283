package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// errNoBinaries means that this machine has no PostgreSQL server binaries.
var errNoBinaries = errors.New("PostgreSQL binaries (initdb, pg_ctl, postgres) not found on PATH or in /usr/lib/postgresql/*/bin")

// serverTools are the binaries that the server needs, all in one directory.
var serverTools = []string{"initdb", "pg_ctl", "postgres"}

// findBinaries returns the directory of initdb, pg_ctl and postgres: the
// one of initdb on PATH, else Debian's /usr/lib/postgresql/<version>/bin of
// the highest version.
func findBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil && hasTools(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if hasTools(d) {
			return d, nil
		}
	}
	return "", errNoBinaries
}

func hasTools(dir string) bool {
	for _, t := range serverTools {
		if fi, err := os.Stat(filepath.Join(dir, t)); err != nil || fi.IsDir() {
			return false
		}
	}
	return true
}

// versionOf returns the major version in /usr/lib/postgresql/<v>/bin.
func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// runAs is the user that the server runs as.
type runAs struct {
	uid, gid uint32
}

// serverUser returns nil when we are not root, else the postgres user:
// initdb and postgres refuse to run as root.
func serverUser() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and no postgres user to run the server as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("postgres user: %w", err)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid)}, nil
}

// makeServerDir makes the server's temporary directory, owned by as when
// set; then each of its parents must let others through, so /tmp is used
// when the usual temporary directory (say, under /root) does not.
func makeServerDir(as *runAs) (string, error) {
	base := os.TempDir()
	if as != nil && !othersCanTraverse(base) {
		base = "/tmp"
	}
	removeStaleDirs(base)
	dir, err := os.MkdirTemp(base, "conduit-pg-")
	if err != nil {
		return "", err
	}
	if as != nil {
		if err := os.Chown(dir, int(as.uid), int(as.gid)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// othersCanTraverse reports whether every directory from / to dir lets
// other users through.
func othersCanTraverse(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir || !strings.HasPrefix(dir, "/") {
			return true
		}
		dir = parent
	}
}

// removeStaleDirs removes the directories of servers whose test process
// died without Main (the server dies with it, its files stay): those older
// than an hour whose postmaster is gone.
func removeStaleDirs(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "conduit-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < time.Hour || postmasterAlive(d) {
			continue
		}
		os.RemoveAll(d)
	}
}

// postmasterAlive reports whether the server of dir still runs.
func postmasterAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return false
	}
	p, err := os.FindProcess(pid)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
