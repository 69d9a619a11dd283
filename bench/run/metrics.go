package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// The counters of conduit's /metrics that a measurement reads.
const (
	statementsMetric = "conduit_db_statements_total"
	mallocsMetric    = "go_memstats_mallocs_total"
	requestsMetric   = "conduit_http_requests_total"
	cacheHitsMetric  = "conduit_response_cache_hits_total"
	graphqlRoute     = `path="/graphql"`
)

// counters are a server's running totals at one moment.
type counters struct {
	statements, mallocs float64
	requests            float64 // to /graphql, counted as each ends
	cacheHits           float64 // answered from the response cache
}

// sub returns the increase from before to c.
func (c counters) sub(before counters) counters {
	return counters{statements: c.statements - before.statements, mallocs: c.mallocs - before.mallocs,
		requests: c.requests - before.requests, cacheHits: c.cacheHits - before.cacheHits}
}

// perRequest divides the statements and allocations by the requests that
// the server answered. Its own count, not wrk's, is the divisor: wrk
// leaves requests in flight when its time is up, and the server still
// does (some of) their work.
func (c counters) perRequest() (statements, mallocs float64) {
	if c.requests <= 0 {
		return math.NaN(), math.NaN()
	}
	return c.statements / c.requests, c.mallocs / c.requests
}

// hitRate is the share of the requests answered from the response cache.
func (c counters) hitRate() float64 {
	if c.requests <= 0 {
		return math.NaN()
	}
	return min(c.cacheHits/c.requests, 1)
}

// scrape reads the counters from a server's /metrics.
func scrape(ctx context.Context, url string) (counters, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return counters{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return counters{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return counters{}, fmt.Errorf("/metrics: %s", resp.Status)
	}
	ss, err := parseMetrics(resp.Body)
	if err != nil {
		return counters{}, err
	}
	c := counters{statements: sum(ss, statementsMetric, ""), mallocs: sum(ss, mallocsMetric, ""),
		requests: sum(ss, requestsMetric, graphqlRoute), cacheHits: sum(ss, cacheHitsMetric, "")}
	if c.mallocs == 0 {
		return c, fmt.Errorf("/metrics has no %s", mallocsMetric)
	}
	return c, nil
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels string // as written, braces and all; empty when there are none
	value  float64
}

// parseMetrics reads "name{labels} value" and "name value" lines.
func parseMetrics(r io.Reader) ([]sample, error) {
	var ss []sample
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		name, labels, _ := strings.Cut(line[:i], "{")
		if labels != "" {
			labels = "{" + labels
		}
		ss = append(ss, sample{name: name, labels: labels, value: v})
	}
	return ss, sc.Err()
}

// sum adds up a metric over the samples whose labels contain label (all
// of them when label is empty).
func sum(ss []sample, name, label string) float64 {
	total := 0.0
	for _, s := range ss {
		if s.name == name && strings.Contains(s.labels, label) {
			total += s.value
		}
	}
	return total
}
