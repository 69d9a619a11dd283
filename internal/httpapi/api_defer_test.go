package httpapi_test

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// The article page as a frontend would defer it: the article at once, its
// comments when they are ready.
const deferredArticleQuery = `query($slug: String!) { article(slug: $slug) { title author { username } ... @defer(label: "comments") { comments(first: 50) { nodes { body author { username } } } } } }`

// apolloDeferAccept is what Apollo Client sends for an operation with @defer.
const apolloDeferAccept = "multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9"

func TestDeferIncrementalDelivery(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	ann, bob := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob")
	art := api.MustCreateArticle(t, ann, "Deferred Comments")
	api.MustAddComment(t, bob, art.ID, "First!")
	api.MustAddComment(t, ann, art.ID, "Thanks.")
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()

	post := func(t *testing.T, accept string) *http.Response {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": deferredArticleQuery, "variables": map[string]any{"slug": art.Slug}})
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(body)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("Multipart", func(t *testing.T) {
		resp := post(t, apolloDeferAccept)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		media, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		require.NoError(t, err)
		require.Equal(t, "multipart/mixed", media)
		require.Equal(t, "20220824", params["deferspec"])
		parts := readParts(t, multipart.NewReader(resp.Body, params["boundary"]))
		require.Len(t, parts, 2, "the article, then its comments")
		require.JSONEq(t, `{"data": {"article": {"title": "Deferred Comments", "author": {"username": "ann"}}}, "hasNext": true}`, parts[0])
		require.JSONEq(t, `{"incremental": [{"data": {"comments": {"nodes": [{"body": "First!", "author": {"username": "bob"}}, {"body": "Thanks.", "author": {"username": "ann"}}]}}, "path": ["article"], "label": "comments"}], "hasNext": false}`, parts[1])
	})

	t.Run("JSONClientsGetItInPlace", func(t *testing.T) {
		for _, accept := range []string{"application/graphql-response+json", "application/json", "application/graphql-response+json, application/json, text/event-stream, multipart/mixed"} {
			resp := post(t, accept)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, resp.Header.Get("Content-Type"), "json", accept)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.JSONEq(t, `{"data": {"article": {"title": "Deferred Comments", "author": {"username": "ann"}, "comments": {"nodes": [{"body": "First!", "author": {"username": "bob"}}, {"body": "Thanks.", "author": {"username": "ann"}}]}}}}`, string(body), accept)
		}
	})

	t.Run("NothingDeferred", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": `{ __typename }`})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", apolloDeferAccept)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		require.NoError(t, err)
		parts := readParts(t, multipart.NewReader(resp.Body, params["boundary"]))
		require.Equal(t, []string{`{"data":{"__typename":"Query"},"hasNext":false}`}, parts)
	})

	t.Run("BadRequestIsJSON", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query": "{ nope }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", apolloDeferAccept)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		require.Contains(t, resp.Header.Get("Content-Type"), "application/graphql-response+json")
	})
}

// readParts returns the JSON body of each part.
func readParts(t *testing.T, r *multipart.Reader) []string {
	t.Helper()
	var parts []string
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		require.NoError(t, err)
		require.Contains(t, p.Header.Get("Content-Type"), "application/json")
		b, err := io.ReadAll(p)
		require.NoError(t, err)
		parts = append(parts, string(b))
	}
}
