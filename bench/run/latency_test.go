package main

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/conduit-graphql/conduit/bench/latency/spec"
)

// bench/latency is given the requests of the wrk script: the same bodies,
// tokens, writes and write frequency.
func TestLatencyScenario(t *testing.T) {
	in := &instance{name: "conduit"}
	m := mixed(in, []string{"t1", "t2"}, []string{"A1", "A2"}, 101)
	raw, err := latencyScenario(m)
	if err != nil {
		t.Fatal(err)
	}
	var got spec.Scenario
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Every != 101 || !slices.Equal(got.Tokens, []string{"t1", "t2"}) || len(got.Writes) != 4 ||
		got.Bodies[0] != string(gqlBody(homeQuery, nil)) || got.Writes[0] != string(m.writes[0]) {
		t.Errorf("mixed scenario for bench/latency: %+v", got)
	}

	raw, _ = latencyScenario(read("home signed in", in, "tok", gqlBody(homeViewerQuery, nil)))
	got = spec.Scenario{}
	json.Unmarshal(raw, &got)
	if got.Every != 0 || !slices.Equal(got.Tokens, []string{"tok"}) || len(got.Bodies) != 1 {
		t.Errorf("signed-in read for bench/latency: %+v", got)
	}

	// A scenario that bench/latency would refuse fails before the servers
	// are measured.
	if _, err := latencyScenario(scenario{name: "empty"}); err == nil {
		t.Error("a scenario without bodies was accepted")
	}
}

func TestParseLatencyReport(t *testing.T) {
	out := []byte(`{"requests":1200,"seconds":2.0,"rps":600,"mean_ns":1500000,"p50_ns":1000000,"p90_ns":2000000,"p99_ns":9000000,"max_ns":12000000,"errors":2,"busy":1,"socket_errors":3,"first_error":"500 {}"}` + "\n")
	got, err := parseLatencyReport(out)
	want := loadResult{requests: 1200, rps: 600, mean: 1500 * time.Microsecond, p50: time.Millisecond, p99: 9 * time.Millisecond,
		errors: 2, busy: 1, socketErrors: 3, firstError: "500 {}"}
	if err != nil || got != want {
		t.Errorf("parseLatencyReport = %+v, %v; want %+v", got, err, want)
	}
	if _, err := parseLatencyReport([]byte("latency: dial tcp: refused")); err == nil {
		t.Error("an error message parsed as a report")
	}
}
