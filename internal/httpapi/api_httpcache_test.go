package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// getRaw sends a GET query with extra headers and returns the recorder.
func getRaw(a *apitest.API, query string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {query}}.Encode(), nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return rec
}

func TestPublicGET(t *testing.T) {
	cfg := apitest.Config()
	cfg.PublicMaxAge = 7 * time.Second
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	author := api.MustSignUp(t, "alice")
	const create = `mutation($t: String!) { createArticle(input: {title: $t, description: "d", body: "b", tags: ["go"]}) { article { slug } } }`
	require.Empty(t, api.Post(t, author.Token, create, map[string]any{"t": "First"}).Errors)

	const public = `query Home { popularTags { name } articles(first: 5) { edges { node { slug title author { username } } } } }`
	strongETag := regexp.MustCompile(`^"[0-9a-f]{32}"$`)

	first := getRaw(api, public, nil)
	require.Equal(t, http.StatusOK, first.Code, first.Body.String())
	require.Contains(t, first.Body.String(), `"title":"First"`)
	require.Equal(t, "public, max-age=7", first.Header().Get("Cache-Control"))
	etag := first.Header().Get("ETag")
	require.Regexp(t, strongETag, etag)
	require.Contains(t, first.Header().Values("Vary"), "Authorization, Accept")

	t.Run("SameAnswerSameETag", func(t *testing.T) {
		again := getRaw(api, public, nil)
		require.Equal(t, first.Body.String(), again.Body.String())
		require.Equal(t, etag, again.Header().Get("ETag"))
	})
	t.Run("NotModified", func(t *testing.T) {
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			rec := getRaw(api, public, map[string]string{"If-None-Match": inm})
			require.Equal(t, http.StatusNotModified, rec.Code, "If-None-Match: %s", inm)
			require.Empty(t, rec.Body.String())
			require.Equal(t, etag, rec.Header().Get("ETag"))
			require.Equal(t, "public, max-age=7", rec.Header().Get("Cache-Control"))
		}
		rec := getRaw(api, public, map[string]string{"If-None-Match": `"0123456789abcdef0123456789abcdef"`})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, first.Body.String(), rec.Body.String())
	})
	t.Run("OtherMediaTypeOtherETag", func(t *testing.T) {
		rec := getRaw(api, public, map[string]string{"Accept": "application/graphql-response+json"})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Regexp(t, strongETag, rec.Header().Get("ETag"))
		require.NotEqual(t, etag, rec.Header().Get("ETag"))
	})
	t.Run("SignedInIsPrivate", func(t *testing.T) {
		rec := getRaw(api, public, map[string]string{"Authorization": "Bearer " + author.Token, "If-None-Match": etag})
		require.Equal(t, http.StatusOK, rec.Code, "no 304 for a signed-in request")
		require.Contains(t, rec.Body.String(), `"title":"First"`)
		require.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
		require.Empty(t, rec.Header().Get("ETag"))
	})
	t.Run("ViewerFieldsArePrivate", func(t *testing.T) {
		for _, q := range []string{
			`{ viewer { username } }`,
			`{ feed(first: 1) { totalCount } }`,
			`{ articles(first: 1) { edges { node { viewerHasFavorited } } } }`,
			`{ user(username: "alice") { viewerIsFollowing } }`,
			`{ user(username: "alice") { email } }`,
			`{ articles(first: 1) { edges { node { ...A } } } } fragment A on Article { author { ... on User { viewerIsFollowing } } }`,
		} {
			rec := getRaw(api, q, map[string]string{"If-None-Match": "*"})
			require.Equal(t, http.StatusOK, rec.Code, q)
			require.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"), q)
			require.Empty(t, rec.Header().Get("ETag"), q)
		}
	})
	t.Run("ErrorsArePrivate", func(t *testing.T) {
		rec := getRaw(api, `{ nodes(ids: ["not-an-id"]) { id } }`, nil)
		require.Contains(t, rec.Body.String(), `"errors"`)
		require.Equal(t, "private, no-store", rec.Header().Get("Cache-Control"))
		require.Empty(t, rec.Header().Get("ETag"))
	})
	t.Run("POSTIsNotCached", func(t *testing.T) {
		resp := api.Post(t, "", public, nil)
		require.Empty(t, resp.Errors)
		require.Empty(t, resp.Header.Get("ETag"))
		require.Empty(t, resp.Header.Get("Cache-Control"))
	})
	t.Run("NewDataNewETag", func(t *testing.T) {
		require.Empty(t, api.Post(t, author.Token, create, map[string]any{"t": "Second"}).Errors)
		rec := getRaw(api, public, map[string]string{"If-None-Match": etag})
		require.Equal(t, http.StatusOK, rec.Code, "a changed answer is sent again")
		require.Contains(t, rec.Body.String(), `"title":"Second"`)
		require.Regexp(t, strongETag, rec.Header().Get("ETag"))
		require.NotEqual(t, etag, rec.Header().Get("ETag"))
	})
}

func TestPublicGET_Off(t *testing.T) {
	cfg := apitest.Config()
	cfg.PublicMaxAge = 0
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	rec := getRaw(api, `{ popularTags { name } }`, map[string]string{"If-None-Match": "*"})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Empty(t, rec.Header().Get("Cache-Control"))
	require.Empty(t, rec.Header().Get("ETag"))
}
