package metrics_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/metrics"
)

const waitFor = 5 * time.Second

func (api *testAPI) do(tb testing.TB, method, path string) int {
	tb.Helper()
	req, err := http.NewRequest(method, api.URL+path, nil)
	require.NoError(tb, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(tb, err)
	require.NoError(tb, res.Body.Close())
	return res.StatusCode
}

func TestMiddleware_CountsByRoute(t *testing.T) {
	api := newTestAPI(t)
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/healthz"))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/healthz"))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/"))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/assets/app.js"))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/graphql?query=%7Bhello%7D"))
	require.Equal(t, http.StatusOK, api.do(t, http.MethodGet, "/metrics"))

	fams := scrape(t, api.m.Handler())
	reqs, dur := "conduit_http_requests_total", "conduit_http_request_duration_seconds"
	require.Equal(t, 2.0, value(t, fams, reqs, "method", "GET", "path", "/healthz", "code", "200"))
	require.Equal(t, 2.0, value(t, fams, reqs, "method", "GET", "path", "/", "code", "200"), "the playground and its assets")
	require.Equal(t, 1.0, value(t, fams, reqs, "method", "GET", "path", "/graphql", "code", "200"))
	require.Equal(t, 1.0, value(t, fams, reqs, "method", "GET", "path", "/metrics", "code", "200"))
	require.Equal(t, 2.0, value(t, fams, dur, "method", "GET", "path", "/healthz"))
	require.Equal(t, 1.0, value(t, fams, dur, "method", "GET", "path", "/graphql"))
}

func TestMiddleware_BoundedLabels(t *testing.T) {
	api := newTestAPI(t)
	for _, p := range []string{"/wp-login.php", "/graphql/x", "/healthz/", "/assets", "/.env", "/" + strings.Repeat("a", 300)} {
		require.Equal(t, http.StatusNotFound, api.do(t, http.MethodGet, p), p)
	}
	// net/http hands any token through as the method; "/" takes what
	// "GET /healthz" does not, as in httpapi.
	require.Equal(t, http.StatusNotFound, api.do(t, "BREW", "/healthz"))
	require.Equal(t, http.StatusNotFound, api.do(t, "X-"+strings.Repeat("B", 40), "/healthz"))

	fams := scrape(t, api.m.Handler())
	reqs := "conduit_http_requests_total"
	require.Equal(t, 6.0, value(t, fams, reqs, "method", "GET", "path", "other", "code", "404"))
	require.Equal(t, 2.0, value(t, fams, reqs, "method", "OTHER", "path", "/healthz", "code", "404"))
	for _, p := range labelValues(fams, reqs, "path") {
		require.Contains(t, []string{"/graphql", "/healthz", "/readyz", "/metrics", "/", "other"}, p)
	}
	for _, m := range labelValues(fams, reqs, "method") {
		require.Contains(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"}, m)
	}
}

func TestMiddleware_StatusWithoutWriteHeader(t *testing.T) {
	m := metrics.New()
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			w.WriteHeader(http.StatusServiceUnavailable)
			w.WriteHeader(http.StatusOK) // superfluous: the client got 503
		case "/healthz":
			w.Header().Set("Link", "</assets/app.js>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints) // interim: the status follows
			_, _ = w.Write([]byte("ok"))
		}
	}))
	for _, p := range []string{"/readyz", "/healthz", "/metrics"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	fams := scrape(t, m.Handler())
	reqs := "conduit_http_requests_total"
	require.Equal(t, 1.0, value(t, fams, reqs, "method", "GET", "path", "/readyz", "code", "503"))
	require.Equal(t, 1.0, value(t, fams, reqs, "method", "GET", "path", "/healthz", "code", "200"))
	require.Equal(t, 1.0, value(t, fams, reqs, "method", "GET", "path", "/metrics", "code", "200"))
}

// streamsOpen reads conduit_streams_open{kind} from the served /metrics,
// itself a request through the middleware.
func (api *testAPI) streamsOpen(tb testing.TB, kind string) float64 {
	tb.Helper()
	res, err := http.Get(api.URL + "/metrics")
	require.NoError(tb, err)
	defer res.Body.Close()
	require.Equal(tb, http.StatusOK, res.StatusCode)
	return value(tb, parse(tb, res.Header.Get("Content-Type"), res.Body), "conduit_streams_open", "kind", kind)
}

func TestMiddleware_EventStream(t *testing.T) {
	api := newTestAPI(t)
	req, err := http.NewRequest(http.MethodPost, api.URL+"/graphql", strings.NewReader(`{"query":"subscription { tick }"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))

	// Flush passes through: events arrive while the request is still open.
	body := bufio.NewReader(res.Body)
	api.ticks <- 1
	line := readUntil(t, body, "data: ")
	require.Contains(t, line, `{"data":{"tick":1}}`)
	require.Equal(t, 1.0, api.streamsOpen(t, "sse"))
	fams := scrape(t, api.m.Handler())
	require.Zero(t, value(t, fams, "conduit_http_requests_total", "method", "POST", "path", "/graphql", "code", "200"), "counted when it ends")

	close(api.ticks)
	readUntil(t, body, "event: complete")
	require.Eventually(t, func() bool { return api.streamsOpen(t, "sse") == 0 }, waitFor, 10*time.Millisecond)
	fams = scrape(t, api.m.Handler())
	require.Equal(t, 1.0, value(t, fams, "conduit_http_requests_total", "method", "POST", "path", "/graphql", "code", "200"))
	require.Zero(t, value(t, fams, "conduit_http_request_duration_seconds", "method", "POST", "path", "/graphql"), "streams stay out of the histogram")
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operations_total", "type", "subscription"))
}

func readUntil(tb testing.TB, r *bufio.Reader, prefix string) string {
	tb.Helper()
	for {
		line, err := r.ReadString('\n')
		require.NoError(tb, err)
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	ID      string         `json:"id,omitempty"`
	Type    string         `json:"type"`
	Payload map[string]any `json:"payload,omitempty"`
}

func TestMiddleware_Websocket(t *testing.T) {
	api := newTestAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	// Hijack passes through: the upgrade succeeds and the protocol runs.
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(api.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	require.NoError(t, err)
	defer conn.CloseNow()
	require.Equal(t, http.StatusSwitchingProtocols, res.StatusCode)

	var msg wsMessage
	require.NoError(t, wsjson.Write(ctx, conn, wsMessage{Type: "connection_init"}))
	require.NoError(t, wsjson.Read(ctx, conn, &msg))
	require.Equal(t, "connection_ack", msg.Type)
	require.Equal(t, 1.0, api.streamsOpen(t, "websocket"))

	require.NoError(t, wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: map[string]any{"query": "subscription { tick }"}}))
	api.ticks <- 7
	require.NoError(t, wsjson.Read(ctx, conn, &msg))
	require.Equal(t, wsMessage{ID: "1", Type: "next", Payload: map[string]any{"data": map[string]any{"tick": 7.0}}}, msg)
	close(api.ticks)
	require.NoError(t, wsjson.Read(ctx, conn, &msg))
	require.Equal(t, "complete", msg.Type)
	require.NoError(t, conn.Close(websocket.StatusNormalClosure, ""))

	require.Eventually(t, func() bool { return api.streamsOpen(t, "websocket") == 0 }, waitFor, 10*time.Millisecond)
	fams := scrape(t, api.m.Handler())
	require.Equal(t, 1.0, value(t, fams, "conduit_http_requests_total", "method", "GET", "path", "/graphql", "code", "101"))
	require.Zero(t, value(t, fams, "conduit_http_request_duration_seconds", "method", "GET", "path", "/graphql"))
	require.Equal(t, 1.0, value(t, fams, "conduit_graphql_operations_total", "type", "subscription"))
}

// wrapped is a middleware's writer between the metrics and a handler.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestMarkStream: a plain request that turns into a stream once under
// way counts as an open stream until it ends, and stays out of the
// request durations, through the writers that wrap the middleware's.
func TestMarkStream(t *testing.T) {
	m := metrics.New()
	entered, leave := make(chan struct{}), make(chan struct{})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metrics.MarkStream(wrapped{w}, metrics.StreamSSE)
		close(entered)
		<-leave
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
	}()
	<-entered
	require.Equal(t, 1.0, value(t, scrape(t, m.Handler()), "conduit_streams_open", "kind", "sse"))
	close(leave)
	<-done
	fams := scrape(t, m.Handler())
	require.Zero(t, value(t, fams, "conduit_streams_open", "kind", "sse"))
	require.Equal(t, 1.0, value(t, fams, "conduit_http_requests_total", "method", "POST", "path", "/graphql", "code", "200"))
	require.Zero(t, value(t, fams, "conduit_http_request_duration_seconds", "method", "POST", "path", "/graphql"), "a stream stays out of the histogram")

	// Without the middleware, nothing happens.
	metrics.MarkStream(httptest.NewRecorder(), metrics.StreamSSE)
}
