package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// writeUsers is how many seeded users the writes scenario signs in as;
// pgWriteUsers, how many write among the reads on PostgreSQL.
const (
	writeUsers   = 50
	pgWriteUsers = 10
)

// bench is a benchmark ready to measure: its servers run, its scenarios
// are validated and their wrk scripts written.
type bench struct {
	cfg       config
	machine   machine
	log       io.Writer // progress, for the person waiting
	runDir    string    // logs, scripts and the load generators' output of this run
	instances []*instance
	sqlite    *instance  // conduit on the seeded SQLite file, held to the memory target
	scenarios []scenario // in the order of each round, the ceiling first
	scripts   []string   // the wrk script of each scenario
	// latencyBin is bench/latency, which measures at lowConns; latencyFiles
	// are the scenarios' requests for it.
	latencyBin   string
	latencyFiles []string
}

// setup seeds (or reuses the seeds), starts every server on copies of the
// seeds, reads fixtures, signs users in, validates every scenario, and
// warms the servers up.
func setup(ctx context.Context, cfg config, cl *cleanups, log io.Writer) (*bench, error) {
	b := &bench{cfg: cfg, log: log, runDir: filepath.Join(cfg.dir, "run"), machine: readMachine(ctx, cfg.conduit)}
	// The previous run's logs go; this run's stay for reading afterwards.
	if err := os.RemoveAll(b.runDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(b.runDir, 0o755); err != nil {
		return nil, err
	}
	seedDB, err := sqliteSeed(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	pgc, err := findPostgres()
	if err != nil {
		return nil, err
	}
	pgData, err := postgresSeed(ctx, cfg, pgc, log)
	if err != nil {
		return nil, err
	}
	ceilingBin, err := buildTool(ctx, cfg, "ceiling")
	if err != nil {
		return nil, err
	}
	if b.latencyBin, err = buildTool(ctx, cfg, "latency"); err != nil {
		return nil, err
	}
	// The servers run a copy of the binary, as a deployment would (see
	// the memory table).
	deployed := filepath.Join(b.runDir, "conduit")
	if err := copyFile(cfg.conduit, deployed, 0o755); err != nil {
		return nil, fmt.Errorf("copy the binary: %w", err)
	}
	b.cfg.conduit = deployed
	// The servers' copies of the seeds change under the writes, and are
	// removed once the servers have stopped.
	scratch := filepath.Join(b.runDir, "data")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		return nil, err
	}
	cl.add(func() error { return os.RemoveAll(scratch) })
	srv, err := b.startServers(ctx, cl, ceilingBin, seedDB, pgc, pgData, scratch)
	if err != nil {
		return nil, err
	}
	if err := b.buildScenarios(ctx, srv); err != nil {
		return nil, err
	}
	if err := b.validate(ctx); err != nil {
		return nil, err
	}
	return b, b.warmUp(ctx)
}

// servers are the running HTTP servers under test.
type servers struct {
	ceiling *instance
	sqlite  *instance // conduit on its copy of the seeded SQLite file
	nocache *instance // conduit on another copy, without the response cache
	redis   *instance // conduit on another copy, with the Redis cache
	pg      *instance // conduit on the seeded PostgreSQL
	pgPlain *instance // conduit on the same PostgreSQL, without the response cache
}

// startServers starts the ceiling, and conduit on SQLite, on SQLite with
// Redis, and on PostgreSQL, each with its own copy of the seed.
func (b *bench) startServers(ctx context.Context, cl *cleanups, ceilingBin, seedDB string, pgc pgCluster, pgData, scratch string) (servers, error) {
	var s servers
	var err error
	fmt.Fprintln(b.log, "starting the servers")
	spec := procSpec{name: "ceiling", args: []string{ceilingBin, "--addr", "127.0.0.1:0"}}
	if s.ceiling, err = startHTTP(ctx, cl, spec, filepath.Join(b.runDir, "ceiling.log")); err != nil {
		return s, err
	}
	lite := filepath.Join(scratch, "sqlite.db")
	if err := copySQLite(seedDB, lite); err != nil {
		return s, err
	}
	if s.sqlite, err = startConduit(ctx, cl, b.cfg, b.runDir, "conduit (SQLite)", "conduit-sqlite.log", lite, ""); err != nil {
		return s, err
	}
	plain := filepath.Join(scratch, "nocache.db")
	if err := copySQLite(seedDB, plain); err != nil {
		return s, err
	}
	if s.nocache, err = startConduit(ctx, cl, b.cfg, b.runDir, "conduit (SQLite, no response cache)", "conduit-nocache.log", plain, "", "--response-cache-bytes", "0"); err != nil {
		return s, err
	}
	rs, redisURL, err := startRedis(ctx, cl, b.runDir)
	if err != nil {
		return s, err
	}
	cached := filepath.Join(scratch, "redis.db")
	if err := copySQLite(seedDB, cached); err != nil {
		return s, err
	}
	if s.redis, err = startConduit(ctx, cl, b.cfg, b.runDir, "conduit (SQLite + Redis)", "conduit-redis.log", cached, redisURL); err != nil {
		return s, err
	}
	pg, err := b.startPostgres(ctx, cl, pgc, pgData, scratch)
	if err != nil {
		return s, err
	}
	if s.pg, err = startConduit(ctx, cl, b.cfg, b.runDir, "conduit (PostgreSQL)", "conduit-postgres.log", pg.dsn, ""); err != nil {
		return s, err
	}
	if s.pgPlain, err = startConduit(ctx, cl, b.cfg, b.runDir, "conduit (PostgreSQL, no response cache)", "conduit-postgres-nocache.log", pg.dsn, "", "--response-cache-bytes", "0"); err != nil {
		return s, err
	}
	b.instances = []*instance{s.ceiling, s.sqlite, s.nocache, s.redis, s.pg, s.pgPlain, rs}
	b.sqlite = s.sqlite
	return s, nil
}

// startPostgres starts PostgreSQL on a copy of the seeded data folder,
// dropped at once (SIGQUIT) at the end since the copy is thrown away.
func (b *bench) startPostgres(ctx context.Context, cl *cleanups, pgc pgCluster, pgData, scratch string) (*pgServer, error) {
	dir := filepath.Join(scratch, "postgres")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	if err := pgc.own(dir); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := copyTree(pgData, data); err != nil {
		return nil, fmt.Errorf("copy the PostgreSQL seed: %w", err)
	}
	pg, err := pgc.start(ctx, data, dir, filepath.Join(b.runDir, "postgres.log"), syscall.SIGQUIT)
	if err != nil {
		return nil, err
	}
	cl.add(pg.proc.stop)
	return pg, nil
}

// buildTool builds the command bench/<name> (the ceiling, the latency
// client) into the output folder, static like the release binary.
func buildTool(ctx context.Context, cfg config, name string) (string, error) {
	bin, err := filepath.Abs(filepath.Join(cfg.dir, name))
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./bench/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build bench/%s: %w\n%s", name, err, out)
	}
	return bin, nil
}

// buildScenarios reads real articles and users from the SQLite instance,
// signs users in on each instance, and writes every scenario's wrk script.
func (b *bench) buildScenarios(ctx context.Context, s servers) error {
	fx, err := loadFixtures(ctx, s.sqlite.url)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.log, "signing %d users in (argon2: tens of ms each)\n", min(writeUsers, len(fx.usernames)))
	tokens, err := signIn(ctx, s.sqlite.url, fx.usernames[:min(writeUsers, len(fx.usernames))])
	if err != nil {
		return err
	}
	// The same user signs in on the others: a token is only good on the
	// database whose user it names.
	plainTokens, err := signIn(ctx, s.nocache.url, fx.usernames[:1])
	if err != nil {
		return err
	}
	redisTokens, err := signIn(ctx, s.redis.url, fx.usernames[:1])
	if err != nil {
		return err
	}
	// Several users write on PostgreSQL; the instances there share the
	// database, so a token is good on both.
	pgTokens, err := signIn(ctx, s.pg.url, fx.usernames[:min(pgWriteUsers, len(fx.usernames))])
	if err != nil {
		return err
	}
	b.scenarios = append(b.scenarios,
		scenario{name: "ceiling", server: s.ceiling, kind: ceilingKind, bodies: [][]byte{gqlBody(typenameQuery, nil)}},
		read("typename", s.sqlite, "", gqlBody(typenameQuery, nil)))
	b.scenarios = append(b.scenarios, pages(s.sqlite, tokens[0], fx.slug, "")...)
	b.scenarios = append(b.scenarios, writes(s.sqlite, tokens, fx.articleIDs), mixed(s.sqlite, tokens, fx.articleIDs, 101))
	b.scenarios = append(b.scenarios, noCache(pages(s.nocache, plainTokens[0], fx.slug, " (no response cache)"))...)
	for _, r := range pages(s.redis, redisTokens[0], fx.slug, " (Redis)") {
		r.base = r.name[:len(r.name)-len(" (Redis)")]
		b.scenarios = append(b.scenarios, r)
	}
	b.scenarios = append(b.scenarios, pages(s.pg, pgTokens[0], fx.slug, " (PostgreSQL)")[:2]...)
	pgMixed := mixed(s.pg, pgTokens, fx.articleIDs, 101)
	pgMixed.name += " (PostgreSQL)"
	b.scenarios = append(b.scenarios, pgMixed)
	b.scenarios = append(b.scenarios, noCache(pages(s.pgPlain, pgTokens[0], fx.slug, " (PostgreSQL, no response cache)")[1:2])...)
	return b.writeScripts()
}

// writeScripts writes each scenario's wrk script, and its requests for
// bench/latency, into the run folder.
func (b *bench) writeScripts() error {
	for i, s := range b.scenarios {
		base, err := filepath.Abs(filepath.Join(b.runDir, fmt.Sprintf("%02d-%s", i, slug(s.name))))
		if err != nil {
			return err
		}
		if err := os.WriteFile(base+".lua", []byte(luaScript(s)), 0o644); err != nil {
			return err
		}
		b.scripts = append(b.scripts, base+".lua")
		ls, err := latencyScenario(s)
		if err != nil {
			return err
		}
		if err := os.WriteFile(base+".json", ls, 0o644); err != nil {
			return err
		}
		b.latencyFiles = append(b.latencyFiles, base+".json")
	}
	return nil
}

// validate sends each scenario's requests once, so that a broken query
// fails the run before any time is spent measuring it.
func (b *bench) validate(ctx context.Context) error {
	for _, s := range b.scenarios {
		token := ""
		if len(s.tokens) > 0 {
			token = s.tokens[0]
		}
		for _, body := range s.probes {
			if _, err := post(ctx, s.server.url, token, body); err != nil {
				return fmt.Errorf("validate %s: %w\nrequest: %s", s.name, err, body)
			}
		}
	}
	return nil
}

// warmUp runs every scenario once at the high connection count, unmeasured,
// so that the first round does not pay for cold caches and a small heap.
func (b *bench) warmUp(ctx context.Context) error {
	if b.cfg.warmup == 0 {
		return nil
	}
	fmt.Fprintf(b.log, "warming up: %v per scenario\n", b.cfg.warmup)
	for i, s := range b.scenarios {
		r, out, err := runWrk(ctx, s.server.url, b.scripts[i], highConns, b.cfg.warmup)
		if err != nil {
			return fmt.Errorf("warm up %s: %w", s.name, err)
		}
		b.keep(s.name+" (warm-up)", out)
		if r.errors > 0 && s.kind != writeKind && s.kind != mixedKind {
			return fmt.Errorf("warm up %s: %d failed requests; first: %s", s.name, r.errors, r.firstError)
		}
	}
	return nil
}

// keep appends the output of wrk or bench/latency to load.log in the run
// folder.
func (b *bench) keep(title, out string) {
	f, err := os.OpenFile(filepath.Join(b.runDir, "load.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "=== %s\n%s\n", title, out)
}
