package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/app"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/pubsub"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestHTTP checks the transport on SQLite; it does not depend on the database.
func TestHTTP(t *testing.T) {
	cfg := apitest.Config()
	cfg.Limits.BodyBytes = 4 << 10
	cfg.Limits.Tokens = 200
	cfg.Limits.Complexity = 300
	cfg.Limits.Depth = 6
	cfg.Limits.Aliases = 3
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	raw := func(method, target, contentType, body string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}

	t.Run("GraphQLResponseJSON", func(t *testing.T) {
		resp := api.Post(t, "", `{ viewer { username } }`, nil)
		require.Equal(t, http.StatusOK, resp.Status)
		require.Equal(t, "application/graphql-response+json; charset=utf-8", resp.Header.Get("Content-Type"))
	})
	t.Run("PlainJSONForOlderClients", func(t *testing.T) {
		rec := raw("POST", "/graphql", "application/json", `{"query":"{ viewer { username } }"}`)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
		require.JSONEq(t, `{"data":{"viewer":null}}`, rec.Body.String())
	})
	t.Run("GetQuery", func(t *testing.T) {
		resp := api.Get(t, `query($u: String!) { user(username: $u) { username } }`, map[string]any{"u": "x"})
		require.Equal(t, http.StatusOK, resp.Status)
		require.JSONEq(t, `{"user": null}`, string(resp.Data))
	})
	t.Run("ErrMutationOverGet", func(t *testing.T) {
		resp := api.Get(t, `mutation { signIn(input: {email: "a@b.c", password: "password1"}) { token } }`, nil)
		require.Equal(t, http.StatusMethodNotAllowed, resp.Status)
		require.Equal(t, "POST", resp.Header.Get("Allow"))
		require.Nil(t, resp.Data)
	})
	t.Run("ErrSubscriptionWithoutStream", func(t *testing.T) {
		// Without Accept: text/event-stream it waited for the next event.
		article := api.MustCreateArticle(t, api.MustSignUp(t, "subscriber"), "Quiet")
		for _, accept := range []string{"application/graphql-response+json", "application/json"} {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req := apitest.NewGraphQLRequest(t, `subscription { commentAdded(articleId: "`+article.ID+`") { body } }`).WithContext(ctx)
			req.Header.Set("Accept", accept)
			start := time.Now()
			resp := api.Send(t, req)
			cancel()
			require.Less(t, time.Since(start), 2*time.Second, "answered at once")
			require.Equal(t, http.StatusBadRequest, resp.Status)
			require.Nil(t, resp.Data)
			require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
			require.Contains(t, resp.Errors[0].Message, "text/event-stream")
		}
	})
	t.Run("ErrMalformedJSON", func(t *testing.T) {
		for _, body := range []string{`{"query": `, `not json`, `{"query": 42}`, `{"query":"{ viewer { id } }","variables":[1]}`, `{"query":"{ viewer { id } }"} trailing`, `{}`} {
			rec := raw("POST", "/graphql", "application/json", body, "Accept", "application/graphql-response+json")
			require.Equal(t, http.StatusBadRequest, rec.Code, "body %s", body)
			require.Contains(t, rec.Body.String(), `"GRAPHQL_PARSE_FAILED"`)
		}
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
			rec := raw("POST", "/graphql", ct, `query={viewer{id}}`)
			require.Equal(t, http.StatusUnsupportedMediaType, rec.Code, "content type %q", ct)
		}
	})
	t.Run("ErrOtherMethod", func(t *testing.T) {
		rec := raw("PUT", "/graphql", "application/json", `{"query":"{ viewer { id } }"}`)
		require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	})
	t.Run("ErrBodyOverLimit", func(t *testing.T) {
		big := `{"query":"{ viewer { id } }","variables":{"pad":"` + strings.Repeat("x", 5<<10) + `"}}`
		rec := raw("POST", "/graphql", "application/json", big)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		require.Contains(t, rec.Body.String(), "limit")
	})
	t.Run("ErrParse", func(t *testing.T) {
		resp := api.Post(t, "", `{ viewer { `, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "GRAPHQL_PARSE_FAILED", resp.Code())
	})
	t.Run("ErrUnknownField", func(t *testing.T) {
		resp := api.Post(t, "", `{ viewer { password } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
	})
	t.Run("ErrUnknownInputField", func(t *testing.T) {
		resp := api.Post(t, "", `mutation { signIn(input: {email: "a@b.c", password: "password1", admin: true}) { token } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
	})
	t.Run("ErrWrongVariableType", func(t *testing.T) {
		for _, vars := range []map[string]any{{"u": "x", "n": "ten"}, {"u": map[string]any{"a": 1}, "n": 1}, {"n": 1}, {"u": "x", "n": 1.5}} {
			resp := api.Post(t, "", `query($u: String!, $n: Int) { user(username: $u) { followers(first: $n) { totalCount } } }`, vars)
			require.Equal(t, http.StatusBadRequest, resp.Status, "%v", vars)
			require.Equal(t, "GRAPHQL_VALIDATION_FAILED", resp.Code())
		}
	})
	t.Run("ErrOverTokenLimit", func(t *testing.T) {
		resp := api.Post(t, "", "{ viewer { "+strings.Repeat("username ", 300)+"} }", nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("ErrOverComplexityLimit", func(t *testing.T) {
		resp := api.Post(t, "", `{ user(username: "x") { followers(first: 100) { nodes { username bio image } } } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("ErrOverDepthLimit", func(t *testing.T) {
		resp := api.Post(t, "", `{ user(username: "x") { followers(first: 1) { nodes { followers(first: 1) { nodes { followers(first: 1) { nodes { username } } } } } } } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("ErrOverAliasLimit", func(t *testing.T) {
		resp := api.Post(t, "", `{ a: viewer { id } b: viewer { id } c: viewer { id } d: viewer { id } }`, nil)
		require.Equal(t, http.StatusBadRequest, resp.Status)
		require.Equal(t, "QUERY_TOO_COMPLEX", resp.Code())
	})
	t.Run("ErrTooManyNodes", func(t *testing.T) {
		ids := make([]string, 101)
		for i := range ids {
			ids[i] = apitest.GlobalID("User", int64(i+1))
		}
		resp := api.Post(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
		require.Equal(t, "BAD_USER_INPUT", resp.Code())
	})
	t.Run("Health", func(t *testing.T) {
		require.Equal(t, http.StatusOK, raw("GET", "/healthz", "", "").Code)
		rec := raw("GET", "/readyz", "", "")
		require.Equal(t, http.StatusOK, rec.Code)
		require.JSONEq(t, `{"status":"ok","database":"ok","migrations":"ok"}`, rec.Body.String())
	})
	t.Run("Metrics", func(t *testing.T) {
		api.Post(t, "", `{ viewer { username } }`, nil)
		api.Post(t, "", `{ viewer { nope } }`, nil)
		rec := raw("GET", "/metrics", "", "")
		require.Equal(t, http.StatusOK, rec.Code)
		body := rec.Body.String()
		require.Regexp(t, `conduit_http_requests_total\{code="200",method="POST",path="/graphql"\} [1-9]`, body)
		require.Regexp(t, `conduit_graphql_operations_total\{client="none",operation="anonymous",type="query"\} [1-9]`, body)
		require.Regexp(t, `conduit_graphql_errors_total\{code="GRAPHQL_VALIDATION_FAILED"\} [1-9]`, body)
		require.Regexp(t, `conduit_db_statements_total [1-9]`, body)
		require.Contains(t, body, "go_goroutines")
		require.Contains(t, body, `go_sql_open_connections{db_name="writer"}`, "connection pools are observed")
	})
	t.Run("RequestID", func(t *testing.T) {
		rec := raw("POST", "/graphql", "application/json", `{"query":"{ viewer { id } }"}`, "X-Request-ID", "abc-123")
		require.Equal(t, "abc-123", rec.Header().Get("X-Request-ID"))
		seen := map[string]bool{}
		for _, bad := range []string{"", "a b", "<script>", strings.Repeat("x", 65)} {
			id := raw("POST", "/graphql", "application/json", `{"query":"{ viewer { id } }"}`, "X-Request-ID", bad).Header().Get("X-Request-ID")
			require.Regexp(t, `^[0-9a-f]{16}$`, id, "an unusable id %q is replaced", bad)
			require.False(t, seen[id], "request ids repeat")
			seen[id] = true
		}
	})
	t.Run("CORSPreflight", func(t *testing.T) {
		rec := raw("OPTIONS", "/graphql", "", "", "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST")
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Equal(t, "https://app.example.com", rec.Header().Get("Access-Control-Allow-Origin"))
		// Header names are case-insensitive.
		for _, h := range []string{"authorization", "apollographql-client-name", "traceparent"} {
			require.Contains(t, strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), h)
		}
		rec = raw("POST", "/graphql", "application/json", `{"query":"{ viewer { id } }"}`, "Origin", "https://app.example.com")
		require.Equal(t, "ETag, X-Request-ID, Traceresponse", rec.Header().Get("Access-Control-Expose-Headers"))
	})
}

func TestNode(t *testing.T) {
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		judy := api.MustSignUp(t, "judy")
		const q = `query($id: ID!) { node(id: $id) { id ... on User { username } } }`
		t.Run("User", func(t *testing.T) {
			var out struct{ Node struct{ ID, Username string } }
			api.Post(t, "", q, map[string]any{"id": judy.ID}).Decode(t, &out)
			require.Equal(t, judy.ID, out.Node.ID)
			require.Equal(t, "judy", out.Node.Username)
		})
		t.Run("UnknownIsNull", func(t *testing.T) {
			for _, id := range []string{apitest.GlobalID("User", 424242), apitest.GlobalID("Thing", 1)} {
				resp := api.Post(t, "", q, map[string]any{"id": id})
				require.Empty(t, resp.Errors)
				require.JSONEq(t, `{"node": null}`, string(resp.Data))
			}
		})
		t.Run("ErrMalformed", func(t *testing.T) {
			for _, id := range []string{"", "x", "VXNlcjo=", "VXNlcjphYmM"} {
				require.Equal(t, "BAD_USER_INPUT", api.Post(t, "", q, map[string]any{"id": id}).Code(), "id %q", id)
			}
		})
		t.Run("Nodes", func(t *testing.T) {
			var out struct{ Nodes []*struct{ Username string } }
			api.Post(t, "", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on User { username } } }`,
				map[string]any{"ids": []string{judy.ID, apitest.GlobalID("User", 424242), judy.ID}}).Decode(t, &out)
			require.Len(t, out.Nodes, 3)
			require.Equal(t, "judy", out.Nodes[0].Username)
			require.Nil(t, out.Nodes[1])
			require.Equal(t, "judy", out.Nodes[2].Username)
		})
	})
}

func TestRateLimit(t *testing.T) {
	cfg := apitest.Config()
	cfg.RateLimit = httpapi.RateLimit{PerSecond: 0.5, Burst: 3, ClientIPHeader: "X-Forwarded-For"}
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	user := api.MustSignUp(t, "limited")
	request := func(ip, token string) *httptest.ResponseRecorder {
		req := apitest.NewGraphQLRequest(t, `{ viewer { username } }`)
		req.Header.Set("X-Forwarded-For", "203.0.113.9, "+ip)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}
	for range 3 {
		require.Equal(t, http.StatusOK, request("198.51.100.1", "").Code)
	}
	rec := request("198.51.100.1", "")
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "over the burst")
	require.Contains(t, rec.Body.String(), `"RATE_LIMITED"`)
	require.Equal(t, "2", rec.Header().Get("Retry-After"), "one token comes back every 2 s")
	require.Equal(t, http.StatusOK, request("198.51.100.2", "").Code, "another address has its own budget")
	// A signed-in user is limited as the user, from whatever address.
	for range 3 {
		require.Equal(t, http.StatusOK, request("198.51.100.1", user.Token).Code)
	}
	require.Equal(t, http.StatusTooManyRequests, request("198.51.100.3", user.Token).Code)
	require.Equal(t, http.StatusOK, apitest.HTTPGet(api, "/healthz").Code, "health checks are never limited")
}

// TestRateLimitSignedInPerIP: signed-in requests were limited per user
// only, so one address rotating tokens was never limited. Signed-in
// traffic from one address now shares a budget SignedInPerIP times a
// user's.
func TestRateLimitSignedInPerIP(t *testing.T) {
	dsn := testenv.SQLite(t)
	free := apitest.New(t, dsn) // signs the users up without a limit
	var tokens []string
	for i := range 2 * httpapi.SignedInPerIP {
		tokens = append(tokens, free.MustSignUp(t, fmt.Sprintf("rotor%d", i)).Token)
	}
	cfg := apitest.Config()
	cfg.RateLimit = httpapi.RateLimit{PerSecond: 0.01, Burst: 3, ClientIPHeader: "X-Forwarded-For"}
	api := apitest.NewWith(t, dsn, cfg)
	request := func(ip, token string) *httptest.ResponseRecorder {
		req := apitest.NewGraphQLRequest(t, `{ viewer { username } }`)
		req.Header.Set("X-Forwarded-For", ip)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}
	// Six tokens (more than SignedInPerIP), each within its own user's
	// burst, from one address.
	ok, limited := 0, 0
	var last *httptest.ResponseRecorder
	for _, token := range tokens[:6] {
		for range 3 {
			rec := request("198.51.100.7", token)
			switch rec.Code {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited, last = limited+1, rec
			default:
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	}
	require.Equal(t, 3*httpapi.SignedInPerIP, ok, "the address's signed-in budget: %d users' bursts", httpapi.SignedInPerIP)
	require.Equal(t, 18-ok, limited)
	require.Contains(t, last.Body.String(), `"RATE_LIMITED"`)
	require.NotEmpty(t, last.Header().Get("Retry-After"))

	// Another address has its own budget, for tokens unused so far and for
	// one whose user still has a token left: a refusal by the address did
	// not spend the user's.
	require.Equal(t, http.StatusOK, request("198.51.100.8", tokens[6]).Code)
	require.Equal(t, http.StatusOK, request("198.51.100.8", tokens[5]).Code, "the user's budget was given back")
	// A user over its own budget is refused from a fresh address too.
	require.Equal(t, http.StatusTooManyRequests, request("198.51.100.9", tokens[0]).Code)
}

// TestProxyHeaderWithoutClientIPHeader: behind a proxy, with
// --client-ip-header unset, every client shares the proxy's address and
// its one rate limit. The first request that shows a proxy's header logs
// one warning naming the flag; the rest log nothing more.
func TestProxyHeaderWithoutClientIPHeader(t *testing.T) {
	for _, header := range []string{"X-Forwarded-For", "Forwarded", "X-Real-IP"} {
		t.Run(header, func(t *testing.T) {
			api, logs := newLoggedTestAPI(t, apitest.Config())
			require.Equal(t, http.StatusOK, api.Send(t, apitest.NewGraphQLRequest(t, `{ __typename }`)).Status)
			require.NotContains(t, logs.String(), "client-ip-header", "no proxy header, no warning")
			for i := range 20 {
				req := apitest.NewGraphQLRequest(t, `{ __typename }`)
				req.Header.Set(header, fmt.Sprintf("203.0.113.%d", i))
				require.Equal(t, http.StatusOK, api.Send(t, req).Status)
			}
			require.Equal(t, 1, strings.Count(logs.String(), "--client-ip-header (CONDUIT_CLIENT_IP_HEADER) is not set"), logs.String())
			require.Contains(t, logs.String(), "level=WARN")
			require.Contains(t, logs.String(), "header="+header)
		})
	}
	t.Run("HeaderSet", func(t *testing.T) {
		cfg := apitest.Config()
		cfg.RateLimit.ClientIPHeader = "X-Forwarded-For"
		api, logs := newLoggedTestAPI(t, cfg)
		req := apitest.NewGraphQLRequest(t, `{ __typename }`)
		req.Header.Set("X-Forwarded-For", "203.0.113.1")
		require.Equal(t, http.StatusOK, api.Send(t, req).Status)
		require.NotContains(t, logs.String(), "client-ip-header")
	})
}

// newLoggedTestAPI serves on SQLite and keeps what the server logs.
func newLoggedTestAPI(t *testing.T, cfg cli.Config) (*apitest.API, *testenv.Buffer) {
	logs := &testenv.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	hub := pubsub.NewMemory(pubsub.Options{Logger: log})
	t.Cleanup(func() { hub.Close() })
	return apitest.NewWithLog(t, testenv.SQLite(t), cfg, nil, hub, log), logs
}

// TestInternalError checks what a client sees when the database fails: a
// generic message naming the request id, never the driver's words.
func TestInternalError(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	user := api.MustSignUp(t, "unlucky")
	require.NoError(t, api.DB.Close())

	req := apitest.NewGraphQLRequest(t, `{ user(username: "unlucky") { username } }`)
	req.Header.Set("X-Request-ID", "req-42")
	resp := api.Send(t, req)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, "INTERNAL_SERVER_ERROR", resp.Code())
	require.Equal(t, "req-42", resp.Errors[0].Extensions.RequestID)
	require.Contains(t, resp.Errors[0].Message, "req-42")
	require.NotContains(t, strings.ToLower(resp.Errors[0].Message), "sql")

	rec := httptest.NewRecorder()
	req = apitest.NewGraphQLRequest(t, `{ viewer { username } }`)
	req.Header.Set("Authorization", "Bearer "+user.Token)
	api.Handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, "a token that cannot be checked is not taken as anonymous")
	require.Equal(t, http.StatusServiceUnavailable, apitest.HTTPGet(api, "/readyz").Code)
}

// TestReadyzRefusedWrites: /readyz answered 200 while the database refused
// every write, because it only pinged. It now takes the write lock (SQLite)
// or asks whether the session is read-only (PostgreSQL), writing nothing.
func TestReadyzRefusedWrites(t *testing.T) {
	readyz := func(t *testing.T, dsn string) (int, map[string]string) {
		t.Helper()
		db, err := store.Open(context.Background(), dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		d := app.Deps{DB: db, Events: pubsub.NewMemory(pubsub.Options{Logger: slog.New(slog.DiscardHandler)}), Stopping: make(chan struct{})}
		api := &apitest.API{Handler: app.NewHandler(apitest.Config(), d, slog.New(slog.DiscardHandler)), DB: db}
		rec := apitest.HTTPGet(api, "/readyz")
		var body map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
		return rec.Code, body
	}
	t.Run("sqlite", func(t *testing.T) {
		path := testenv.SQLite(t)
		apitest.New(t, path) // migrated
		code, body := readyz(t, path)
		require.Equal(t, http.StatusOK, code, body)
		size := fileSize(t, path)

		code, body = readyz(t, "file:"+path+"?mode=ro")
		require.Equal(t, http.StatusServiceUnavailable, code, body)
		require.Equal(t, "refuses writes", body["database"])
		require.Contains(t, body["reason"], "database refuses writes")
		require.Contains(t, body["reason"], "readonly database")
		require.Equal(t, size, fileSize(t, path), "the check does not grow the database")
	})
	t.Run("sqlite-disk-full", func(t *testing.T) {
		// A small file system of its own to fill: mounting one needs root.
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small file system to fill (not root?): %v %s", err, out)
		}
		// Lazily: the mapped wal-index of a closed database stays mapped.
		t.Cleanup(func() { _ = exec.Command("umount", "--lazy", dir).Run() })
		path := filepath.Join(dir, "conduit.db")
		apitest.New(t, path)
		code, body := readyz(t, path)
		require.Equal(t, http.StatusOK, code, body)

		f, err := os.Create(filepath.Join(dir, "filler"))
		require.NoError(t, err)
		defer f.Close()
		block := make([]byte, 64<<10)
		for err == nil {
			_, err = f.Write(block)
		}
		require.ErrorIs(t, err, syscall.ENOSPC)
		code, body = readyz(t, path)
		require.Equal(t, http.StatusServiceUnavailable, code, body)
		require.Equal(t, "refuses writes", body["database"])
		require.Contains(t, body["reason"], "database refuses writes: the disk that holds "+path+" is full")
	})
	t.Run("pg", func(t *testing.T) {
		dsn := testenv.Postgres(t)
		apitest.New(t, dsn) // migrated
		code, body := readyz(t, dsn)
		require.Equal(t, http.StatusOK, code, body)

		code, body = readyz(t, dsn+"&default_transaction_read_only=on")
		require.Equal(t, http.StatusServiceUnavailable, code, body)
		require.Equal(t, "refuses writes", body["database"])
		require.Contains(t, body["reason"], "transaction_read_only is on")
	})
}

func fileSize(t *testing.T, path string) int64 {
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Size()
}
