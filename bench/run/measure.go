package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"
)

// drain is how long the runner waits after wrk before reading counters.
const drain = 200 * time.Millisecond

// measurement is one run of a scenario, with what the server did per
// request meanwhile.
type measurement struct {
	loadResult
	sqlPerReq    float64 // NaN for the ceiling, which has no /metrics
	allocsPerReq float64
	hitRate      float64 // share answered from the response cache
	loggedBusy   int     // server log lines about SQLITE_BUSY during the run
}

// runs are a scenario's measurements: per round, at highConns and at
// lowConns.
type runs [][2]measurement

// measureRounds runs the rounds, each the ceiling then every scenario in
// turn, so that a slow spell on the machine falls on all of them alike.
// It returns each scenario's runs, in the order of b.scenarios.
func (b *bench) measureRounds(ctx context.Context) ([]runs, error) {
	res := make([]runs, len(b.scenarios))
	order := runOrder(b.scenarios)
	for round := range b.cfg.rounds {
		for _, i := range order {
			s := b.scenarios[i]
			var pair [2]measurement
			for j, conns := range []int{highConns, lowConns} {
				m, err := b.measure(ctx, i, conns)
				if err != nil {
					return nil, fmt.Errorf("round %d, %s at %d connections: %w", round+1, s.name, conns, err)
				}
				fmt.Fprintf(b.log, "round %d/%d  %-28s c%-3d %8.0f req/s  p50 %9s  p99 %9s%s\n",
					round+1, b.cfg.rounds, s.name, conns, m.rps, millis(m.p50), millis(m.p99), failures(m))
				pair[j] = m
			}
			res[i] = append(res[i], pair)
		}
	}
	return res, nil
}

// runOrder is the order of the scenarios in a round: as listed, except
// that a scenario compared with a base (the same page with Redis) runs
// right after it, seconds rather than minutes apart, so that the machine's
// drift between the two stays small.
func runOrder(ss []scenario) []int {
	order := make([]int, 0, len(ss))
	for i, s := range ss {
		if s.base != "" {
			continue
		}
		order = append(order, i)
		for j, t := range ss {
			if t.base == s.name {
				order = append(order, j)
			}
		}
	}
	// A comparison whose base is missing still runs, last.
	for i, s := range ss {
		if s.base != "" && !slices.Contains(order, i) {
			order = append(order, i)
		}
	}
	return order
}

// failures describes a measurement's failed requests, if any.
func failures(m measurement) string {
	if m.errors == 0 && m.non2xx == 0 && m.socketErrors == 0 {
		return ""
	}
	s := fmt.Sprintf("  errors %d (busy %d), non-2xx %d, socket errors %d", m.errors, m.busy, m.non2xx, m.socketErrors)
	if m.firstError != "" {
		s += "; first: " + m.firstError
	}
	return s
}

// measure runs scenario i once, reading the server's counters before and
// after: with wrk at highConns, where it measures throughput; with
// bench/latency at lowConns, where what counts is each request's latency
// (wrk's latencies there can contradict its own request rate; see
// loadResult.latencyContradicted).
func (b *bench) measure(ctx context.Context, i, conns int) (measurement, error) {
	s := b.scenarios[i]
	m := measurement{sqlPerReq: math.NaN(), allocsPerReq: math.NaN(), hitRate: math.NaN()}
	var before counters
	var err error
	if s.metrics() {
		if before, err = scrape(ctx, s.server.url); err != nil {
			return m, err
		}
	}
	logStart := fileSize(s.server.logPath)
	var r loadResult
	var out string
	if conns == lowConns {
		r, out, err = runLatency(ctx, b.latencyBin, s.server.url, b.latencyFiles[i], conns, b.cfg.duration)
	} else {
		r, out, err = runWrk(ctx, s.server.url, b.scripts[i], conns, b.cfg.duration)
	}
	b.keep(fmt.Sprintf("%s, %d connections", s.name, conns), out)
	if err != nil {
		return m, err
	}
	m.loadResult = r
	if s.metrics() {
		// Requests that the client left in flight end (canceled) on the server
		// soon after; counting them too keeps the division honest.
		if err := sleep(ctx, drain); err != nil {
			return m, err
		}
		after, err := scrape(ctx, s.server.url)
		if err != nil {
			return m, err
		}
		d := after.sub(before)
		m.sqlPerReq, m.allocsPerReq = d.perRequest()
		m.hitRate = d.hitRate()
	}
	m.loggedBusy = countBusy(s.server.logPath, logStart)
	return m, nil
}

// fileSize returns the size of the file at path, 0 if it cannot be read.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// countBusy counts the lines that mention SQLITE_BUSY or "database is
// locked" in the log at path from offset on. The answers only say
// INTERNAL_SERVER_ERROR; the log says why.
func countBusy(path string, offset int64) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, offset, math.MaxInt64-offset))
	if err != nil {
		return 0
	}
	n := 0
	for line := range bytes.Lines(b) {
		if bytes.Contains(line, []byte("SQLITE_BUSY")) || bytes.Contains(line, []byte("database is locked")) {
			n++
		}
	}
	return n
}
