package main

import (
	"math"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{100, 1, 2}, 2}, // one slow round does not move it
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestSummarizeRatioPerRound(t *testing.T) {
	// The machine was twice as fast in round 2: the ratio, taken within
	// each round, does not see it.
	at := func(rps float64) [2]measurement {
		m := measurement{loadResult: loadResult{rps: rps, p99: time.Millisecond}}
		return [2]measurement{m, m}
	}
	scenarios := []scenario{{name: "ceiling", kind: ceilingKind}, {name: "home", kind: readKind}}
	res := []runs{
		{at(10000), at(20000), at(10000)},
		{at(500), at(1000), at(400)},
	}
	sums := summarize(scenarios, res)
	if got := sums[1].ratio; math.Abs(got-0.05) > 1e-12 {
		t.Errorf("ratio = %v, want 0.05 (the median of 5%%, 5%%, 4%%)", got)
	}
	if got := sums[1].rps[0]; got != 500 {
		t.Errorf("req/s = %v, want the median 500", got)
	}
}
