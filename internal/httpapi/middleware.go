package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/metrics"
)

// saneRequestID reports whether a client's X-Request-ID may be used as the
// request's id: 1 to 64 characters of [A-Za-z0-9._-].
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// newRequestID returns 16 random hex digits. Request ids must be unique,
// not secret, so the runtime's fast generator will do.
func newRequestID() string {
	var b [16]byte
	n := rand.Uint64()
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = "0123456789abcdef"[n&15]
		n >>= 4
	}
	return string(b[:])
}

// withRequestID gives each request an id (the client's X-Request-ID when it
// is sane), echoes it in the response and puts it into the context, so a
// user who reports an error id can be matched with the log.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-ID")
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(conduit.NewContextWithRequestID(r.Context(), id)))
	})
}

// withRecover answers 500 instead of dropping the connection when a handler
// panics, and logs the panic with the request id.
func withRecover(log *slog.Logger) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					log.ErrorContext(r.Context(), "panic", "request_id", conduit.RequestIDFromContext(r.Context()), "panic", p)
					writeJSONError(w, http.StatusInternalServerError, conduit.EINTERNAL, "Internal server error (request id "+conduit.RequestIDFromContext(r.Context())+").")
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// withAccessLog logs one line per request, through access when it is set,
// else through log: with the GraphQL operation's name (set by the HTTP
// transport; none for websockets and event streams, which carry many) and
// the client's apollographql-client-name.
func withAccessLog(log *slog.Logger, access func(method, path string, status int, d time.Duration, requestID, operation, client string)) middleware {
	return func(next http.Handler) http.Handler {
		if access == nil {
			access = func(method, path string, status int, d time.Duration, requestID, operation, client string) {
				log.LogAttrs(context.Background(), slog.LevelInfo, "request",
					slog.String("method", method), slog.String("path", path), slog.Int("status", status),
					slog.Duration("duration", d), slog.String("request_id", requestID),
					slog.String("operation", operation), slog.String("client", client))
			}
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(sw, r)
			access(r.Method, r.URL.Path, sw.status, time.Since(start), conduit.RequestIDFromContext(r.Context()), sw.operation, metrics.ClientLabel(r.Header))
		})
	}
}

// noteOperation tells the access log's writer, found below w, the name of
// the request's operation.
func noteOperation(w http.ResponseWriter, name string) {
	for {
		switch v := w.(type) {
		case *statusWriter:
			v.operation = metrics.OperationLabel(name)
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return
		}
	}
}

// DefaultCORSAllowHeaders are the request headers that browsers on another
// origin may send: what the API reads (Authorization, Content-Type, Accept,
// X-Request-ID), and what common clients and tracers add on their own
// (W3C trace context and baggage, Sentry, Apollo Client's client awareness
// and CSRF-prevention headers).
var DefaultCORSAllowHeaders = []string{
	"Accept", "Authorization", "Content-Type", "X-Request-ID",
	"traceparent", "tracestate", "baggage", "sentry-trace",
	"apollographql-client-name", "apollographql-client-version", "x-apollo-operation-name", "apollo-require-preflight",
}

// RequiredCORSAllowHeaders are allowed whatever is configured: no call from
// another origin works without them.
var RequiredCORSAllowHeaders = []string{"Authorization", "Content-Type"}

// withCORS lets browser frontends on other origins call the API, sending
// the headers allowHeaders names (nil: DefaultCORSAllowHeaders). Tokens
// travel in the Authorization header, never in cookies, so credentials are
// not allowed.
func withCORS(origins, allowHeaders []string) middleware {
	return func(next http.Handler) http.Handler {
		allowed := map[string]bool{}
		for _, o := range origins {
			allowed[o] = true
		}
		if allowHeaders == nil {
			allowHeaders = DefaultCORSAllowHeaders
		}
		headers := slices.Clone(allowHeaders)
		for _, h := range RequiredCORSAllowHeaders {
			if !slices.ContainsFunc(headers, func(x string) bool { return strings.EqualFold(x, h) }) {
				headers = append(headers, h)
			}
		}
		allowHeaderList := strings.Join(headers, ", ")
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin != "" && (allowed["*"] || allowed[origin]) {
				h := w.Header()
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
				// Scripts may read the tags that revalidate a public answer
				// and find a request in the log and the trace.
				h.Set("Access-Control-Expose-Headers", "ETag, X-Request-ID, Traceresponse")
				if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
					h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
					h.Set("Access-Control-Allow-Headers", allowHeaderList)
					h.Set("Access-Control-Max-Age", "600")
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// withBodyLimit reads a request body of at most limit bytes up front and
// answers 413 for a larger one, so no handler sees a truncated document.
func withBodyLimit(limit int64) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body == nil || r.Method == http.MethodGet {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > limit {
				writeJSONError(w, http.StatusRequestEntityTooLarge, codeParseFailed, "The request body is larger than the limit of "+byteSize(limit)+".")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
			var tooLarge *http.MaxBytesError
			var tooSlow ErrBodyTimeout
			if errors.As(err, &tooLarge) {
				writeJSONError(w, http.StatusRequestEntityTooLarge, codeParseFailed, "The request body is larger than the limit of "+byteSize(limit)+".")
				return
			} else if errors.As(err, &tooSlow) {
				writeJSONError(w, http.StatusRequestTimeout, codeParseFailed, "The request body did not arrive within "+tooSlow.Timeout.String()+".")
				return
			} else if err != nil {
				writeJSONError(w, http.StatusBadRequest, codeParseFailed, "The request body could not be read.")
				return
			}
			r.Body = &bufferedBody{Reader: bytes.NewReader(body), data: body}
			next.ServeHTTP(w, r)
		})
	}
}

// bufferedBody is a request body read in full, whose bytes the response
// cache reads without copying them.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (*bufferedBody) Close() error { return nil }

// withAuth puts the viewer named by the Authorization header into the context.
func withAuth(authenticate func(ctx context.Context, authorization string) (context.Context, error)) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, err := authenticate(r.Context(), r.Header.Get("Authorization"))
			if err != nil && conduit.ErrorCode(err) != conduit.EUNAUTHENTICATED {
				// The database did not answer: the viewer is unknown, so answer
				// nothing rather than treat the request as anonymous.
				writeJSONError(w, http.StatusServiceUnavailable, conduit.EINTERNAL, "Service unavailable, try again.")
				return
			}
			if ctx != r.Context() {
				r = r.WithContext(ctx) // a copy of the request: only when needed
			}
			next.ServeHTTP(w, r)
		})
	}
}

// statusWriter remembers the status for the access log and passes through
// what websockets (Hijack) and event streams (Flush) need.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	// operation is the GraphQL operation's name for the log (noteOperation).
	operation string
}

// WriteHeader records the status and passes it on.
func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush through, for event streams.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes a hijack through, for websockets.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	writeRequestError(w, status, gqlerror.List{requestError(code, msg)})
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
