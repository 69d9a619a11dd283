package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"time"

	"github.com/conduit-graphql/conduit/bench/latency/spec"
)

// latencyScenario is a scenario's file for bench/latency: the requests
// that its wrk script sends.
func latencyScenario(s scenario) ([]byte, error) {
	ls := spec.Scenario{Tokens: s.tokens, Every: s.writeEvery}
	for _, b := range s.bodies {
		ls.Bodies = append(ls.Bodies, string(b))
	}
	for _, b := range s.writes {
		ls.Writes = append(ls.Writes, string(b))
	}
	if err := ls.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return json.MarshalIndent(ls, "", "  ")
}

// runLatency runs bench/latency (bin) on the load CPU: conns connections
// for d, sending the requests of the scenario file, against url/graphql.
// It returns the parsed result and the client's output as it was.
func runLatency(ctx context.Context, bin, url, file string, conns int, d time.Duration) (loadResult, string, error) {
	cmd := exec.CommandContext(ctx, "taskset", "-c", strconv.Itoa(loadCPU), bin,
		"-url", url+"/graphql", "-c", strconv.Itoa(conns), "-d", d.String(),
		"-timeout", wrkTimeout.String(), "-scenario", file)
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return loadResult{}, string(out), ctx.Err()
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			out = append(out, ee.Stderr...)
		}
		return loadResult{}, string(out), fmt.Errorf("bench/latency: %w\n%s", err, out)
	}
	r, err := parseLatencyReport(out)
	return r, string(out), err
}

// parseLatencyReport reads bench/latency's JSON report.
func parseLatencyReport(out []byte) (loadResult, error) {
	var lr spec.Result
	if err := json.Unmarshal(out, &lr); err != nil {
		return loadResult{}, fmt.Errorf("bench/latency output %q: %w", out, err)
	}
	return loadResult{requests: lr.Requests, rps: lr.RPS, mean: time.Duration(lr.Mean),
		p50: time.Duration(lr.P50), p99: time.Duration(lr.P99), errors: lr.Errors, busy: lr.Busy,
		socketErrors: lr.SocketErrors, firstError: lr.FirstError}, nil
}
