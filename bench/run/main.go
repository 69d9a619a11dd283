// Command run is `make bench`: an end-to-end HTTP benchmark of the release
// binary. It seeds an SQLite file (kept in bench/out between runs), starts
// ./conduit on a copy of it pinned to CPU 0, alone and with Redis, and on a
// throwaway PostgreSQL, next to a ceiling (a bare net/http server), and
// measures GraphQL scenarios with wrk (64 connections) and bench/latency
// (8 connections) pinned to CPU 1. Rounds interleave
// the ceiling and every scenario, so that a noisy neighbour slows all of
// them alike; each scenario is reported as the median over rounds and as a
// share of the ceiling in the same round. The results go to BENCHMARKS.md
// and stdout.
//
//	go run ./bench/run -duration 5s -rounds 3 -out BENCHMARKS.md
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run sets the benchmark up, measures, and writes the report. Whatever
// happens, including Ctrl-C, the servers it started are stopped and its
// scratch files removed before it returns.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	var cl cleanups
	defer func() { err = errors.Join(err, cl.run()) }()
	b, err := setup(ctx, cfg, &cl, stderr)
	if err != nil {
		return err
	}
	res, err := b.measureRounds(ctx)
	if err != nil {
		return err
	}
	rep := b.report(res)
	if err := os.WriteFile(cfg.out, []byte(rep.markdown()), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.text())
	fmt.Fprintf(stderr, "wrote %s; logs and load generator output in %s\n", cfg.out, b.runDir)
	return nil
}
