package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// DataVersion identifies the committed state of the database; equal values
// mean that nothing committed in between (see store.Changes).
type DataVersion = [6]uint64

// ResponseCache keeps the answers to queries and serves them again to the
// same viewer for the same request until the next commit to the database:
// an answer is stored with the version of the data it was computed from,
// and only ever served while that version is the current one, so it is
// exactly what running the query again would answer.
//
// Only successful queries answered in one piece are kept: no mutation, no
// subscription, no answer with an error, nothing streamed (event streams,
// incremental delivery), no request whose credential was refused.
type ResponseCache struct {
	version  func(context.Context) (DataVersion, bool)
	maxBytes int

	mu      sync.Mutex
	at      DataVersion // the version of every entry
	entries map[string]cachedResponse
	order   []string // keys in the order they were stored, oldest first
	size    int

	hits, misses, stored atomic.Int64
}

type cachedResponse struct {
	contentType string
	// HTTP caching of a public GET answer (see writePublicResponse).
	cacheControl, etag, vary string
	body                     []byte
}

func (e cachedResponse) size() int {
	return len(e.body) + len(e.contentType) + len(e.cacheControl) + len(e.etag) + len(e.vary)
}

// maxCachedResponse bounds one answer, so that a few large ones cannot
// crowd out the many small ones.
const maxCachedResponse = 256 << 10

// NewResponseCache returns a cache of at most maxBytes of answers, valid
// while version reports the same value. version reports ok false when the
// state is unknown: nothing is served or stored then.
func NewResponseCache(maxBytes int, version func(context.Context) (DataVersion, bool)) *ResponseCache {
	return &ResponseCache{version: version, maxBytes: maxBytes, entries: map[string]cachedResponse{}}
}

// ResponseCacheStats counts lookups since start: answered from the cache,
// not found (the query ran), and answers stored.
type ResponseCacheStats struct{ Hits, Misses, Stored int64 }

// Stats returns the lookup counts, for /metrics.
func (c *ResponseCache) Stats() ResponseCacheStats {
	return ResponseCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Stored: c.stored.Load()}
}

func (c *ResponseCache) get(key []byte, v DataVersion) (cachedResponse, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v {
		return cachedResponse{}, false
	}
	e, ok := c.entries[string(key)]
	return e, ok
}

func (c *ResponseCache) put(key []byte, v DataVersion, e cachedResponse) {
	n := len(key) + e.size()
	if n > maxCachedResponse || n > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v {
		// Every entry answered for an older state: none can be served again.
		clear(c.entries)
		c.order, c.size, c.at = c.order[:0], 0, v
	}
	k := string(key)
	if _, ok := c.entries[k]; ok {
		return
	}
	for c.size+n > c.maxBytes && len(c.order) > 0 {
		old := c.order[0]
		c.order = c.order[1:]
		c.size -= len(old) + c.entries[old].size()
		delete(c.entries, old)
	}
	c.entries[k] = e
	c.order = append(c.order, k)
	c.size += n
	c.stored.Add(1)
}

// cacheTicket is how the GraphQL layer tells the cache that the answer of
// the request in flight may be kept.
type cacheTicket struct{ ok bool }

type cacheTicketKey struct{}

// responseCacheExtension marks successful queries as cacheable.
type responseCacheExtension struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = responseCacheExtension{}

func (responseCacheExtension) ExtensionName() string                   { return "ResponseCache" }
func (responseCacheExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (responseCacheExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	t, _ := ctx.Value(cacheTicketKey{}).(*cacheTicket)
	if t == nil || resp == nil {
		return resp
	}
	t.ok = len(resp.Errors) == 0 && resp.HasNext == nil && graphql.HasOperationContext(ctx) &&
		graphql.GetOperationContext(ctx).Operation != nil &&
		graphql.GetOperationContext(ctx).Operation.Operation == ast.Query
	return resp
}

// keyBuffers hold cache keys while they are looked up.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// withResponseCache answers a request from c when the same viewer sent the
// same request since the last commit, and keeps the answer otherwise. It
// sits inside the rate limit, the token check and the body limit: a cached
// answer is counted, authorised and bounded like any other.
func withResponseCache(c *ResponseCache, stopping <-chan struct{}) middleware {
	return func(next http.Handler) http.Handler {
		if c == nil || c.maxBytes <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var request []byte
			switch {
			case r.Method == http.MethodGet && !isStream(r):
				request = []byte(r.URL.RawQuery)
			case r.Method == http.MethodPost:
				b, ok := r.Body.(*bufferedBody)
				if !ok {
					next.ServeHTTP(w, r)
					return
				}
				request = b.data
			default:
				next.ServeHTTP(w, r)
				return
			}
			accept := r.Header.Get("Accept")
			if isStopping(stopping) || conduit.AuthErrorFromContext(r.Context()) != nil {
				next.ServeHTTP(w, r)
				return
			}
			v, ok := c.version(r.Context())
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			kb := keyBuffers.Get().(*[]byte)
			defer keyBuffers.Put(kb)
			key := strconv.AppendInt((*kb)[:0], conduit.ViewerIDFromContext(r.Context()), 10)
			key = append(key, 0)
			key = append(key, r.Method...)
			key = append(key, 0)
			key = append(key, accept...)
			key = append(key, 0)
			key = append(key, r.Header.Get("Content-Type")...)
			key = append(key, 0)
			key = append(key, request...)
			*kb = key
			if e, ok := c.get(key, v); ok {
				c.hits.Add(1)
				h := w.Header()
				if e.cacheControl != "" {
					h["Cache-Control"] = []string{e.cacheControl}
				}
				if e.vary != "" {
					h["Vary"] = []string{e.vary}
				}
				if e.etag != "" {
					h["Etag"] = []string{e.etag}
					if etagMatch(r.Header.Values("If-None-Match"), e.etag) {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				}
				h["Content-Type"] = []string{e.contentType}
				h["Content-Length"] = []string{strconv.Itoa(len(e.body))}
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(e.body)
				return
			}
			c.misses.Add(1)
			t := &cacheTicket{}
			cw := &capturingWriter{ResponseWriter: w}
			next.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), cacheTicketKey{}, t)))
			if !t.ok || cw.status != http.StatusOK || cw.overflow || cw.streamed {
				return
			}
			// Stored only if nothing committed while the query ran: then it read
			// the state of version v.
			if after, ok := c.version(r.Context()); ok && after == v {
				h := w.Header()
				c.put(key, v, cachedResponse{contentType: h.Get("Content-Type"), cacheControl: h.Get("Cache-Control"),
					etag: h.Get("Etag"), vary: strings.Join(h.Values("Vary"), ", "), body: cw.body})
			}
		})
	}
}

func isStopping(stopping <-chan struct{}) bool {
	if stopping == nil {
		return false
	}
	select {
	case <-stopping:
		return true
	default:
		return false
	}
}

// capturingWriter keeps a copy of what it writes, up to maxCachedResponse.
// An answer that was flushed is a stream (events, incremental delivery),
// which is never kept.
type capturingWriter struct {
	http.ResponseWriter
	status   int
	body     []byte
	overflow bool
	streamed bool
}

// Flush passes a flush on, for the transports that stream.
func (w *capturingWriter) Flush() {
	w.streamed = true
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *capturingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *capturingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.overflow {
		if len(w.body)+len(p) > maxCachedResponse {
			w.overflow, w.body = true, nil
		} else {
			w.body = append(w.body, p...)
		}
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *capturingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
