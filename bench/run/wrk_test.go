package main

import (
	"testing"
	"time"
)

// wrkOutput is wrk 4.2's report of a run with --latency and one of our
// scripts, with failures.
const wrkOutput = `Running 2s test @ http://127.0.0.1:18080/graphql
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.33ms    3.34ms  26.44ms   66.56%
    Req/Sec    15.07k     1.66k   18.59k    70.00%
  Latency Distribution
     50%  812.00us
     75%    6.31ms
     90%    8.81ms
     99%    1.20s
  29998 requests in 2.01s, 5.32MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  14929.17
Transfer/sec:      2.65MB
bench: errors 9 busy 1
bench: first error 500 {"errors":[{"message":"database is locked"}]}
`

func TestParseWrk(t *testing.T) {
	got, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := loadResult{requests: 29998, rps: 14929.17, mean: 4330 * time.Microsecond, p50: 812 * time.Microsecond, p99: 1200 * time.Millisecond,
		non2xx: 7, socketErrors: 5, errors: 9, busy: 1, firstError: `500 {"errors":[{"message":"database is locked"}]}`}
	if got != want {
		t.Errorf("parseWrk:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseWrkIncomplete(t *testing.T) {
	// wrk printed its usage, or died before its report.
	if _, err := parseWrk("Running 2s test @ http://127.0.0.1:1/graphql\n"); err == nil {
		t.Error("parseWrk accepted output without results")
	}
}

func TestParseLatency(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"950.00us": 950 * time.Microsecond,
		"3.67ms":   3670 * time.Microsecond,
		"1.02s":    1020 * time.Millisecond,
		"1.50m":    90 * time.Second,
	} {
		got, err := parseLatency(in)
		if err != nil || got != want {
			t.Errorf("parseLatency(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseLatency("12.0h"); err == nil {
		t.Error("parseLatency took an unknown unit")
	}
}

func TestLatencyContradicted(t *testing.T) {
	// 4.33 ms at 14,929 requests/s is 65 requests in flight: right for 64
	// connections, impossible for 8.
	r := loadResult{rps: 14929.17, mean: 4330 * time.Microsecond}
	if r.latencyContradicted(64) {
		t.Error("64 connections: contradicted")
	}
	if !r.latencyContradicted(8) {
		t.Error("8 connections: not contradicted")
	}
}
