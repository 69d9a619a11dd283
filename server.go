// Command conduit is the Conduit GraphQL backend: one binary that serves the
// API on SQLite, or on PostgreSQL (and Redis) when one machine is not enough.
package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/conduit-graphql/conduit/internal/app"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/logbuf"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/tracing"
)

// execgen is gqlgen's generate with serial execution below the root fields;
// internal/execgen says why.
//go:generate go run ./internal/execgen

//go:embed schema.graphqls
var schemaSDL string

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "conduit:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 1
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stderr, cli.Usage)
		return flag.ErrHelp
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return cli.Migrate(ctx, args, getenv, stdout, stderr)
	case "seed":
		return cli.Seed(ctx, args, getenv, stdout, stderr)
	case "backup":
		return cli.Backup(ctx, args, getenv, stdout, stderr)
	case "schema":
		return cli.Schema(args, stdout, stderr, schemaSDL)
	case "version":
		return cli.Version(args, stdout, stderr, buildVersion())
	case "help":
		fmt.Fprint(stdout, cli.Usage)
		return nil
	}
	fmt.Fprint(stderr, cli.Usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// logFlushInterval is how long an info line (the access log) may wait in
// the log's buffer; warnings and errors are written at once.
const logFlushInterval = 200 * time.Millisecond

// newLogger logs to w in format, buffered: a line per request must not
// cost a write system call per request. access writes the access log to the
// same buffer; close flushes what is left.
func newLogger(format string, w io.Writer) (log *slog.Logger, access logbuf.AccessFunc, close func()) {
	b := logbuf.New(w, logFlushInterval)
	var h slog.Handler = slog.NewTextHandler(b, nil)
	if format == "json" {
		h = slog.NewJSONHandler(b, nil)
	}
	return slog.New(logbuf.Handler(h, b)), logbuf.Access(b, format), func() { _ = b.Close() }
}

// serve runs the API until ctx ends, then stops gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := cli.ParseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log, access, closeLog := newLogger(cfg.LogFormat, stderr)
	defer closeLog()
	tuneGC(getenv)
	if cfg.JWTSecret == "" {
		log.Warn("no CONDUIT_JWT_SECRET set: signing tokens with the development secret")
		cfg.JWTSecret = cli.DevSecret
	}

	tr, err := tracing.New(ctx, getenv, buildVersion())
	if err != nil {
		return err
	}
	if tr != nil {
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tr.Shutdown(sctx); err != nil {
				log.Warn("tracing: spans left unexported", "error", err)
			}
		}()
		log.Info("tracing: exporting spans over OTLP/HTTP")
	}

	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if tr != nil {
		db.AddQueryHook(tr.QueryHook())
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if cfg.Env == cli.EnvDevelopment {
		if err := cli.SeedDemo(ctx, db, log); err != nil {
			return err
		}
	}
	d := app.Deps{DB: db, Stopping: make(chan struct{}), AccessLog: access, Tracing: tr}
	closeShared, err := d.Share(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	defer closeShared()
	ln, inherited, err := httpapi.Listen(cfg.Addr, getenv)
	if err != nil {
		return err
	}
	if inherited {
		log.Info("serving on the socket passed by the service manager", "addr", ln.Addr().String())
	}
	handler := app.NewHandler(cfg, d, log)
	// Starting (migrations, the demo seed, the 19 MiB of the sign-in's dummy
	// password hash) leaves garbage that a collector tuned for serving would
	// keep until the heap is five times larger: give it back now.
	debug.FreeOSMemory()
	fmt.Fprintf(stdout, "Conduit %s listening on http://%s (GraphQL at /graphql%s), database %s\n",
		buildVersion(), displayAddr(ln.Addr()), playgroundNote(cfg.Playground), db.Dialect())
	return httpapi.ServeUntil(ctx, handler, ln, d.Stopping, cfg.ShutdownTimeout, log)
}

// Garbage collector defaults for serving, each used only when its
// variable is not set. A request allocates a few hundred kilobytes that
// are garbage once it is answered; at Go's default GOGC=100 the collector
// took about a tenth of the CPU in the benchmarks' profiles. 400 lets the
// heap grow to five times what is live (tens of megabytes here). The soft
// memory limit makes the collector work harder as the heap nears it: each
// sign-in's password hash leaves 19 MiB of garbage, which GOGC=400 alone
// would let pile up to 270 MB under a burst of sign-ins. Set GOMEMLIMIT
// higher for an instance that holds a lot live (many websockets).
const (
	defaultGOGC       = 400
	defaultGOMEMLIMIT = 128 << 20
)

// tuneGC applies the collector defaults unless GOGC or GOMEMLIMIT is set.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultGOMEMLIMIT)
	}
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "::" || host == "0.0.0.0" || host == "" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

func playgroundNote(on bool) string {
	if on {
		return ", playground at /"
	}
	return ""
}
