package main

import (
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	in := `# HELP conduit_db_statements_total SQL statements run.
# TYPE conduit_db_statements_total counter
conduit_db_statements_total 1234
conduit_graphql_operations_total{type="mutation"} 2
conduit_graphql_operations_total{type="query"} 5
go_memstats_mallocs_total 1.5e+06
`
	m, err := parseMetrics(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if m[statementsMetric] != 1234 || m[mallocsMetric] != 1.5e6 || m["conduit_graphql_operations_total"] != 7 {
		t.Errorf("parseMetrics = %v", m)
	}
}
