package cli

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/httpapi"
)

// Environments, the values of --env.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// DevSecret signs tokens in development when no secret is configured, so
// that tokens survive restarts; production refuses to start without one.
const DevSecret = "conduit-development-secret-do-not-use-in-production"

// publishedSecrets are token secrets that appear in this repository: the
// development secret, and those of tests and scripts. Anyone can sign
// tokens with them, so production refuses them. TestPublishedSecretsListed
// keeps the list complete.
var publishedSecrets = []string{
	DevSecret,
	"test-secret-test-secret-test-secret", // internal/apitest
	"load-test-secret-load-test-secret-0", // bench/load.sh, before it drew a random one
	"0123456789abcdef0123456789abcdef",    // internal/auth tests
	"another-secret-another-secret-xx",    // internal/auth tests
}

// DefaultPublicMaxAge is how long caches may keep a public GET answer:
// short, so that a new article shows within seconds.
const DefaultPublicMaxAge = 5 * time.Second

// minSecretLen is the shortest token secret accepted: HS256's key is 256
// bits, and a shorter secret is easier to guess offline from one token.
const minSecretLen = 32

// Config is everything `conduit serve` reads from flags and CONDUIT_*
// variables, once, through ParseServe.
type Config struct {
	Addr          string
	DatabaseURL   string
	RedisURL      string
	Env           string
	JWTSecret     string
	TokenTTL      time.Duration
	TokenRecheck  time.Duration
	Playground    bool
	Introspection bool
	CORSOrigins   []string
	CORSHeaders   []string
	Limits        httpapi.Limits
	RateLimit     httpapi.RateLimit
	SignInLimit   auth.SignInLimit
	HashSlots     int
	Trusted       *httpapi.TrustedDocuments
	// ResponseCacheBytes bounds the answers kept for repeated queries; 0
	// keeps none.
	ResponseCacheBytes int
	ShutdownTimeout    time.Duration
	LogFormat          string
	// PublicMaxAge is the max-age of public GET answers (0: no caching).
	PublicMaxAge time.Duration
}

// DefaultResponseCacheBytes is enough for the answers of a site's popular
// pages (a home page of 20 articles is about 8 KB) at a small part of the
// memory the process uses anyway.
const DefaultResponseCacheBytes = 8 << 20

// ParseServe reads the configuration of `conduit serve` from args and
// getenv, and checks it. --help prints the command's help to stderr and
// returns flag.ErrHelp.
func ParseServe(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	f := newFlags("serve [flags]", "Serves the GraphQL API, the playground and the health checks.", getenv, stderr)
	finish := serveFlags(f, &c)
	if err := f.parse(args); err != nil {
		return c, err
	} else if err := finish(); err != nil {
		return c, err
	}
	return c, nil
}

// serveFlags registers the flags of `conduit serve`; finish fills c with
// what derives from them once they are parsed.
func serveFlags(e *envFlags, c *Config) (finish func() error) {
	e.String(&c.Addr, "addr", "CONDUIT_ADDR", ":8080", "address to listen on")
	databaseFlag(e, &c.DatabaseURL)
	e.String(&c.RedisURL, "redis-url", "CONDUIT_REDIS_URL", "", "redis:// URL of the shared cache and of subscription events to other instances (this instance's own subscribers get events in process either way; none by default)")
	e.String(&c.Env, "env", "CONDUIT_ENV", EnvDevelopment, "development or production")
	e.String(&c.JWTSecret, "jwt-secret", "CONDUIT_JWT_SECRET", "", "HMAC secret for tokens, at least 32 bytes (required in production, and not one published in Conduit's source)")
	e.Duration(&c.TokenTTL, "token-ttl", "CONDUIT_TOKEN_TTL", 30*24*time.Hour, "token lifetime")
	e.Duration(&c.TokenRecheck, "token-recheck", "CONDUIT_TOKEN_RECHECK", time.Second, "how long a token check may reuse the user it read: a password change made on another instance refuses older tokens here within this (0: read on every request)")
	playground := new(string)
	e.String(playground, "playground", "CONDUIT_PLAYGROUND", "auto", "serve the GraphiQL playground at /: true, false or auto (on outside production)")
	introspection := &autoFlag{s: e.env("CONDUIT_INTROSPECTION", "auto")}
	e.fs.Var(introspection, "introspection", "answer introspection (__schema, __type) and suggest names (\"Did you mean …?\") in validation errors: true, false or auto (on outside production); --introspection alone is true (CONDUIT_INTROSPECTION)")
	origins := new(string)
	e.String(origins, "cors-origins", "CONDUIT_CORS_ORIGINS", "*", "comma-separated origins that browsers may call from, e.g. https://app.example.com; * (any) is refused in production")
	allowHeaders := new(string)
	e.String(allowHeaders, "cors-allow-headers", "CONDUIT_CORS_ALLOW_HEADERS", strings.Join(httpapi.DefaultCORSAllowHeaders, ","), "comma-separated request headers that browsers on those origins may send (tracing and client headers included by default); Authorization and Content-Type are always allowed")
	d := httpapi.DefaultLimits
	var body int
	e.Int(&body, "max-body-bytes", "CONDUIT_MAX_BODY_BYTES", int(d.BodyBytes), "largest request body")
	e.Duration(&c.Limits.BodyTimeout, "body-timeout", "CONDUIT_BODY_TIMEOUT", d.BodyTimeout, "longest time a request body may take to arrive (websockets and event streams are not cut)")
	e.Int(&c.Limits.Tokens, "max-tokens", "CONDUIT_MAX_TOKENS", d.Tokens, "most lexical tokens in one document")
	e.Int(&c.Limits.Complexity, "max-complexity", "CONDUIT_MAX_COMPLEXITY", d.Complexity, "highest operation complexity (a connection counts first × its fields)")
	e.Int(&c.Limits.Depth, "max-depth", "CONDUIT_MAX_DEPTH", d.Depth, "deepest selection nesting")
	e.Int(&c.Limits.Aliases, "max-aliases", "CONDUIT_MAX_ALIASES", d.Aliases, "most aliased fields in one operation")
	e.Int(&c.Limits.Fields, "max-fields", "CONDUIT_MAX_FIELDS", d.Fields, "most fields in one document, fragments expanded (__schema and __type count 50 more)")
	e.Int(&c.Limits.SubscriptionComplexity, "max-subscription-complexity", "CONDUIT_MAX_SUBSCRIPTION_COMPLEXITY", d.SubscriptionComplexity, "highest complexity of a subscription, whose selection is resolved for every event (--max-complexity still applies when lower)")
	e.Int(&c.Limits.SubscriptionsPerSocket, "max-subscriptions-per-socket", "CONDUIT_MAX_SUBSCRIPTIONS_PER_SOCKET", d.SubscriptionsPerSocket, "most operations (subscriptions, mostly) in progress on one websocket; one more gets a RATE_LIMITED error; 0 turns this limit off")
	e.Int(&c.Limits.StreamsPerClient, "max-sockets-per-client", "CONDUIT_MAX_SOCKETS_PER_CLIENT", d.StreamsPerClient, "most websockets and event streams one client (user, or IP address, when the request arrives) may hold open; one more gets HTTP 429; 0 turns this limit off")
	var trusted string
	e.String(&trusted, "trusted-documents", "CONDUIT_TRUSTED_DOCUMENTS", "", "JSON manifest of the documents to run, and no others (trusted-documents mode): id → document as GraphQL Code Generator's client preset and relay-compiler write it, or Apollo's persisted-query manifest")
	var perSecond string
	e.String(&perSecond, "rate-limit", "CONDUIT_RATE_LIMIT", strconv.FormatFloat(httpapi.DefaultRateLimit.PerSecond, 'f', -1, 64), "requests per second one client (user, or IP address) may send to /graphql; signed-in requests from one address may together send 4 times this; 0 turns limiting off")
	e.Int(&c.RateLimit.Burst, "rate-burst", "CONDUIT_RATE_BURST", httpapi.DefaultRateLimit.Burst, "requests a client may send at once above its rate")
	e.String(&c.RateLimit.ClientIPHeader, "client-ip-header", "CONDUIT_CLIENT_IP_HEADER", "", "header in which a trusted proxy passes the client's address (e.g. X-Forwarded-For); empty: the connection's address, and a warning is logged once when requests carry X-Forwarded-For, Forwarded or X-Real-IP")
	e.Int(&c.SignInLimit.PerIP, "sign-in-per-ip", "CONDUIT_SIGN_IN_PER_IP", auth.DefaultSignInLimit.PerIP, "sign-in attempts per minute from one client address; 0 turns this limit off")
	e.Int(&c.SignInLimit.PerEmail, "sign-in-per-email", "CONDUIT_SIGN_IN_PER_EMAIL", auth.DefaultSignInLimit.PerEmail, "sign-in attempts per minute for one e-mail address; 0 turns this limit off")
	e.Int(&c.HashSlots, "password-hashes", "CONDUIT_PASSWORD_HASHES", runtime.NumCPU(), "password hashes computed at once (19 MiB each); more wait their turn")
	e.Int(&c.ResponseCacheBytes, "response-cache-bytes", "CONDUIT_RESPONSE_CACHE_BYTES", DefaultResponseCacheBytes, "memory for answers to repeated queries, each served again to the same viewer until the next commit to the database (0 turns it off)")
	e.Duration(&c.ShutdownTimeout, "shutdown-timeout", "CONDUIT_SHUTDOWN_TIMEOUT", 15*time.Second, "how long a graceful stop waits for requests in flight")
	e.String(&c.LogFormat, "log-format", "CONDUIT_LOG_FORMAT", "text", "text or json")
	e.Duration(&c.PublicMaxAge, "public-max-age", "CONDUIT_PUBLIC_MAX_AGE", DefaultPublicMaxAge, "how long caches may keep the answer to a GET query sent without credentials that selects nothing viewer-dependent (Cache-Control: public, with an ETag); whole seconds, 0 turns this off")
	return func() error {
		var err error
		if c.RateLimit.PerSecond, err = strconv.ParseFloat(perSecond, 64); err != nil || c.RateLimit.PerSecond < 0 {
			return fmt.Errorf("--rate-limit: want a number of requests per second, 0 for none, got %q", perSecond)
		}
		if trusted != "" {
			if c.Trusted, err = httpapi.LoadTrustedDocuments(trusted); err != nil {
				return err
			}
		}
		c.Limits.BodyBytes = int64(body)
		c.CORSOrigins = strings.Split(*origins, ",")
		if c.CORSHeaders, err = headerNames(*allowHeaders); err != nil {
			return err
		}
		if c.Playground, err = autoBool("playground", *playground, c.Env); err != nil {
			return err
		}
		if c.Introspection, err = autoBool("introspection", introspection.s, c.Env); err != nil {
			return err
		}
		return c.check()
	}
}

// headerNames parses a comma-separated list of HTTP header names.
func headerNames(list string) ([]string, error) {
	var names []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !isToken(name) {
			return nil, fmt.Errorf("--cors-allow-headers: %q is not a header name", name)
		}
		names = append(names, name)
	}
	return names, nil
}

// isToken reports whether s is an HTTP token (RFC 9110), as header names are.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// autoFlag is a true, false or auto flag that, like a bool flag, may be
// given alone to mean true.
type autoFlag struct{ s string }

func (a *autoFlag) String() string {
	if a == nil {
		return ""
	}
	return a.s
}

// Set takes the value as given; autoBool checks it once flags are parsed.
func (a *autoFlag) Set(v string) error { a.s = v; return nil }

// IsBoolFlag lets the flag stand alone, as true.
func (a *autoFlag) IsBoolFlag() bool { return true }

// autoBool parses a flag that is true, false, or auto: on outside production.
func autoBool(name, v, env string) (bool, error) {
	if v == "auto" {
		return env != EnvProduction, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("--%s: want true, false or auto, got %q", name, v)
	}
	return b, nil
}

// check validates a parsed config and fills what derives from it.
func (c *Config) check() error {
	var errs []error
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		errs = append(errs, fmt.Errorf("--env: want development or production, got %q", c.Env))
	}
	if err := c.checkSecret(); err != nil {
		errs = append(errs, err)
	}
	if c.Env == EnvProduction && slices.Contains(c.CORSOrigins, "*") {
		// The default suits development; in production, letting every
		// site's scripts call the API must be a decision, not an accident.
		errs = append(errs, errors.New("--cors-origins (CONDUIT_CORS_ORIGINS) is * (any origin), which production refuses: list the origins browsers may call from, e.g. --cors-origins https://app.example.com"))
	}
	if c.SignInLimit.PerIP < 0 || c.SignInLimit.PerEmail < 0 {
		errs = append(errs, errors.New("--sign-in-per-ip and --sign-in-per-email must be 0 (off) or positive"))
	}
	if c.Limits.BodyTimeout <= 0 {
		errs = append(errs, errors.New("--body-timeout must be positive"))
	}
	if c.ResponseCacheBytes < 0 {
		errs = append(errs, errors.New("--response-cache-bytes must be 0 (off) or positive"))
	}
	if c.PublicMaxAge < 0 || c.PublicMaxAge%time.Second != 0 {
		errs = append(errs, fmt.Errorf("--public-max-age (CONDUIT_PUBLIC_MAX_AGE) must be whole seconds, 0 for off, got %s", c.PublicMaxAge))
	}
	if c.HashSlots < 1 {
		errs = append(errs, errors.New("--password-hashes must be positive"))
	}
	if c.RateLimit.PerSecond > 0 && c.RateLimit.Burst < 1 {
		errs = append(errs, errors.New("--rate-burst must be positive"))
	}
	if c.Limits.SubscriptionsPerSocket < 0 || c.Limits.StreamsPerClient < 0 {
		errs = append(errs, errors.New("--max-subscriptions-per-socket and --max-sockets-per-client must be 0 (off) or positive"))
	}
	for name, v := range map[string]int{"max-subscription-complexity": c.Limits.SubscriptionComplexity, "max-tokens": c.Limits.Tokens, "max-complexity": c.Limits.Complexity, "max-depth": c.Limits.Depth, "max-aliases": c.Limits.Aliases, "max-fields": c.Limits.Fields, "max-body-bytes": int(c.Limits.BodyBytes)} {
		if v < 1 {
			errs = append(errs, fmt.Errorf("--%s must be positive", name))
		}
	}
	return errors.Join(errs...)
}

// checkSecret refuses a token secret that is too short anywhere, and in
// production a missing one or one published in this repository.
func (c *Config) checkSecret() error {
	const generate = "; generate one, e.g. with `openssl rand -base64 48`"
	switch {
	case c.JWTSecret == "" && c.Env == EnvProduction:
		return errors.New("--jwt-secret (CONDUIT_JWT_SECRET) is required in production" + generate)
	case c.JWTSecret != "" && len(c.JWTSecret) < minSecretLen:
		return fmt.Errorf("--jwt-secret (CONDUIT_JWT_SECRET) must be at least %d bytes, got %d%s", minSecretLen, len(c.JWTSecret), generate)
	case c.Env == EnvProduction && slices.Contains(publishedSecrets, c.JWTSecret):
		return errors.New("--jwt-secret (CONDUIT_JWT_SECRET) is a secret published in Conduit's source code, so anyone could sign tokens with it" + generate)
	}
	return nil
}
