package httpapi

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// CodeRateLimited is the code of a request refused for coming too often.
const CodeRateLimited = "RATE_LIMITED"

// RateLimit is how many requests per second, with bursts, one client may
// send to /graphql. A client is its signed-in user, or else its IP address;
// requests that carry a credential from one address also share that
// address's budget for signed-in traffic, SignedInPerIP times larger, so
// that one address cannot multiply its budget by rotating tokens. That
// budget is taken before the credential is checked, so that made-up tokens
// cannot make the server read the database faster than it allows. Limits
// are per instance.
type RateLimit struct {
	PerSecond float64 // 0 turns limiting off
	Burst     int
	// ClientIPHeader names a header set by a trusted proxy in front of the
	// server (X-Forwarded-For, Fly-Client-IP, …) that holds the client's
	// address; empty means the connection's own address.
	ClientIPHeader string
}

// SignedInPerIP is how many times the rate and burst of one client the
// signed-in requests from one address may reach together. Several people
// behind one address (an office, a carrier's NAT) each have their own
// user's budget; four of them may use it in full at once, while one
// client rotating tokens gets no more than four users' worth.
const SignedInPerIP = 4

// limiters holds the token buckets of anonymous addresses, of users, and
// of the signed-in traffic of each address.
type limiters struct {
	cfg                           RateLimit
	anonymous, users, signedInIPs *buckets
}

func newLimiters(cfg RateLimit) *limiters {
	return &limiters{
		cfg:         cfg,
		anonymous:   newBuckets(cfg.PerSecond, cfg.Burst),
		users:       newBuckets(cfg.PerSecond, cfg.Burst),
		signedInIPs: newBuckets(cfg.PerSecond*SignedInPerIP, cfg.Burst*SignedInPerIP),
	}
}

// allow takes a token for a request by viewer (0: anonymous) from ip, or
// says how long until one is free. A signed-in request needs both its
// user's and its address's; the address's is given back when the user's
// refuses.
func (l *limiters) allow(viewer int64, ip string) (ok bool, retryAfter time.Duration) {
	if viewer == 0 {
		ok, retryAfter, _ = l.anonymous.take(ip)
		return ok, retryAfter
	}
	ok, retryAfter, giveBack := l.signedInIPs.take(ip)
	if !ok {
		return false, retryAfter
	}
	if ok, retryAfter, _ = l.users.take(strconv.FormatInt(viewer, 10)); !ok {
		giveBack()
	}
	return ok, retryAfter
}

// buckets holds one token bucket per client and forgets idle clients.
type buckets struct {
	perSecond float64
	burst     int
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

func newBuckets(perSecond float64, burst int) *buckets {
	return &buckets{perSecond: perSecond, burst: burst, byClient: map[string]*clientLimiter{}, now: time.Now}
}

// take takes a token for client, or says how long until one is free;
// giveBack returns the token, when another limit refuses the request.
func (l *buckets) take(client string) (ok bool, retryAfter time.Duration, giveBack func()) {
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
		c = &clientLimiter{limiter: rate.NewLimiter(rate.Limit(l.perSecond), l.burst)}
		l.byClient[client] = c
	}
	c.lastSeen = now
	r := c.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, func() { r.CancelAt(l.now()) }
}

// withAddressLimit is the rate limit before the token check, which may read
// the database: it takes a token from the budget of the request's address,
// the anonymous one, or the signed-in one (SignedInPerIP times larger) for
// a request that carries a credential, and answers 429 RATE_LIMITED, with
// Retry-After, when there is none. A flood of made-up tokens from one
// address is refused here, before any of them is looked up. l nil limits
// nothing.
func withAddressLimit(l *limiters) middleware {
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := clientIP(r, l.cfg.ClientIPHeader)
			if r.Header.Get("Authorization") == "" {
				if ok, wait, _ := l.anonymous.take(ip); !ok {
					refuseRate(w, wait)
					return
				}
				next.ServeHTTP(w, r)
				return
			}
			ok, wait, giveBack := l.signedInIPs.take(ip)
			if !ok {
				refuseRate(w, wait)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), addressTokenKey{}, addressToken{ip: ip, giveBack: giveBack})))
		})
	}
}

// addressToken is what withAddressLimit took for a request that carries a
// credential, for withViewerLimit to settle once the viewer is known.
type addressToken struct {
	ip       string
	giveBack func()
}

type addressTokenKey struct{}

// withViewerLimit is the rate limit after the token check, for a request
// that carried a credential: a signed-in request also needs a token of its
// user's budget, and gives the address's back when the user has none, so
// that one user over budget does not spend the others' at its address. A
// request whose credential was refused counts as anonymous, as it would
// without one; the address's signed-in token stays spent, so that refused
// tokens run out before the database is asked about more. l nil limits
// nothing.
func withViewerLimit(l *limiters) middleware {
	return func(next http.Handler) http.Handler {
		if l == nil {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t, ok := r.Context().Value(addressTokenKey{}).(addressToken)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			var wait time.Duration
			if viewer := conduit.ViewerIDFromContext(r.Context()); viewer != 0 {
				if ok, wait, _ = l.users.take(strconv.FormatInt(viewer, 10)); !ok {
					t.giveBack()
				}
			} else {
				ok, wait, _ = l.anonymous.take(t.ip)
			}
			if !ok {
				refuseRate(w, wait)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// refuseRate answers 429 RATE_LIMITED, with Retry-After.
func refuseRate(w http.ResponseWriter, wait time.Duration) {
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeJSONError(w, http.StatusTooManyRequests, CodeRateLimited, "Too many requests; try again in "+strconv.Itoa(secs)+" s.")
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

// streamCap caps the websockets and event streams that one client holds
// open (max 0: no cap). The client is named as the rate limit names it,
// when the request arrives: a websocket that signs in with connection_init
// counts against its address.
type streamCap struct {
	max      int
	ipHeader string
	counts   streamCounts
}

func newStreamCap(max int, ipHeader string) *streamCap {
	return &streamCap{max: max, ipHeader: ipHeader, counts: streamCounts{byClient: map[string]int{}}}
}

// open counts one more stream of r's client, which release uncounts; ok
// is false when the client already holds max.
func (c *streamCap) open(r *http.Request) (release func(), ok bool) {
	if c == nil || c.max <= 0 {
		return func() {}, true
	}
	client := clientKey(r, c.ipHeader)
	if !c.counts.open(client, c.max) {
		return nil, false
	}
	return func() { c.counts.close(client) }, true
}

// refuse answers 429 RATE_LIMITED to a stream over the cap.
func (c *streamCap) refuse(w http.ResponseWriter) {
	writeJSONError(w, http.StatusTooManyRequests, CodeRateLimited,
		"Too many open websockets and event streams: "+strconv.Itoa(c.max)+" per client; close one before opening another.")
}

// middleware answers 429, before any upgrade, to the websockets and event
// streams (streamOf) over the cap. A plain request that turns into a
// stream (a subscription from a client that prefers JSON but accepts an
// event stream) is counted by httpTransport when it does.
func (c *streamCap) middleware() middleware {
	return func(next http.Handler) http.Handler {
		if c == nil || c.max <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !isStream(r) {
				next.ServeHTTP(w, r)
				return
			}
			release, ok := c.open(r)
			if !ok {
				c.refuse(w)
				return
			}
			defer release()
			next.ServeHTTP(w, r)
		})
	}
}

// clientKey names the client a request comes from: its signed-in user, or
// its address.
func clientKey(r *http.Request, ipHeader string) string {
	if id := conduit.ViewerIDFromContext(r.Context()); id != 0 {
		return "user:" + strconv.FormatInt(id, 10)
	}
	return "ip:" + clientIP(r, ipHeader)
}

// proxyHeaders are the headers that proxies put the client's address in.
var proxyHeaders = []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"}

// withClientIP puts the client's address into the request's context, for
// the limits that count per address below HTTP (sign-in attempts).
//
// Without ipHeader, a proxy in front makes every client it forwards look
// like one address, which then shares one rate limit: the first request
// that carries a proxy's header while ipHeader is unset logs one warning.
func withClientIP(ipHeader string, log *slog.Logger) middleware {
	return func(next http.Handler) http.Handler {
		var warned atomic.Bool
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ipHeader == "" && !warned.Load() {
				for _, h := range proxyHeaders {
					if r.Header.Get(h) != "" && warned.CompareAndSwap(false, true) {
						log.Warn("requests carry "+h+" but --client-ip-header (CONDUIT_CLIENT_IP_HEADER) is not set: "+
							"every client behind the proxy counts as the proxy's one address for the rate limits; "+
							"set --client-ip-header to the header the proxy puts the client's address in",
							"header", h, "addr", clientIP(r, ""))
						break
					}
				}
			}
			next.ServeHTTP(w, r.WithContext(conduit.NewContextWithClientIP(r.Context(), clientIP(r, ipHeader))))
		})
	}
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
