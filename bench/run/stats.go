package main

import (
	"math"
	"slices"
	"time"
)

// median returns the middle value of xs, the mean of the two middle ones
// for an even count, NaN for none. Over a few rounds on a noisy machine
// it ignores the one round that a neighbour slowed down.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// ratios divides each round's requests per second by the ceiling's in the
// same round: both saw the same machine at nearly the same time.
func ratios(rps, ceiling []float64) []float64 {
	out := make([]float64, len(rps))
	for i := range rps {
		out[i] = rps[i] / ceiling[i]
	}
	return out
}

// summary is a scenario's line in the report: medians over the rounds.
type summary struct {
	scenario
	rps    [2]float64 // at highConns, lowConns
	rounds []float64  // req/s at highConns in each round, to show the spread
	// lowRounds is req/s at lowConns in each round.
	lowRounds []float64
	p50, p99  [2]time.Duration
	// doubt: in some round, the client's latencies at that many connections
	// contradicted its request rate (loadResult.latencyContradicted).
	doubt        [2]bool
	ratio        float64 // to the ceiling, at highConns
	sqlPerReq    float64 // at highConns
	allocsPerReq float64
	hitRate      float64 // at highConns: answered from the response cache
	requests     int64   // over every run
	failed       int64   // answers not 200 or with errors, and socket errors
	busy         int64   // answers and log lines that said SQLITE_BUSY or "database is locked"
	firstError   string
}

// summarize reduces every scenario's runs to its medians. The ceiling's
// runs are res[0].
func summarize(scenarios []scenario, res []runs) []summary {
	ceiling := column(res[0], 0, func(m measurement) float64 { return m.rps })
	sums := make([]summary, len(scenarios))
	for i, s := range scenarios {
		r := res[i]
		sum := summary{scenario: s}
		for c := range 2 {
			sum.rps[c] = median(column(r, c, func(m measurement) float64 { return m.rps }))
			sum.p50[c] = time.Duration(median(column(r, c, func(m measurement) float64 { return float64(m.p50) })))
			sum.p99[c] = time.Duration(median(column(r, c, func(m measurement) float64 { return float64(m.p99) })))
			for _, pair := range r {
				sum.doubt[c] = sum.doubt[c] || pair[c].latencyContradicted([2]int{highConns, lowConns}[c])
			}
		}
		sum.rounds = column(r, 0, func(m measurement) float64 { return m.rps })
		sum.lowRounds = column(r, 1, func(m measurement) float64 { return m.rps })
		sum.ratio = median(ratios(sum.rounds, ceiling))
		sum.sqlPerReq = median(column(r, 0, func(m measurement) float64 { return m.sqlPerReq }))
		sum.allocsPerReq = median(column(r, 0, func(m measurement) float64 { return m.allocsPerReq }))
		sum.hitRate = median(column(r, 0, func(m measurement) float64 { return m.hitRate }))
		for _, pair := range r {
			for _, m := range pair {
				sum.requests += m.requests
				sum.failed += m.errors + m.socketErrors
				sum.busy += m.busy + int64(m.loggedBusy)
				if sum.firstError == "" {
					sum.firstError = m.firstError
				}
			}
		}
		sums[i] = sum
	}
	return sums
}

// column picks one value per round from the measurements at connection
// index c.
func column(r runs, c int, value func(measurement) float64) []float64 {
	out := make([]float64, len(r))
	for i, pair := range r {
		out[i] = value(pair[c])
	}
	return out
}
