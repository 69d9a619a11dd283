package main

import (
	"strings"
	"testing"
	"time"
)

// TestTargets: the Redis comparison pairs the rounds, and the latency
// target reads SQLite and PostgreSQL apart.
func TestTargets(t *testing.T) {
	lite, pg := &instance{name: "conduit (SQLite)"}, &instance{name: "conduit (PostgreSQL)"}
	sums := []summary{
		{scenario: scenario{name: "home", kind: readKind, server: lite}, rounds: []float64{100, 120, 80}, p99: [2]time.Duration{0, 2 * time.Millisecond}},
		// A slow round for both: the median of the medians would say 90%,
		// each round says the same speed.
		{scenario: scenario{name: "home (Redis)", kind: readKind, server: lite, base: "home"}, rounds: []float64{100, 90, 80}, p99: [2]time.Duration{0, 3 * time.Millisecond}},
		{scenario: scenario{name: "home (PostgreSQL)", kind: readKind, server: pg}, rounds: []float64{10, 10, 10}, p99: [2]time.Duration{0, 40 * time.Millisecond}},
	}
	byName := map[string]summary{}
	for _, s := range sums {
		byName[s.name] = s
	}
	if r := redisTarget(sums, byName); !r.pass {
		t.Errorf("Redis target failed on paired rounds of the same speed: %+v", r)
	}
	sums[1].rounds = []float64{80, 90, 70}
	byName[sums[1].name] = sums[1]
	if r := redisTarget(sums, byName); r.pass {
		t.Errorf("Redis target passed at 80%% in two rounds of three: %+v", r)
	}
	// At both connection counts: a noisy 64 that the 8 does not confirm
	// passes; slower at both fails.
	sums[0].lowRounds = []float64{50, 50, 50}
	sums[1].rounds, sums[1].lowRounds = []float64{92, 130, 70}, []float64{50, 49.5, 50}
	byName[sums[0].name], byName[sums[1].name] = sums[0], sums[1]
	if r := redisTarget(sums, byName); !r.pass {
		t.Errorf("Redis target failed on one noisy count of two: %+v", r)
	}
	sums[1].lowRounds = []float64{40, 45, 42}
	byName[sums[1].name] = sums[1]
	if r := redisTarget(sums, byName); r.pass {
		t.Errorf("Redis target passed, slower at both counts: %+v", r)
	}
	ts := latencyTargets(sums)
	if len(ts) != 2 || !ts[0].pass || ts[1].pass {
		t.Fatalf("latency targets: %+v", ts)
	}
}

// TestLatencyTargetDoubted: a p99 under the target that wrk's own request
// rate contradicts does not pass.
func TestLatencyTargetDoubted(t *testing.T) {
	s := summary{scenario: scenario{name: "home", kind: readKind}, p99: [2]time.Duration{time.Millisecond, time.Millisecond}}
	if ts := latencyTargets([]summary{s}); len(ts) != 1 || !ts[0].pass {
		t.Fatalf("latency target: %+v", ts)
	}
	s.doubt[1] = true
	if ts := latencyTargets([]summary{s}); len(ts) != 1 || ts[0].pass || !strings.Contains(ts[0].measured, "‡") {
		t.Fatalf("doubted latency target: %+v", ts)
	}
}
