package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/metrics"
)

// Websocket timings: legacy graphql-ws clients get a keep-alive message,
// graphql-transport-ws clients a ping that must be answered, so a dead peer
// is found within two intervals.
const (
	wsKeepAlive   = 15 * time.Second
	wsInitTimeout = 10 * time.Second
	// CloseServiceRestart tells websocket clients that the server is
	// stopping for a restart and that they should reconnect.
	CloseServiceRestart = 1012
	// CloseForbidden ends a graphql-transport-ws socket whose token no
	// longer counts (expired, or replaced by a new password), as the
	// protocol closes one whose connection_init it refuses.
	CloseForbidden = 4403
)

// websocketTransport serves subscriptions (and queries and mutations) over
// both graphql-transport-ws and the legacy graphql-ws subprotocol; rate,
// when not nil, counts each operation against its client's rate.
func websocketTransport(o Options, rate *limiters) transport.Websocket {
	accept := coderws.AcceptOptions{}
	for _, origin := range o.CORSOrigins {
		if origin == "*" {
			// Tokens travel in connection_init, never in cookies, so a page
			// on another origin gains nothing it could not do itself.
			accept.InsecureSkipVerify = true
		} else if u, err := url.Parse(origin); err == nil && u.Host != "" {
			accept.OriginPatterns = append(accept.OriginPatterns, u.Host)
		}
	}
	return transport.Websocket{
		Implementation: stoppingWebsocket{
			inner:    transport.CoderWebsocketImplementation{AcceptOptions: accept},
			stopping: o.Stopping,
			rate:     rate,
			ipHeader: o.RateLimit.ClientIPHeader,
			maxOps:   o.Limits.SubscriptionsPerSocket,
		},
		InitFunc:              noteViewer(o.WebsocketInit),
		InitTimeout:           wsInitTimeout,
		KeepAlivePingInterval: wsKeepAlive,
		PingPongInterval:      wsKeepAlive,
	}
}

// withStreamStop ends long-lived requests (websockets, event streams) when
// the server starts to stop: http.Server.Shutdown waits for requests to end
// and never ends these by itself. Other requests run to their end. It also
// lets the GraphQL handler end a stream whose credential stopped counting
// (forbidStream).
func withStreamStop(stopping <-chan struct{}) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isStream(r) {
				next.ServeHTTP(w, r)
				return
			}
			r, cancel := streamRequest(r, stopping)
			defer cancel()
			next.ServeHTTP(w, r)
		})
	}
}

// streamRequest gives r a context that ends when the server starts to stop
// or the stream is forbidden; cancel releases it.
func streamRequest(r *http.Request, stopping <-chan struct{}) (*http.Request, context.CancelFunc) {
	ctx, cancel := context.WithCancel(r.Context())
	end := &streamEnd{cancel: cancel}
	ctx = context.WithValue(ctx, streamEndKey{}, end)
	if stopping != nil {
		go func() {
			select {
			case <-stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return r.WithContext(ctx), cancel
}

// noteViewer wraps a websocket's connection_init check so that the
// socket's operations count against the rate of the viewer it signs in.
func noteViewer(init transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	if init == nil {
		return nil
	}
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		next, ack, err := init(ctx, p)
		if e, ok := ctx.Value(streamEndKey{}).(*streamEnd); ok && err == nil && next != nil {
			e.viewer.Store(conduit.ViewerIDFromContext(next))
		}
		return next, ack, err
	}
}

// streamEnd ends one stream's request.
type streamEnd struct {
	cancel    context.CancelFunc
	forbidden atomic.Bool
	viewer    atomic.Int64 // signed in by a websocket's connection_init
}

type streamEndKey struct{}

// inStream tells whether ctx belongs to a websocket or an event stream.
func inStream(ctx context.Context) bool {
	_, ok := ctx.Value(streamEndKey{}).(*streamEnd)
	return ok
}

// forbidStream ends the stream of ctx because its credential no longer
// counts: a websocket closes with 4403 (graphql-transport-ws) or
// connection_error (graphql-ws), an event stream ends.
func forbidStream(ctx context.Context) {
	if e, ok := ctx.Value(streamEndKey{}).(*streamEnd); ok {
		e.forbidden.Store(true)
		e.cancel()
	}
}

// streamKind is what a request asks the handler for: a plain answer, a
// websocket or an event stream.
type streamKind uint8

const (
	notStream streamKind = iota
	websocketStream
	eventStream
)

// streamOf is the one place that decides whether a request is a stream,
// and which: every middleware, transport and metric asks it. Any Upgrade
// header makes a websocket (gqlgen's websocket transport takes every
// request that has one); a POST whose client prefers an event stream to
// JSON makes an event stream; anything else is a plain request. A
// subscription from a client that prefers JSON but accepts a stream
// becomes one later, in httpTransport.Do.
func streamOf(r *http.Request) streamKind {
	switch {
	case r.Header.Get("Upgrade") != "":
		return websocketStream
	case r.Method == http.MethodPost && parseAccept(r.Header.Get("Accept")).prefersStream():
		return eventStream
	}
	return notStream
}

// isStream tells a websocket or an event stream from a plain request.
func isStream(r *http.Request) bool { return streamOf(r) != notStream }

// streamLabel names a request's stream in the metrics' terms ("" for a
// plain request), so that conduit_streams_open counts what streamOf decides.
func streamLabel(r *http.Request) string {
	switch streamOf(r) {
	case websocketStream:
		return metrics.StreamWebsocket
	case eventStream:
		return metrics.StreamSSE
	}
	return ""
}

// streamTransport is gqlgen's event-stream transport for the POSTs whose
// client prefers an event stream to JSON (graphql-sse sends Accept:
// text/event-stream alone).
type streamTransport struct{ transport.SSE }

// Supports takes the event streams that streamOf finds, with a JSON body.
func (streamTransport) Supports(r *http.Request) bool {
	return streamOf(r) == eventStream && isJSONMedia(r.Header.Get("Content-Type"))
}

// stoppingWebsocket closes websockets with 1012 (service restart) instead
// of 1000 once the server is stopping, so clients reconnect to the next one.
// It also checks the operations a client starts (operationConn).
type stoppingWebsocket struct {
	inner    transport.WebsocketImplementation
	stopping <-chan struct{}
	rate     *limiters // nil: operations are not rate limited
	ipHeader string
	maxOps   int
}

// Accept accepts the websocket and wraps it so a stop closes it with 1012.
func (s stoppingWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := s.inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	end, _ := r.Context().Value(streamEndKey{}).(*streamEnd)
	sc := &stoppingConn{WebsocketConn: conn, stopping: s.stopping, end: end}
	oc := &operationConn{stoppingConn: sc, legacy: conn.Subprotocol() != protoTransportWS, maxOps: s.maxOps, active: map[string]bool{}}
	if s.rate != nil {
		// The client is the viewer that connection_init signs in, else
		// whoever the upgrade request came from.
		viewer, ip := conduit.ViewerIDFromContext(r.Context()), clientIP(r, s.ipHeader)
		oc.allow = func() (bool, time.Duration) {
			v := viewer
			if end != nil {
				if id := end.viewer.Load(); id != 0 {
					v = id
				}
			}
			return s.rate.allow(v, ip)
		}
	}
	return oc, nil
}

type stoppingConn struct {
	transport.WebsocketConn
	stopping <-chan struct{}
	end      *streamEnd // nil outside withStreamStop
}

var (
	_ transport.WebsocketReadLimiter   = (*stoppingConn)(nil)
	_ transport.WebsocketReadDeadliner = (*stoppingConn)(nil)
)

// WriteClose sends the close frame, with 1012 once the server is stopping
// and with 4403 once the socket's token no longer counts. gqlgen closes a
// socket whose context ends with 1000 and says nothing of why, so a legacy
// graphql-ws client, which has no close code for it, first gets a
// connection_error.
func (c *stoppingConn) WriteClose(code int, msg string) error {
	if c.end != nil && c.end.forbidden.Load() {
		if c.Subprotocol() != protoTransportWS {
			_ = c.WebsocketConn.WriteJSON(map[string]any{
				"type":    "connection_error",
				"payload": map[string]string{"message": errTokenGone},
			})
		}
		return c.WebsocketConn.WriteClose(CloseForbidden, "Forbidden")
	}
	select {
	case <-c.stopping:
		if code == transport.WebsocketCloseNormalClosure {
			code, msg = CloseServiceRestart, "server restarting"
		}
	default:
	}
	return c.WebsocketConn.WriteClose(code, msg)
}

// SetReadLimit passes the payload limit through to the connection.
func (c *stoppingConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline passes the ping deadline through to the connection.
func (c *stoppingConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

var _ io.Closer = (*stoppingConn)(nil)
