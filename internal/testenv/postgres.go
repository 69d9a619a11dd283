package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Timeouts for the server's steps.
const (
	initdbTimeout = 2 * time.Minute
	startTimeout  = 30 * time.Second
	stopTimeout   = 30 * time.Second
	sqlTimeout    = 30 * time.Second
)

// pgServer is a PostgreSQL server running from a temporary directory.
type pgServer struct {
	bin     string // directory of initdb, pg_ctl and postgres
	dir     string // holds data/, the unix socket and the log
	as      *runAs // the user to run as when we are root
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postgres process ends
	admin   *sql.DB       // connected to the "postgres" database
	created atomic.Int64
}

// Postgres returns the DSN of a new, empty database, dropped when tb ends,
// on a PostgreSQL server started once per test process (and stopped by
// Main). Without PostgreSQL binaries it skips tb, or fails it when CI=true.
func Postgres(tb testing.TB) string {
	tb.Helper()
	server.once.Do(func() {
		pg, err := startPostgres()
		server.mu.Lock()
		server.pg, server.err = pg, err
		server.mu.Unlock()
	})
	requireTool(tb, "PostgreSQL", server.err, errNoBinaries)
	pg := server.pg
	name := fmt.Sprintf("conduit_test_%d", pg.created.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), sqlTimeout)
	defer cancel()
	if _, err := pg.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testenv: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), sqlTimeout)
		defer cancel()
		// FORCE ends sessions that a test left open.
		if _, err := pg.admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("testenv: drop database: %v", err)
		}
	})
	return pg.dsn(name)
}

func (s *pgServer) dsn(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, database)
}

func (s *pgServer) logPath() string  { return filepath.Join(s.dir, "server.log") }
func (s *pgServer) dataPath() string { return filepath.Join(s.dir, "data") }

// startPostgres makes a cluster in a new temporary directory and starts it.
func startPostgres() (*pgServer, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	as, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := makeServerDir(as)
	if err != nil {
		return nil, err
	}
	s := &pgServer{bin: bin, dir: dir, as: as}
	if err := s.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A free port can be taken between our check and the server's bind:
	// try a few.
	for range 3 {
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// initdb makes the cluster: superuser postgres, trusted local connections.
func (s *pgServer) initdb() error {
	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "initdb"),
		"-D", s.dataPath(), "-U", "postgres", "--auth=trust", "--no-sync",
		"-E", "UTF8", "--locale=C")
	cmd.SysProcAttr = sysProcAttr(s.as, false)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start runs postgres on a free port and waits until it accepts connections.
func (s *pgServer) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.port = port
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	// Durability is worthless for a database that dies with the tests.
	s.cmd = exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.dataPath(),
		"-p", fmt.Sprint(port), "-k", s.dir, "-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=500", "-c", "log_min_messages=warning")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// The server dies with this process even when Main never runs (a
	// panic, a test timeout).
	s.cmd.SysProcAttr = sysProcAttr(s.as, true)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(); err != nil {
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%w\n--- %s ---\n%s", err, s.logPath(), s.log())
	}
	return nil
}

// waitReady connects until the server answers, it exits, or time runs out.
func (s *pgServer) waitReady() error {
	admin, err := sql.Open("pgx", s.dsn("postgres"))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = admin.PingContext(ctx)
		cancel()
		if err == nil {
			s.admin = admin
			return nil
		}
		select {
		case <-s.exited:
			admin.Close()
			return fmt.Errorf("postgres exited: %w", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			admin.Close()
			return fmt.Errorf("postgres not ready after %v: %w", startTimeout, err)
		}
	}
}

// stop shuts the server down at once and removes its files.
func (s *pgServer) stop() error {
	s.admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "pg_ctl"), "stop",
		"-D", s.dataPath(), "-m", "immediate", "-w")
	cmd.SysProcAttr = sysProcAttr(s.as, false)
	out, err := cmd.CombinedOutput()
	if err != nil {
		err = fmt.Errorf("pg_ctl stop: %w: %s", err, strings.TrimSpace(string(out)))
		_ = s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		err = errors.Join(err, errors.New("postgres did not exit"))
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// log returns the server's log, for error messages.
func (s *pgServer) log() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
