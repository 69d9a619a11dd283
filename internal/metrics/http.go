package metrics

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kinds of long-lived requests in conduit_streams_open.
const (
	StreamWebsocket = "websocket"
	StreamSSE       = "sse"
)

// pathOther and methodOther stand for every path and method outside the
// fixed sets.
const (
	pathOther   = "other"
	methodOther = "OTHER"
)

// routes are the path label's values besides "/" and "other".
var routes = map[string]bool{"/graphql": true, "/healthz": true, "/readyz": true, "/metrics": true}

// methods are the method label's values besides "OTHER"; net/http passes
// any token a client sends as the method.
var methods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// Middleware counts each request by method, route and status code, and
// times it, except websockets and event streams: they last as long as the
// client stays, and would drown the request times in the histogram. Those
// are counted in conduit_streams_open while they are open instead.
//
// Put it outside the recover middleware, so that a panic shows as the 500
// that the client gets.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return m.MiddlewareStreams(next, nil)
}

// MiddlewareStreams is Middleware where stream names the kind of stream a
// request is, as the handler decides it: StreamWebsocket, StreamSSE, or ""
// for a plain request. Nil guesses from the request (guessStream).
func (m *Metrics) MiddlewareStreams(next http.Handler, stream func(*http.Request) string) http.Handler {
	if stream == nil {
		stream = guessStream
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path, kind := methodLabel(r.Method), pathLabel(r.URL.Path), stream(r)
		if kind != "" {
			open := m.streamsOpen.WithLabelValues(kind)
			open.Inc()
			// Deferred, so that an aborted stream (http.ErrAbortHandler)
			// does not stay open in the gauge for ever.
			defer open.Dec()
		}
		start := time.Now()
		rw := &responseWriter{ResponseWriter: w, status: http.StatusOK, metrics: m, stream: kind}
		defer rw.endLateStream()
		next.ServeHTTP(rw, r)
		m.httpRequests.WithLabelValues(method, path, strconv.Itoa(rw.status)).Inc()
		if rw.stream == "" {
			m.httpDuration.WithLabelValues(method, path).Observe(time.Since(start).Seconds())
		}
	})
}

// pathLabel maps a request path to one of the fixed routes: the playground
// at "/" takes its assets with it.
func pathLabel(p string) string {
	switch {
	case routes[p]:
		return p
	case p == "/" || strings.HasPrefix(p, "/assets/"):
		return "/"
	}
	return pathOther
}

func methodLabel(m string) string {
	if methods[m] {
		return m
	}
	return methodOther
}

// guessStream tells a websocket upgrade or an event stream from a plain
// request by what the client asks for, for a handler that does not say
// itself: an Upgrade to websocket, or an Accept that names
// text/event-stream; "" for a plain request.
func guessStream(r *http.Request) string {
	for _, v := range r.Header.Values("Upgrade") {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "websocket") {
				return StreamWebsocket
			}
		}
	}
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return StreamSSE
	}
	return ""
}

// responseWriter remembers the status code, and passes through what
// websockets (Hijack) and event streams (Flush) need, and the rest of
// http.ResponseController's methods through Unwrap.
type responseWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	metrics     *Metrics
	// stream is the kind of stream the request is, "" for a plain one;
	// late, one that a plain request turned into (MarkStream).
	stream, late string
}

// MarkStream tells the middleware around w (found through Unwrap) that
// the plain request it serves has turned into a stream of kind (a POST
// whose subscription is answered with an event stream): it counts in
// conduit_streams_open until it ends, and stays out of the request
// durations. Without the middleware, it does nothing.
func MarkStream(w http.ResponseWriter, kind string) {
	for w != nil {
		if rw, ok := w.(*responseWriter); ok {
			if rw.stream == "" {
				rw.stream, rw.late = kind, kind
				rw.metrics.streamsOpen.WithLabelValues(kind).Inc()
			}
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

// endLateStream uncounts a stream that MarkStream counted; deferred, so
// that an aborted one (http.ErrAbortHandler) does too.
func (w *responseWriter) endLateStream() {
	if w.late != "" {
		w.metrics.streamsOpen.WithLabelValues(w.late).Dec()
	}
}

// WriteHeader records the status and passes it on.
func (w *responseWriter) WriteHeader(code int) {
	// 1xx headers are interim (103 Early Hints); the final status follows.
	// 101 is final: the connection then changes protocol.
	if !w.wroteHeader && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write passes the bytes on.
func (w *responseWriter) Write(b []byte) (int, error) {
	// A body without a status is a 200, and fixes the status for good.
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush through, for event streams.
func (w *responseWriter) Flush() {
	w.wroteHeader = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack passes a hijack through, for websockets.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		// The handler now writes the 101 on the connection itself.
		w.status, w.wroteHeader = http.StatusSwitchingProtocols, true
	}
	return conn, brw, err
}
