package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// pgServer is a PostgreSQL server started by the runner.
type pgServer struct {
	proc *process
	dsn  string // of the "postgres" database, as conduit takes it
}

// pgCluster is where the PostgreSQL binaries are and whom they run as.
type pgCluster struct {
	bin string              // folder of initdb and postgres
	as  *syscall.Credential // the postgres user when the runner is root
}

// findPostgres finds the binaries: initdb's folder on PATH, else Debian's
// /usr/lib/postgresql/<version>/bin of the highest version. PostgreSQL
// refuses to run as root, so as root the servers run as user postgres.
func findPostgres() (pgCluster, error) {
	var c pgCluster
	if p, err := exec.LookPath("initdb"); err == nil {
		c.bin = filepath.Dir(p)
	} else {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		if len(dirs) == 0 {
			return c, errors.New("PostgreSQL binaries (initdb, postgres) not found: make deps installs them")
		}
		slices.SortFunc(dirs, func(a, b string) int { return pgMajor(b) - pgMajor(a) })
		c.bin = filepath.Dir(dirs[0])
	}
	if os.Geteuid() != 0 {
		return c, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return c, fmt.Errorf("running as root, and no postgres user to run PostgreSQL as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	c.as = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return c, errors.Join(err1, err2)
}

// pgMajor returns the version in /usr/lib/postgresql/<v>/bin/initdb.
func pgMajor(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// version returns what `postgres --version` prints: part of the kept
// seed's stamp, since a data folder is only good for its major version.
func (c pgCluster) version() (string, error) {
	out, err := exec.Command(filepath.Join(c.bin, "postgres"), "--version").Output()
	return strings.TrimSpace(string(out)), err
}

// own gives a folder to the user PostgreSQL runs as.
func (c pgCluster) own(dir string) error {
	if c.as == nil {
		return nil
	}
	return os.Chown(dir, int(c.as.Uid), int(c.as.Gid))
}

// postgresSeed returns the seeded data folder kept in
// bench/out/seed-postgres, making it first when it is missing or stale: a
// new cluster, started, seeded with `conduit seed` and stopped cleanly.
func postgresSeed(ctx context.Context, cfg config, c pgCluster, log io.Writer) (string, error) {
	v, err := c.version()
	if err != nil {
		return "", fmt.Errorf("postgres --version: %w", err)
	}
	stamp, err := seedStamp(ctx, cfg)
	if err != nil {
		return "", err
	}
	k := keptSeed{dir: filepath.Join(cfg.dir, "seed-postgres"), stamp: stamp + v + "\n"}
	data := filepath.Join(k.dir, "data")
	if !cfg.reseed && k.fresh() {
		fmt.Fprintf(log, "reusing the seeded PostgreSQL data %s\n", data)
		return data, nil
	}
	fmt.Fprintf(log, "seeding PostgreSQL into %s (%s)\n", data, cfg.seed)
	err = k.make(func(dir string) error {
		if err := c.own(dir); err != nil {
			return err
		}
		if err := c.initdb(ctx, filepath.Join(dir, "data")); err != nil {
			return err
		}
		// A fast shutdown (SIGINT) leaves a clean folder to copy.
		srv, err := c.start(ctx, filepath.Join(dir, "data"), dir, filepath.Join(dir, "postgres.log"), syscall.SIGINT)
		if err != nil {
			return err
		}
		err = runSeed(ctx, cfg, srv.dsn, filepath.Join(dir, "seed.log"))
		return errors.Join(err, srv.proc.stop())
	})
	return data, err
}

// initdb makes a cluster in data: superuser postgres, trusted local
// connections, no fsync (the data can be seeded again).
func (c pgCluster) initdb(ctx context.Context, data string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.as}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start runs postgres on data, on the server CPU and a free loopback port,
// with its unix socket in sockDir (which its user owns), and waits until it
// accepts connections. stopBy is how it will be stopped: SIGINT for a clean
// shutdown, SIGQUIT to drop a copy at once.
func (c pgCluster) start(ctx context.Context, data, sockDir, logPath string, stopBy syscall.Signal) (*pgServer, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the server has its own copy
	// A free port can be taken between our check and the server's bind:
	// try a few.
	for range 3 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		// Durability is worthless for data that a run throws away.
		spec := procSpec{name: "postgres", as: c.as, stdout: logf, stderr: logf, stopBy: stopBy, orphanBy: syscall.SIGQUIT,
			args: []string{filepath.Join(c.bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", sockDir,
				"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
				"-c", "full_page_writes=off", "-c", "log_min_messages=warning"}}
		var p *process
		if p, err = startPinned(serverCPU, spec); err != nil {
			return nil, err
		}
		if err = waitPostgres(ctx, p, data); err == nil {
			dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return &pgServer{proc: p, dsn: dsn}, nil
		}
		_ = p.stop()
	}
	return nil, fmt.Errorf("postgres: %w (log: %s)", err, logPath)
}

// waitPostgres waits until the server's postmaster.pid says "ready" (its
// eighth line, written once it accepts connections), it exits, or the
// start timeout passes.
func waitPostgres(ctx context.Context, p *process, data string) error {
	deadline := time.Now().Add(startTimeout)
	for {
		b, _ := os.ReadFile(filepath.Join(data, "postmaster.pid"))
		if lines := strings.Split(string(b), "\n"); len(lines) > 7 && strings.TrimSpace(lines[7]) == "ready" {
			return nil
		}
		select {
		case <-p.exited:
			return errors.New("exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", startTimeout)
		}
	}
}
