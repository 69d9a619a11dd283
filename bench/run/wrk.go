package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// loadResult is what one run of a load generator (wrk or bench/latency)
// measured.
type loadResult struct {
	requests     int64         // completed in the run
	rps          float64       // requests per second
	mean         time.Duration // average latency
	p50, p99     time.Duration
	non2xx       int64  // answers that were not 2xx or 3xx (wrk; bench/latency counts them in errors)
	socketErrors int64  // connect, read, write and timeout errors
	errors       int64  // answers not 200 or with GraphQL errors (counted by wrk's script or bench/latency)
	busy         int64  // of those, how many said SQLITE_BUSY or "database is locked"
	firstError   string // the first such answer, shortened
}

// wrkTimeout is how long wrk waits for an answer. It leaves a slower
// answer out of its latencies and counts a timeout instead, so it is far
// above wrk's default of 2 s: a queue at 64 connections on a busy machine
// gets close to that, and its p99 should show it.
const wrkTimeout = 10 * time.Second

// runWrk runs wrk on the load CPU: one thread (a thread per core, and it
// has one), conns connections, for d, with script, against url/graphql.
// It returns the parsed result and wrk's output as it was.
func runWrk(ctx context.Context, url, script string, conns int, d time.Duration) (loadResult, string, error) {
	cmd := exec.CommandContext(ctx, "taskset", "-c", strconv.Itoa(loadCPU), "wrk", "-t1",
		"-c"+strconv.Itoa(conns), fmt.Sprintf("-d%ds", int(d/time.Second)), "--latency",
		fmt.Sprintf("--timeout=%ds", int(wrkTimeout/time.Second)), "-s", script, url+"/graphql")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return loadResult{}, string(out), ctx.Err()
	}
	if err != nil {
		return loadResult{}, string(out), fmt.Errorf("wrk: %w\n%s", err, out)
	}
	r, err := parseWrk(string(out))
	return r, string(out), err
}

// parseWrk reads wrk's --latency report and the lines our scripts' done
// callback adds:
//
//	  Latency Distribution
//	     50%    3.67ms
//	     99%   14.64ms
//	  29998 requests in 2.01s, 5.32MB read
//	  Socket errors: connect 0, read 0, write 0, timeout 3
//	  Non-2xx or 3xx responses: 5
//	Requests/sec:  14929.17
//	bench: errors 0 busy 0
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	var seen struct{ p50, p99, requests, rps bool }
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		var err error
		switch {
		case len(f) >= 2 && f[0] == "Latency" && f[1] != "Distribution":
			r.mean, err = parseLatency(f[1])
		case len(f) == 2 && f[0] == "50%":
			r.p50, err = parseLatency(f[1])
			seen.p50 = true
		case len(f) == 2 && f[0] == "99%":
			r.p99, err = parseLatency(f[1])
			seen.p99 = true
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.requests, err = strconv.ParseInt(f[0], 10, 64)
			seen.requests = true
		case len(f) == 2 && f[0] == "Requests/sec:":
			r.rps, err = strconv.ParseFloat(f[1], 64)
			seen.rps = true
		case strings.HasPrefix(line, "Non-2xx or 3xx responses:"):
			r.non2xx, err = strconv.ParseInt(f[len(f)-1], 10, 64)
		case strings.HasPrefix(line, "Socket errors:"):
			r.socketErrors, err = sumSocketErrors(strings.TrimPrefix(line, "Socket errors:"))
		case strings.HasPrefix(line, "bench: errors "):
			_, err = fmt.Sscanf(line, "bench: errors %d busy %d", &r.errors, &r.busy)
		case strings.HasPrefix(line, "bench: first error "):
			r.firstError = strings.TrimPrefix(line, "bench: first error ")
		}
		if err != nil {
			return r, fmt.Errorf("wrk output %q: %w", line, err)
		}
	}
	if !seen.p50 || !seen.p99 || !seen.requests || !seen.rps {
		return r, fmt.Errorf("wrk output lacks requests, requests/sec or latency percentiles:\n%s", out)
	}
	return r, nil
}

// latencyContradicted tells whether wrk's latencies contradict its own
// request rate: a connection holds one request at a time, so the mean
// number in flight (mean latency × requests/s, Little's law) cannot
// exceed conns. wrk 4.2 sometimes reports a mean many times that (and
// percentiles to match) while an independent client timing each request
// at the same load sees nothing of the kind; such latencies are not to be
// read. Half again over conns allows for rounding and the run's edges.
func (r loadResult) latencyContradicted(conns int) bool {
	return r.mean.Seconds()*r.rps > 1.5*float64(conns)
}

// parseLatency reads a wrk latency: a number with the unit us, ms, s or m.
func parseLatency(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, err
			}
			return time.Duration(v * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("latency %q: unknown unit", s)
}

// sumSocketErrors adds up "connect 0, read 0, write 0, timeout 3".
func sumSocketErrors(s string) (int64, error) {
	var sum int64
	for part := range strings.SplitSeq(s, ",") {
		f := strings.Fields(part)
		if len(f) != 2 {
			return 0, fmt.Errorf("socket errors %q", s)
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}
