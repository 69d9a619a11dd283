package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"
)

// Connection counts of every measurement: a busy server, then a quiet one
// whose latencies show the cost of a request rather than its queueing.
const (
	highConns = 64
	lowConns  = 8
)

// seedParams is the data set: `conduit seed` flags, also the stamp that
// says whether a kept seed is still the one asked for.
type seedParams struct {
	Users, Articles, Comments, Seed int
}

// args returns the flags of `conduit seed`.
func (p seedParams) args() []string {
	return []string{"--users", strconv.Itoa(p.Users), "--articles", strconv.Itoa(p.Articles),
		"--comments", strconv.Itoa(p.Comments), "--seed", strconv.Itoa(p.Seed)}
}

func (p seedParams) String() string {
	return fmt.Sprintf("--users %d --articles %d --comments %d --seed %d", p.Users, p.Articles, p.Comments, p.Seed)
}

// config is everything the runner is told, read once.
type config struct {
	conduit  string        // the release binary
	dir      string        // kept seeds, built tools and the run folder
	out      string        // the report
	duration time.Duration // of each wrk measurement
	warmup   time.Duration // per scenario, before the first round
	rounds   int
	reseed   bool // seed again even when the stamp matches
	seed     seedParams
}

// parseConfig reads flags; each has an environment variable that the
// Makefile passes through, and a flag wins over its variable.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{seed: seedParams{Users: 1000, Articles: 10000, Comments: 30000, Seed: 1}}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var errs []error
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	dur := func(name, def string) time.Duration {
		d, err := time.ParseDuration(env(name, def))
		errs = append(errs, err)
		return d
	}
	rounds, err := strconv.Atoi(env("BENCH_ROUNDS", "3"))
	errs = append(errs, err)
	fs.StringVar(&c.conduit, "conduit", "./conduit", "the release binary to measure")
	fs.StringVar(&c.dir, "dir", "bench/out", "folder of the kept seeds and the run's logs")
	fs.StringVar(&c.out, "out", env("BENCH_OUT", "BENCHMARKS.md"), "report to write (BENCH_OUT)")
	fs.DurationVar(&c.duration, "duration", dur("BENCH_DURATION", "5s"), "length of each measurement, whole seconds (BENCH_DURATION)")
	fs.DurationVar(&c.warmup, "warmup", dur("BENCH_WARMUP", "1s"), "warm-up per scenario before the first round (BENCH_WARMUP)")
	fs.IntVar(&c.rounds, "rounds", rounds, "interleaved rounds (BENCH_ROUNDS)")
	fs.BoolVar(&c.reseed, "reseed", false, "seed again even when the kept seed matches")
	if err := errors.Join(errs...); err != nil {
		return c, fmt.Errorf("environment: %w", err)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	// Servers run in other folders (postgres in its data folder).
	var err1, err2 error
	c.dir, err1 = filepath.Abs(c.dir)
	c.conduit, err2 = filepath.Abs(c.conduit)
	if err := errors.Join(err1, err2); err != nil {
		return c, err
	}
	// wrk takes whole seconds.
	switch {
	case c.duration < time.Second || c.duration%time.Second != 0:
		return c, fmt.Errorf("duration %v: want whole seconds, at least 1s", c.duration)
	case c.warmup < 0 || c.warmup%time.Second != 0:
		return c, fmt.Errorf("warmup %v: want whole seconds", c.warmup)
	case c.rounds < 1:
		return c, fmt.Errorf("rounds %d: want at least 1", c.rounds)
	}
	return c, nil
}
