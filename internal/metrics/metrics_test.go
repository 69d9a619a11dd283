package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/metrics"
)

// scrape fetches the text format from h as Prometheus would, and parses it.
func scrape(tb testing.TB, h http.Handler) map[string]*dto.MetricFamily {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(tb, http.StatusOK, rec.Code, rec.Body.String())
	return parse(tb, rec.Header().Get("Content-Type"), rec.Body)
}

func parse(tb testing.TB, contentType string, body io.Reader) map[string]*dto.MetricFamily {
	tb.Helper()
	require.True(tb, strings.HasPrefix(contentType, "text/plain"), contentType)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(body)
	require.NoError(tb, err)
	return fams
}

// value returns the sum over the series of family name that have these
// labels (name, value, name, value, …), whatever their other labels: a
// counter's or gauge's value, a histogram's sample count; 0 when there is
// no such series.
func value(tb testing.TB, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	tb.Helper()
	fam, ok := fams[name]
	if !ok {
		return 0
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	sum := 0.0
	for _, m := range fam.GetMetric() {
		if hasLabels(labelMap(m), want) {
			switch fam.GetType() {
			case dto.MetricType_COUNTER:
				sum += m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				sum += m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				sum += float64(m.GetHistogram().GetSampleCount())
			default:
				tb.Fatalf("%s: unexpected type %s", name, fam.GetType())
			}
		}
	}
	return sum
}

func labelMap(m *dto.Metric) map[string]string {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	return got
}

// hasLabels reports whether labels has every label of want, with its value.
func hasLabels(labels, want map[string]string) bool {
	for k, v := range want {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// labelValues returns every value that label takes in family name.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	var vals []string
	for _, m := range fams[name].GetMetric() {
		if v, ok := labelMap(m)[label]; ok {
			vals = append(vals, v)
		}
	}
	return vals
}

func TestHandler_RuntimeAndProcess(t *testing.T) {
	fams := scrape(t, metrics.New().Handler())
	require.Contains(t, fams, "go_goroutines")
	require.Contains(t, fams, "go_memstats_heap_alloc_bytes")
	require.Contains(t, fams, "process_cpu_seconds_total")
	// Series that exist before the first event, so rate() sees the first one.
	require.Contains(t, fams, "conduit_streams_open")
	require.Contains(t, fams, "conduit_graphql_errors_total")
	require.Contains(t, fams, "conduit_graphql_operations_total")
}

func TestNew_OwnRegistry(t *testing.T) {
	// Two instances register the same names without a conflict: nothing
	// goes to the global default registry.
	a, b := metrics.New(), metrics.New()
	a.CounterFunc("conduit_test_total", "Test.", func() float64 { return 1 })
	b.CounterFunc("conduit_test_total", "Test.", func() float64 { return 2 })
	require.Equal(t, 1.0, value(t, scrape(t, a.Handler()), "conduit_test_total"))
	require.Equal(t, 2.0, value(t, scrape(t, b.Handler()), "conduit_test_total"))
}

func TestCounterFunc_ReadAtScrape(t *testing.T) {
	m := metrics.New()
	var statements atomic.Int64
	m.CounterFunc("conduit_db_statements_total", "SQL statements run.", func() float64 { return float64(statements.Load()) })
	require.Zero(t, value(t, scrape(t, m.Handler()), "conduit_db_statements_total"))
	statements.Add(7)
	fams := scrape(t, m.Handler())
	require.Equal(t, 7.0, value(t, fams, "conduit_db_statements_total"))
	require.Equal(t, dto.MetricType_COUNTER, fams["conduit_db_statements_total"].GetType())
}

func TestGaugeFunc_ReadAtScrape(t *testing.T) {
	m := metrics.New()
	subscribers := 3.0
	m.GaugeFunc("conduit_subscribers", "Subscribers now.", func() float64 { return subscribers })
	require.Equal(t, 3.0, value(t, scrape(t, m.Handler()), "conduit_subscribers"))
	subscribers = 1
	fams := scrape(t, m.Handler())
	require.Equal(t, 1.0, value(t, fams, "conduit_subscribers"))
	require.Equal(t, dto.MetricType_GAUGE, fams["conduit_subscribers"].GetType())
}

func TestCounterFunc_DuplicatePanics(t *testing.T) {
	m := metrics.New()
	m.CounterFunc("conduit_x_total", "X.", func() float64 { return 0 })
	require.Panics(t, func() { m.GaugeFunc("conduit_x_total", "X.", func() float64 { return 0 }) })
	require.Panics(t, func() { m.CounterFunc("conduit_http_requests_total", "Taken.", func() float64 { return 0 }) })
}
