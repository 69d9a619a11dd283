package httpapi

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
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
)

// websocketTransport serves subscriptions (and queries and mutations) over
// both graphql-transport-ws and the legacy graphql-ws subprotocol.
func websocketTransport(o Options) transport.Websocket {
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
		Implementation:        stoppingWebsocket{inner: transport.CoderWebsocketImplementation{AcceptOptions: accept}, stopping: o.Stopping},
		InitFunc:              o.WebsocketInit,
		InitTimeout:           wsInitTimeout,
		KeepAlivePingInterval: wsKeepAlive,
		PingPongInterval:      wsKeepAlive,
	}
}

// withStreamStop ends long-lived requests (websockets, event streams) when
// the server starts to stop: http.Server.Shutdown waits for requests to end
// and never ends these by itself. Other requests run to their end.
func withStreamStop(stopping <-chan struct{}, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stopping == nil || !isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func isStream(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// stoppingWebsocket closes websockets with 1012 (service restart) instead
// of 1000 once the server is stopping, so clients reconnect to the next one.
type stoppingWebsocket struct {
	inner    transport.WebsocketImplementation
	stopping <-chan struct{}
}

// Accept accepts the websocket and wraps it so a stop closes it with 1012.
func (s stoppingWebsocket) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := s.inner.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	sc := &stoppingConn{WebsocketConn: conn, stopping: s.stopping}
	if conn.Subprotocol() == protoTransportWS {
		return &uniqueIDConn{stoppingConn: sc, active: map[string]bool{}}, nil
	}
	return sc, nil
}

type stoppingConn struct {
	transport.WebsocketConn
	stopping <-chan struct{}
}

var (
	_ transport.WebsocketReadLimiter   = (*stoppingConn)(nil)
	_ transport.WebsocketReadDeadliner = (*stoppingConn)(nil)
)

// WriteClose sends the close frame, with 1012 once the server is stopping.
func (c *stoppingConn) WriteClose(code int, msg string) error {
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
