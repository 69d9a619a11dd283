package main

import (
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	in := `# HELP conduit_db_statements_total SQL statements run.
# TYPE conduit_db_statements_total counter
conduit_db_statements_total 1234
conduit_http_requests_total{code="200",method="POST",path="/graphql"} 90
conduit_http_requests_total{code="400",method="POST",path="/graphql"} 10
conduit_http_requests_total{code="200",method="GET",path="/metrics"} 3
go_memstats_mallocs_total 1.5e+06
`
	ss, err := parseMetrics(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, label string
		want        float64
	}{
		{statementsMetric, "", 1234},
		{mallocsMetric, "", 1.5e6},
		{requestsMetric, "", 103},
		{requestsMetric, graphqlRoute, 100},
	} {
		if got := sum(ss, tt.name, tt.label); got != tt.want {
			t.Errorf("sum(%s, %q) = %v, want %v", tt.name, tt.label, got, tt.want)
		}
	}
}
