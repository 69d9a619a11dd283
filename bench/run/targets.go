package main

import (
	"fmt"
	"strings"
	"time"
)

// Thresholds of the targets that are not shares of the ceiling.
const (
	maxP99AtLow   = 10 * time.Millisecond
	redisNoise    = 0.05 // a read on Redis may be this much slower before it counts as slower
	maxIdleMemory = 30_000_000
)

// target is one line of the targets table.
type target struct {
	scenario, goal, stretch, measured string
	pass                              bool
	stretchPass                       bool // only where there is a stretch goal
}

func (t target) result() string {
	switch {
	case !t.pass:
		return "**fail**"
	case t.stretchPass:
		return "pass, stretch too"
	}
	return "pass"
}

// shareGoal is a target on a scenario's share of the ceiling.
type shareGoal struct {
	scenario      string
	goal, stretch float64 // stretch 0: none
}

var shareGoals = []shareGoal{
	{"typename", 0.60, 0.70},
	{"home signed in", 0.03, 0.05},
	{"list 100", 0.015, 0.03},
	{"article page", 0.025, 0.04},
	{"writes", 0.01, 0},
}

// checkTargets computes pass or fail of every target from the summaries
// and the idle memory of conduit on the seeded SQLite file.
func checkTargets(sums []summary, idle int64) []target {
	byName := map[string]summary{}
	for _, s := range sums {
		byName[s.name] = s
	}
	var ts []target
	for _, g := range shareGoals {
		ts = append(ts, shareTarget(g, byName[g.scenario]))
	}
	ts = append(ts, latencyTargets(sums)...)
	return append(ts, redisTarget(sums, byName), memoryTarget(idle))
}

// shareTarget checks a scenario's ratio to the ceiling; the writes must
// also never have met SQLITE_BUSY.
func shareTarget(g shareGoal, s summary) target {
	t := target{scenario: g.scenario, goal: "≥ " + percent(g.goal) + " of ceiling", stretch: "—",
		measured: percent(s.ratio), pass: s.ratio >= g.goal}
	if g.stretch > 0 {
		t.stretch = "≥ " + percent(g.stretch)
		t.stretchPass = s.ratio >= g.stretch
	}
	if s.kind == writeKind {
		t.goal += ", no SQLITE_BUSY"
		t.measured += fmt.Sprintf(", %d failed, SQLITE_BUSY %d", s.failed, s.busy)
		t.pass = t.pass && s.busy == 0
	}
	return t
}

// latencyTargets check the slowest p99 at lowConns over the read
// scenarios on SQLite, the default database, and over those on PostgreSQL,
// each on its own line.
func latencyTargets(sums []summary) []target {
	var ts []target
	for _, pg := range []bool{false, true} {
		var worst summary
		found := false
		for _, s := range sums {
			if s.kind == readKind && onPostgres(s) == pg && (!found || s.p99[1] >= worst.p99[1]) {
				worst, found = s, true
			}
		}
		if !found {
			continue
		}
		name := "every read scenario on SQLite"
		if pg {
			name = "every read scenario on PostgreSQL"
		}
		t := target{scenario: name, goal: fmt.Sprintf("p99 @%d ≤ %v", lowConns, maxP99AtLow), stretch: "—",
			measured: fmt.Sprintf("worst %s (%s)", millis(worst.p99[1]), worst.name), pass: worst.p99[1] <= maxP99AtLow}
		if worst.doubt[1] {
			// Not measured, so not met either.
			t.measured += " ‡, which the client's request rate contradicts"
			t.pass = false
		}
		ts = append(ts, t)
	}
	return ts
}

// onPostgres tells the scenarios of the conduit instance on PostgreSQL.
func onPostgres(s summary) bool {
	return s.server != nil && strings.Contains(s.server.name, "PostgreSQL")
}

// redisTarget checks that no read is slower with the Redis cache than
// without, allowing redisNoise for a shared machine. Like the ratios to the
// ceiling, it compares the two in each round, which ran seconds apart, at
// highConns and at lowConns, and takes the median of those ratios: two per
// round, since one per round swung by a tenth either way on this machine
// while the two ran the same code.
func redisTarget(sums []summary, byName map[string]summary) target {
	worst, name := 0.0, ""
	for _, s := range sums {
		if s.base == "" {
			continue
		}
		base := byName[s.base]
		rs := append(ratios(s.rounds, base.rounds), ratios(s.lowRounds, base.lowRounds)...)
		if r := median(rs); name == "" || r < worst {
			worst, name = r, s.name
		}
	}
	return target{scenario: "Redis configured", goal: fmt.Sprintf("no read slower than without Redis (median of the per-round ratios of req/s with / without, at %d and at %d connections, %.0f%% allowed for noise)", highConns, lowConns, redisNoise*100),
		stretch: "—", measured: fmt.Sprintf("slowest: %s at %s of without", name, percent(worst)), pass: name != "" && worst >= 1-redisNoise}
}

// memoryTarget checks conduit's idle memory on the seeded SQLite file.
func memoryTarget(idle int64) target {
	return target{scenario: "idle RSS, seeded SQLite", goal: fmt.Sprintf("≤ 30 MB (%s)", mebibytes(maxIdleMemory)), stretch: "—",
		measured: mebibytes(idle), pass: idle > 0 && idle <= maxIdleMemory}
}
