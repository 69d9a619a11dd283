// Package apitest builds the real HTTP handler over a real, migrated
// database for the tests of the API, through app.NewHandler as the server
// does, and speaks to it: GraphQL over HTTP (API.Post, API.Get, API.Send)
// and over websockets (WSClient). Only tests import it.
//
// It builds the handler through internal/app alone, never by wiring the
// resolvers or the executable schema itself.
//
// Never imports: resolvers, graph.
package apitest

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

// API is the real handler over a real, migrated database.
type API struct {
	Handler  http.Handler
	DB       *store.DB
	DSN      string
	Stopping chan struct{} // close to make the handler end its streams
}

// EachDB runs a test on a fresh SQLite file and on a fresh PostgreSQL database.
func EachDB(t *testing.T, fn func(t *testing.T, api *API)) {
	t.Helper()
	EachDSN(t, func(t *testing.T, dsn string) { fn(t, New(t, dsn)) })
}

// EachDSN runs a test on a fresh SQLite file and a fresh PostgreSQL database.
func EachDSN(t *testing.T, fn func(t *testing.T, dsn string)) {
	for name, dsn := range map[string]func(testing.TB) string{"sqlite": testenv.SQLite, "pg": testenv.Postgres} {
		t.Run(name, func(t *testing.T) { fn(t, dsn(t)) })
	}
}

// Config is the configuration the tests serve with: development, with
// introspection and the response cache on.
func Config() cli.Config {
	// TokenRecheck is long, so that every test of what a write does to
	// tokens and viewers checks that this instance forgets at once.
	return cli.Config{JWTSecret: "test-secret-test-secret-test-secret", TokenTTL: time.Hour, TokenRecheck: time.Hour, Limits: httpapi.DefaultLimits, CORSOrigins: []string{"*"}, Env: cli.EnvDevelopment, Introspection: true, ResponseCacheBytes: cli.DefaultResponseCacheBytes}
}

// New serves a migrated database at dsn with Config.
func New(t *testing.T, dsn string) *API {
	t.Helper()
	return NewWith(t, dsn, Config())
}

// NewWith is New with cfg.
func NewWith(t testing.TB, dsn string, cfg cli.Config) *API {
	t.Helper()
	return NewWithCache(t, dsn, cfg, nil)
}

// NewWithCache serves through a Redis cache (nil for none).
func NewWithCache(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache) *API {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hub := pubsub.NewMemory(pubsub.Options{Logger: log})
	t.Cleanup(func() { hub.Close() })
	return NewWithDeps(t, dsn, cfg, c, hub)
}

// NewWithDeps serves through the given cache (nil for none) and
// event hub: one instance of the service.
func NewWithDeps(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache, events conduit.EventService) *API {
	t.Helper()
	return NewWithLog(t, dsn, cfg, c, events, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// NewWithLog is NewWithDeps that logs to log.
func NewWithLog(t testing.TB, dsn string, cfg cli.Config, c *cache.Cache, events conduit.EventService, log *slog.Logger) *API {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.Migrate(ctx))
	d := app.Deps{DB: db, Cache: c, ReadCache: c, Events: events, Stopping: make(chan struct{})}
	return &API{Handler: app.NewHandler(cfg, d, log), DB: db, DSN: dsn, Stopping: d.Stopping}
}

// Error is one entry of a response's errors.
type Error struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code      string              `json:"code"`
		Fields    map[string][]string `json:"fields"`
		RequestID string              `json:"requestId"`
	} `json:"extensions"`
}

// Response is a decoded GraphQL response with its HTTP status.
type Response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Code returns the first error's code, or "" when there is none.
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

// Decode unmarshals data into v, failing the test on errors.
func (r Response) Decode(t *testing.T, v any) {
	t.Helper()
	require.Empty(t, r.Errors, "unexpected errors")
	require.NoError(t, json.Unmarshal(r.Data, v))
}

// NewGraphQLRequest builds a POST of query for the handler.
func NewGraphQLRequest(t *testing.T, query string) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	return req
}

// GlobalID is the API's id of the typ row with id.
func GlobalID(typ string, id int64) string { return models.GlobalID(typ, id) }

// Post sends an operation as the user with token ("" for anonymous).
func (a *API) Post(t *testing.T, token, query string, vars map[string]any) Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.Send(t, req)
}

// Get sends a query over GET.
func (a *API) Get(t *testing.T, query string, vars map[string]any) Response {
	t.Helper()
	q := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		q.Set("variables", string(b))
	}
	req := httptest.NewRequest(http.MethodGet, "/graphql?"+q.Encode(), nil)
	req.Header.Set("Accept", "application/graphql-response+json")
	return a.Send(t, req)
}

// Send runs a raw request and decodes the GraphQL response.
func (a *API) Send(t *testing.T, req *http.Request) Response {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	resp := Response{Status: rec.Code, Header: rec.Header()}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), "body: %s", rec.Body.String())
	return resp
}

// Statements counts the SQL statements that fn makes to read or write
// data: the response cache's reads of the data's version on PostgreSQL
// (see store.Changes) are not counted.
func (a *API) Statements(fn func()) int64 {
	count := func() int64 { return a.DB.Statements() - a.DB.VersionStatements() }
	before := count()
	fn()
	return count() - before
}

// User is a signed-up user with its token.
type User struct {
	ID       string
	Username string
	Email    string
	Token    string
}

// SignUpMutation makes an account; MustSignUp sends it.
const SignUpMutation = `mutation($u: String!, $e: String!, $p: String!) {
  signUp(input: {username: $u, email: $e, password: $p}) { token user { id username email } }
}`

// MustSignUp makes an account with the password "password123".
func (a *API) MustSignUp(t *testing.T, username string) User {
	t.Helper()
	resp := a.Post(t, "", SignUpMutation, map[string]any{"u": username, "e": username + "@example.com", "p": "password123"})
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID, Username, Email string }
		}
	}
	resp.Decode(t, &out)
	return User{ID: out.SignUp.User.ID, Username: username, Email: out.SignUp.User.Email, Token: out.SignUp.Token}
}

// CreateArticleMutation publishes an article; MustCreateArticle sends it.
const CreateArticleMutation = `mutation($in: CreateArticleInput!) { createArticle(input: $in) { article { id slug title tags author { username } favoritesCount commentsCount } } }`

// Article is an article as the tests see it.
type Article struct {
	ID, Slug, Title string
	Tags            []string
	Author          struct{ Username string }
	FavoritesCount  int
	CommentsCount   int
}

// MustCreateArticle publishes an article as u.
func (a *API) MustCreateArticle(t *testing.T, u User, title string, tags ...string) Article {
	t.Helper()
	var out struct{ CreateArticle struct{ Article Article } }
	a.Post(t, u.Token, CreateArticleMutation, map[string]any{"in": map[string]any{
		"title": title, "description": "About " + title, "body": "# " + title + "\n\nText.", "tags": tags,
	}}).Decode(t, &out)
	return out.CreateArticle.Article
}

// MustAddComment comments on an article as u and returns the comment's id.
func (a *API) MustAddComment(t *testing.T, u User, articleID, body string) string {
	t.Helper()
	var out struct {
		AddComment struct{ Comment struct{ ID string } }
	}
	a.Post(t, u.Token, AddCommentMutation, map[string]any{"id": articleID, "body": body}).Decode(t, &out)
	return out.AddComment.Comment.ID
}

// SignInMutation signs in with an e-mail address and a password.
const SignInMutation = `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token user { username email } } }`

// HTTPGet serves a GET of path and returns what the handler wrote.
func HTTPGet(api *API, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// MustParseID decodes the global id of an article.
func MustParseID(t *testing.T, gid string) int64 {
	t.Helper()
	id, err := models.ParseID("id", models.TypeArticle, gid)
	require.NoError(t, err)
	return id
}

// AddCommentMutation comments on an article.
const AddCommentMutation = `mutation($id: ID!, $body: String!) { addComment(input: {articleId: $id, body: $body}) { comment { id body author { username } article { commentsCount } } } }`

// FollowMutation follows a user.
const FollowMutation = `mutation($id: ID!) { followUser(input: {userId: $id}) { user { username viewerIsFollowing followersCount } } }`
