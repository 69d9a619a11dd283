package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/app"
	"github.com/conduit-graphql/conduit/internal/cache"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/conduit-graphql/conduit/models"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testAPI is the real handler over a real, migrated database.
type testAPI struct {
	handler  http.Handler
	db       *store.DB
	dsn      string
	stopping chan struct{} // close to make the handler end its streams
}

// eachDB runs a test on a fresh SQLite file and on a fresh PostgreSQL database.
func eachDB(t *testing.T, fn func(t *testing.T, api *testAPI)) {
	t.Helper()
	eachDSN(t, func(t *testing.T, dsn string) { fn(t, newTestAPI(t, dsn)) })
}

// eachDSN runs a test on a fresh SQLite file and a fresh PostgreSQL database.
func eachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testenv.SQLite, "pg": testenv.Postgres} {
		t.Run(name, func(t *testing.T) { fn(t, dsn(t)) })
	}
}

func testConfig() cli.Config {
	// TokenRecheck is long, so that every test of what a write does to
	// tokens and viewers checks that this instance forgets at once.
	return cli.Config{JWTSecret: "test-secret-test-secret-test-secret", TokenTTL: time.Hour, TokenRecheck: time.Hour, Limits: httpapi.DefaultLimits, CORSOrigins: []string{"*"}, Env: cli.EnvDevelopment, Introspection: true, ResponseCacheBytes: cli.DefaultResponseCacheBytes}
}

func newTestAPI(t *testing.T, dsn string) *testAPI {
	t.Helper()
	return newTestAPIWith(t, dsn, testConfig())
}

func newTestAPIWith(t testing.TB, dsn string, cfg cli.Config) *testAPI {
	t.Helper()
	return newTestAPIWithCache(t, dsn, cfg, nil)
}

// newTestAPIWithCache serves through a Redis cache (nil for none).
func newTestAPIWithCache(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache) *testAPI {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := pubsub.NewMemory(pubsub.Options{Logger: log})
	t.Cleanup(func() { hub.Close() })
	return newTestAPIWithDeps(t, dsn, cfg, c, hub)
}

// newTestAPIWithDeps serves through the given cache (nil for none) and
// event hub: one instance of the service.
func newTestAPIWithDeps(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache, events conduit.EventService) *testAPI {
	t.Helper()
	return newTestAPIWithLog(t, dsn, cfg, c, events, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// newTestAPIWithLog is newTestAPIWithDeps that logs to log.
func newTestAPIWithLog(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache, events conduit.EventService, log *slog.Logger) *testAPI {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(ctx))
	d := app.Deps{DB: db, Cache: c, ReadCache: c, Events: events, Stopping: make(chan struct{})}
	return &testAPI{handler: app.NewHandler(cfg, d, log), db: db, dsn: dsn, stopping: d.Stopping}
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code      string              `json:"code"`
		Fields    map[string][]string `json:"fields"`
		RequestID string              `json:"requestId"`
	} `json:"extensions"`
}

// gqlResponse is a decoded GraphQL response with its HTTP status.
type gqlResponse struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code returns the first error's code, or "" when there is none.
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

// decode unmarshals data into v, failing the test on errors.
func (r gqlResponse) decode(t *testing.T, v any) {
	t.Helper()
	require.Empty(t, r.Errors, "unexpected errors")
	require.NoError(t, json.Unmarshal(r.Data, v))
}

// newGraphQLRequest builds a POST of query for the handler.
func newGraphQLRequest(t *testing.T, query string) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	return req
}

func globalID(typ string, id int64) string { return models.GlobalID(typ, id) }

// post sends an operation as the user with token ("" for anonymous).
func (a *testAPI) post(t *testing.T, token, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.send(t, req)
}

// get sends a query over GET.
func (a *testAPI) get(t *testing.T, query string, vars map[string]any) gqlResponse {
	t.Helper()
	q := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		q.Set("variables", string(b))
	}
	req := httptest.NewRequest(http.MethodGet, "/graphql?"+q.Encode(), nil)
	req.Header.Set("Accept", "application/graphql-response+json")
	return a.send(t, req)
}

// send runs a raw request and decodes the GraphQL response.
func (a *testAPI) send(t *testing.T, req *http.Request) gqlResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	resp := gqlResponse{Status: rec.Code, Header: rec.Header()}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), "body: %s", rec.Body.String())
	return resp
}

// statements counts the SQL statements that fn makes to read or write
// data: the response cache's reads of the data's version on PostgreSQL
// (see store.Changes) are not counted.
func (a *testAPI) statements(fn func()) int64 {
	count := func() int64 { return a.db.Statements() - a.db.VersionStatements() }
	before := count()
	fn()
	return count() - before
}

// testUser is a signed-up user with its token.
type testUser struct {
	ID       string
	Username string
	Email    string
	Token    string
}

const signUpMutation = `mutation($u: String!, $e: String!, $p: String!) {
  signUp(input: {username: $u, email: $e, password: $p}) { token user { id username email } }
}`

// mustSignUp makes an account with the password "password123".
func (a *testAPI) mustSignUp(t *testing.T, username string) testUser {
	t.Helper()
	resp := a.post(t, "", signUpMutation, map[string]any{"u": username, "e": username + "@example.com", "p": "password123"})
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID, Username, Email string }
		}
	}
	resp.decode(t, &out)
	return testUser{ID: out.SignUp.User.ID, Username: username, Email: out.SignUp.User.Email, Token: out.SignUp.Token}
}
