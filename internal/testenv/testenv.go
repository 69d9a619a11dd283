// Package testenv gives tests throwaway databases: a fresh PostgreSQL
// database on a server that the test process starts from the machine's
// binaries, or a fresh SQLite file.
//
// A package whose tests call Postgres stops the server after its tests:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// It imports none of the module's packages, so that the tests of every
// package can use it.
//
// Never imports: internal, resolvers, graph, models.
package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// server is the PostgreSQL server of this test process, started by the
// first call to Postgres.
var server struct {
	once sync.Once
	mu   sync.Mutex
	pg   *pgServer
	err  error
}

// Main runs the tests, then stops the PostgreSQL server if one was started
// and removes its files, and exits with the tests' code.
func Main(m *testing.M) {
	code := m.Run()
	server.mu.Lock()
	pg := server.pg
	server.mu.Unlock()
	if pg != nil {
		if err := pg.stop(); err != nil {
			os.Stderr.WriteString("testenv: stop PostgreSQL: " + err.Error() + "\n")
		}
	}
	os.Exit(code)
}

// SQLite returns the path of a new SQLite file in tb.TempDir(); it is
// removed with that directory.
func SQLite(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "conduit.db")
}

// requireTool ends tb when a tool could not be started: a skip when its
// binaries are missing (errMissing) on a developer's machine, a failure in
// CI (CI=true), where a skipped suite would pass without testing anything,
// and a failure for any other error.
func requireTool(tb testing.TB, what string, err, errMissing error) {
	tb.Helper()
	switch {
	case err == nil:
	case errors.Is(err, errMissing) && os.Getenv("CI") != "true":
		tb.Skipf("testenv: %s: %v", what, err)
	default:
		tb.Fatalf("testenv: %s: %v", what, err)
	}
}
