package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// urqlAccept is the Accept header that urql sends with every request, GET
// and POST, with its default settings.
const urqlAccept = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"

// TestAcceptNegotiation: the answer follows the client's preference, by
// weight and then by order: JSON for queries and mutations whenever a JSON
// type is acceptable, an event stream when the client prefers one or the
// operation is a subscription.
func TestAcceptNegotiation(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	user := api.MustSignUp(t, "urql")
	post := func(accept, query string, vars map[string]any) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+user.Token)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}
	get := func(accept, query string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {query}}.Encode(), nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}

	t.Run("UrqlGetQuery", func(t *testing.T) {
		rec := get(urqlAccept, `{ user(username: "urql") { username } }`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "application/graphql-response+json; charset=utf-8", rec.Header().Get("Content-Type"))
		require.JSONEq(t, `{"data":{"user":{"username":"urql"}}}`, rec.Body.String())
	})
	t.Run("UrqlPostQuery", func(t *testing.T) {
		rec := post(urqlAccept, `{ viewer { username } }`, nil)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "application/graphql-response+json; charset=utf-8", rec.Header().Get("Content-Type"))
		require.JSONEq(t, `{"data":{"viewer":{"username":"urql"}}}`, rec.Body.String())
	})
	t.Run("UrqlPostMutation", func(t *testing.T) {
		rec := post(urqlAccept, `mutation { updateViewer(input: {bio: "from urql"}) { user { bio } } }`, nil)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		require.Equal(t, "application/graphql-response+json; charset=utf-8", rec.Header().Get("Content-Type"))
		require.JSONEq(t, `{"data":{"updateViewer":{"user":{"bio":"from urql"}}}}`, rec.Body.String())
	})
	t.Run("UrqlGetErrorIsJSON", func(t *testing.T) {
		rec := get(urqlAccept, `{ viewer { password } }`)
		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Contains(t, rec.Body.String(), "GRAPHQL_VALIDATION_FAILED")
	})
	t.Run("ByWeightAndOrder", func(t *testing.T) {
		for accept, want := range map[string]string{
			"":    "application/json",
			"*/*": "application/json",
			"application/json, application/graphql-response+json":       "application/json",
			"application/json;q=0.5, application/graphql-response+json": "application/graphql-response+json",
			"text/event-stream;q=0.5, application/json":                 "application/json",
			"application/json, text/event-stream":                       "application/json",
			"text/event-stream, application/json;q=0.9":                 "text/event-stream",
			"text/event-stream, application/json":                       "text/event-stream",
			"text/event-stream":                                         "text/event-stream",
			"application/json;q=0, text/event-stream;q=0.1":             "text/event-stream",
			"application/json, text/event-stream;q=0":                   "application/json",
		} {
			rec := post(accept, `{ viewer { username } }`, nil)
			require.Equal(t, http.StatusOK, rec.Code, "Accept %q", accept)
			got, _, _ := strings.Cut(rec.Header().Get("Content-Type"), ";")
			require.Equal(t, want, got, "Accept %q", accept)
			require.Contains(t, rec.Body.String(), `"username":"urql"`, "Accept %q", accept)
		}
	})
	t.Run("UrqlSubscriptionStreams", func(t *testing.T) {
		// A subscription has no JSON answer: a client that accepts a
		// stream gets one, even when it prefers JSON.
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		article := api.MustCreateArticle(t, user, "Streamed")
		body, _ := json.Marshal(map[string]any{
			"query":     `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`,
			"variables": map[string]any{"id": article.ID},
		})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", urqlAccept)
		client := &http.Client{Timeout: 10 * time.Second}
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		added := make(chan struct{})
		go func() {
			defer close(added)
			time.Sleep(100 * time.Millisecond)
			api.Post(t, user.Token, `mutation($id: ID!) { addComment(input: {articleId: $id, body: "to urql"}) { comment { id } } }`, map[string]any{"id": article.ID})
		}()
		defer func() { <-added }()
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data:") && strings.Contains(lines.Text(), "to urql") {
				return
			}
		}
		t.Fatal("no event arrived", lines.Err())
	})
}

// TestCORSAllowHeaders: a browser on another origin may send what clients
// and tracers add by default; its preflight for each is allowed.
func TestCORSAllowHeaders(t *testing.T) {
	preflight := func(api *apitest.API, header string) []string {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", header)
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusNoContent, rec.Code)
		require.Equal(t, "https://app.example.com", rec.Header().Get("Access-Control-Allow-Origin"))
		var allowed []string
		for name := range strings.SplitSeq(rec.Header().Get("Access-Control-Allow-Headers"), ",") {
			allowed = append(allowed, strings.ToLower(strings.TrimSpace(name)))
		}
		return allowed
	}
	t.Run("Defaults", func(t *testing.T) {
		api := apitest.New(t, testenv.SQLite(t))
		for _, header := range []string{
			"content-type", "authorization", "accept", "x-request-id",
			"traceparent", "tracestate", "baggage", "sentry-trace",
			"apollographql-client-name", "apollographql-client-version", "x-apollo-operation-name", "apollo-require-preflight",
		} {
			require.Contains(t, preflight(api, header), header)
		}
		require.NotContains(t, preflight(api, "x-custom"), "x-custom", "only listed headers")
	})
	t.Run("Configured", func(t *testing.T) {
		cfg, err := cli.ParseServe(nil, func(k string) string {
			return map[string]string{"CONDUIT_CORS_ALLOW_HEADERS": "X-Custom, traceparent"}[k]
		}, io.Discard)
		require.NoError(t, err)
		test := apitest.Config()
		test.CORSHeaders = cfg.CORSHeaders
		api := apitest.NewWith(t, testenv.SQLite(t), test)
		allowed := preflight(api, "x-custom")
		require.Contains(t, allowed, "x-custom")
		require.Contains(t, allowed, "traceparent")
		require.Contains(t, allowed, "authorization", "always allowed")
		require.Contains(t, allowed, "content-type", "always allowed")
		require.NotContains(t, allowed, "sentry-trace", "the list replaces the default")
	})
	t.Run("ErrNotAHeaderName", func(t *testing.T) {
		// serve parses its configuration here before it opens anything.
		_, err := cli.ParseServe([]string{"--addr", "127.0.0.1:0", "--cors-allow-headers", "traceparent,x bad"}, func(string) string { return "" }, io.Discard)
		require.ErrorContains(t, err, `--cors-allow-headers: "x bad" is not a header name`)
	})
}

// TestBatchingRefused: a JSON array of operations (Apollo's BatchHttpLink)
// is refused with a message that says so, not with a parse error.
func TestBatchingRefused(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	for _, body := range []string{`[{"query":"{ viewer { id } }"},{"query":"{ __typename }"}]`, `[{"query":"{ __typename }"}]`, ` []`} {
		for _, accept := range []string{"application/graphql-response+json", "application/json"} {
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", accept)
			resp := api.Send(t, req)
			require.Equal(t, http.StatusBadRequest, resp.Status, "body %s", body)
			require.Equal(t, "GRAPHQL_PARSE_FAILED", resp.Code())
			require.Contains(t, resp.Errors[0].Message, "Batching (a JSON array of operations) is not supported")
			require.Nil(t, resp.Data)
		}
	}
}
