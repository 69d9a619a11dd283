package httpapi

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// CodeRateLimited is the code of a request refused for coming too often.
const CodeRateLimited = "RATE_LIMITED"

// RateLimit is how many requests per second, with bursts, one client may
// send to /graphql. A client is its signed-in user, or else its IP address.
// Limits are per instance.
type RateLimit struct {
	PerSecond float64 // 0 turns limiting off
	Burst     int
	// ClientIPHeader names a header set by a trusted proxy in front of the
	// server (X-Forwarded-For, Fly-Client-IP, …) that holds the client's
	// address; empty means the connection's own address.
	ClientIPHeader string
}

// limiters holds one token bucket per client and forgets idle clients.
type limiters struct {
	cfg       RateLimit
	mu        sync.Mutex
	byClient  map[string]*clientLimiter
	lastSweep time.Time
	now       func() time.Time
}

type clientLimiter struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

// idleAfter is how long a client's bucket is kept after its last request;
// by then it has refilled, so forgetting it changes nothing.
const idleAfter = 5 * time.Minute

func newLimiters(cfg RateLimit) *limiters {
	return &limiters{cfg: cfg, byClient: map[string]*clientLimiter{}, now: time.Now}
}

// reserve takes a token for client, or says how long until one is free.
func (l *limiters) reserve(client string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > idleAfter {
		for k, c := range l.byClient {
			if now.Sub(c.lastSeen) > idleAfter {
				delete(l.byClient, k)
			}
		}
		l.lastSweep = now
	}
	c := l.byClient[client]
	if c == nil {
		c = &clientLimiter{limiter: rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)}
		l.byClient[client] = c
	}
	c.lastSeen = now
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// withRateLimit answers 429 RATE_LIMITED, with Retry-After, to a client
// over its limit; l nil limits nothing.
func withRateLimit(l *limiters, next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := l.reserve(clientKey(r, l.cfg.ClientIPHeader)); !ok {
			secs := retrySeconds(wait)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeJSONError(w, http.StatusTooManyRequests, CodeRateLimited, "Too many requests; try again in "+strconv.Itoa(secs)+" s.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// retrySeconds rounds a wait up to whole seconds, as Retry-After says it.
func retrySeconds(wait time.Duration) int { return int(math.Ceil(wait.Seconds())) }

// streamCounts counts the open websockets and event streams of each client.
type streamCounts struct {
	mu       sync.Mutex
	byClient map[string]int
}

// open counts one more stream of client unless it already has max.
func (s *streamCounts) open(client string, max int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byClient[client] >= max {
		return false
	}
	s.byClient[client]++
	return true
}

func (s *streamCounts) close(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byClient[client]--; s.byClient[client] <= 0 {
		delete(s.byClient, client)
	}
}

// withStreamCap answers 429 RATE_LIMITED, before any upgrade, to a client
// that already holds max websockets and event streams open (max 0: no cap).
// The client is named as the rate limit names it, when the request
// arrives: a websocket that signs in with connection_init counts against
// its address.
func withStreamCap(max int, ipHeader string, next http.Handler) http.Handler {
	if max <= 0 {
		return next
	}
	counts := &streamCounts{byClient: map[string]int{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isStream(r) {
			next.ServeHTTP(w, r)
			return
		}
		client := clientKey(r, ipHeader)
		if !counts.open(client, max) {
			writeJSONError(w, http.StatusTooManyRequests, CodeRateLimited,
				"Too many open websockets and event streams: "+strconv.Itoa(max)+" per client; close one before opening another.")
			return
		}
		defer counts.close(client)
		next.ServeHTTP(w, r)
	})
}

// clientKey names the client a request comes from: its signed-in user, or
// its address.
func clientKey(r *http.Request, ipHeader string) string {
	if id := conduit.ViewerIDFromContext(r.Context()); id != 0 {
		return "user:" + strconv.FormatInt(id, 10)
	}
	return "ip:" + clientIP(r, ipHeader)
}

// withClientIP puts the client's address into the request's context, for
// the limits that count per address below HTTP (sign-in attempts).
func withClientIP(ipHeader string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(conduit.NewContextWithClientIP(r.Context(), clientIP(r, ipHeader))))
	})
}

// clientIP is the address a request comes from: the last entry of
// ipHeader when set by a trusted proxy, else the connection's.
func clientIP(r *http.Request, ipHeader string) string {
	if ipHeader != "" {
		// The proxy appends the address it saw; that last entry is the one
		// a client cannot forge.
		if v := r.Header.Get(ipHeader); v != "" {
			parts := strings.Split(v, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return host
}
