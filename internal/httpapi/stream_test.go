package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStreamOf: one predicate decides whether a request is a stream, and
// the transports that take requests agree with it.
func TestStreamOf(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		header       map[string]string
		want         streamKind
	}{
		{"Get", http.MethodGet, nil, notStream},
		{"Post", http.MethodPost, nil, notStream},
		{"PostJSON", http.MethodPost, map[string]string{"Accept": "application/graphql-response+json, application/json"}, notStream},
		{"Websocket", http.MethodGet, map[string]string{"Upgrade": "websocket", "Connection": "Upgrade"}, websocketStream},
		{"AnyUpgrade", http.MethodGet, map[string]string{"Upgrade": "h2c"}, websocketStream},
		{"UpgradeWinsOverAccept", http.MethodPost, map[string]string{"Upgrade": "websocket", "Accept": "text/event-stream"}, websocketStream},
		{"EventStream", http.MethodPost, map[string]string{"Accept": "text/event-stream"}, eventStream},
		{"EventStreamFirstOfEqual", http.MethodPost, map[string]string{"Accept": "text/event-stream, application/json"}, eventStream},
		{"EventStreamWeighedHigher", http.MethodPost, map[string]string{"Accept": "application/json;q=0.5, text/event-stream"}, eventStream},
		{"JSONFirstOfEqual", http.MethodPost, map[string]string{"Accept": "application/json, text/event-stream"}, notStream},
		{"EventStreamNotAcceptable", http.MethodPost, map[string]string{"Accept": "text/event-stream;q=0, application/json"}, notStream},
		{"GetNeverAnEventStream", http.MethodGet, map[string]string{"Accept": "text/event-stream"}, notStream},
		{"Multipart", http.MethodPost, map[string]string{"Accept": "multipart/mixed, application/json"}, notStream},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			r.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := streamOf(r); got != tc.want {
				t.Fatalf("streamOf = %d, want %d", got, tc.want)
			}
			if got := isStream(r); got != (tc.want != notStream) {
				t.Errorf("isStream = %v", got)
			}
			if got := (streamTransport{}).Supports(r); got != (tc.want == eventStream) {
				t.Errorf("streamTransport.Supports = %v", got)
			}
			if got := (httpTransport{}).Supports(r); got != (tc.want == notStream) {
				t.Errorf("httpTransport.Supports = %v", got)
			}
			wantLabel := map[streamKind]string{notStream: "", websocketStream: "websocket", eventStream: "sse"}[tc.want]
			if got := streamLabel(r); got != wantLabel {
				t.Errorf("streamLabel = %q, want %q", got, wantLabel)
			}
		})
	}
}
