package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The counters of conduit's /metrics that a measurement divides by its
// requests.
const (
	statementsMetric = "conduit_db_statements_total"
	mallocsMetric    = "go_memstats_mallocs_total"
)

// counters are a server's running totals at one moment.
type counters struct {
	statements, mallocs float64
}

// sub returns the increase from before to c.
func (c counters) sub(before counters) counters {
	return counters{statements: c.statements - before.statements, mallocs: c.mallocs - before.mallocs}
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
	m, err := parseMetrics(resp.Body)
	if err != nil {
		return counters{}, err
	}
	c := counters{statements: m[statementsMetric], mallocs: m[mallocsMetric]}
	if c.mallocs == 0 {
		return c, fmt.Errorf("/metrics has no %s", mallocsMetric)
	}
	return c, nil
}

// parseMetrics sums each metric of the Prometheus text format over its
// labels: "name{labels} value" and "name value" lines.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	m := map[string]float64{}
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
		name, _, _ := strings.Cut(line[:i], "{")
		m[name] += v
	}
	return m, sc.Err()
}
