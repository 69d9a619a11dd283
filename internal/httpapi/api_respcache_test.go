package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
	"github.com/conduit-graphql/conduit/models"
)

const cachedArticleQuery = `query($slug: String!) { article(slug: $slug) { title favoritesCount viewerHasFavorited commentsCount } }`

// TestResponseCache: a repeated query is answered without running it
// again, and never with an answer that a commit made stale, on either
// database.
func TestResponseCache(t *testing.T) {
	apitest.EachDSN(t, testResponseCache)
}

// fromCache fails the test unless fn's requests were answered from the
// response cache: without reading data (on PostgreSQL each costs one
// statement that reads the snapshot, which API.Statements leaves out). There a
// commit anywhere on the server makes every answer stale, the test
// server's housekeeping included, so fn gets a few tries.
func fromCache(t *testing.T, a *apitest.API, fn func()) {
	t.Helper()
	tries := 1
	if a.DB.Dialect() == store.DialectPostgres {
		tries = 3
	}
	var got int64
	for range tries {
		if got = a.Statements(fn); got == 0 {
			return
		}
	}
	t.Fatalf("%d SQL statements read data: not answered from the response cache", got)
}

func testResponseCache(t *testing.T, dsn string) {
	api := apitest.New(t, dsn)
	ann, bob := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob")
	art := api.MustCreateArticle(t, ann, "Cached Article")
	vars := map[string]any{"slug": art.Slug}
	read := func(token string) string {
		t.Helper()
		resp := api.Post(t, token, cachedArticleQuery, vars)
		require.Empty(t, resp.Errors)
		return string(resp.Data)
	}

	first := read("")
	fromCache(t, api, func() { require.Equal(t, first, read("")) })

	t.Run("ViewerOwnAnswer", func(t *testing.T) {
		api.Post(t, bob.Token, `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { id } } }`, map[string]any{"id": art.ID})
		require.JSONEq(t, `{"article": {"title": "Cached Article", "favoritesCount": 1, "viewerHasFavorited": true, "commentsCount": 0}}`, read(bob.Token))
		require.JSONEq(t, `{"article": {"title": "Cached Article", "favoritesCount": 1, "viewerHasFavorited": false, "commentsCount": 0}}`, read(ann.Token))
		require.JSONEq(t, `{"article": {"title": "Cached Article", "favoritesCount": 1, "viewerHasFavorited": false, "commentsCount": 0}}`, read(""))
		// Each viewer's answer is then reused for that viewer only.
		fromCache(t, api, func() {
			require.Contains(t, read(bob.Token), `"viewerHasFavorited":true`)
			require.Contains(t, read(ann.Token), `"viewerHasFavorited":false`)
		})
	})

	t.Run("WriteThroughTheAPI", func(t *testing.T) {
		api.MustAddComment(t, ann, art.ID, "First!")
		require.Contains(t, read(""), `"commentsCount":1`)
	})

	t.Run("WriteByAnotherProcess", func(t *testing.T) {
		// Another process on the same database (here another handle, as
		// another instance would be) commits unseen by this one's
		// services: the answer must still be fresh.
		other, err := store.Open(context.Background(), dsn)
		require.NoError(t, err)
		defer other.Close()
		before := read("")
		require.Equal(t, before, read(""))
		title := "Renamed Elsewhere"
		_, err = store.NewArticleService(other).UpdateArticle(context.Background(), mustParseUserID(t, ann.ID), apitest.MustParseID(t, art.ID), conduit.ArticleUpdate{Title: &title})
		require.NoError(t, err)
		// The slug follows the title: the old one names no article now.
		require.JSONEq(t, `{"article": null}`, read(""))
	})

	t.Run("GET", func(t *testing.T) {
		q := `query($slug: String!) { article(slug: $slug) { title } }`
		first := api.Get(t, q, vars)
		require.Empty(t, first.Errors)
		fromCache(t, api, func() { require.Equal(t, string(first.Data), string(api.Get(t, q, vars).Data)) })
	})

	t.Run("ClientThatAcceptsStreams", func(t *testing.T) {
		// urql's default Accept lists event streams and multipart after
		// JSON: its queries are answered in JSON, and kept.
		send := func() string {
			req := apitest.NewGraphQLRequest(t, `{ articles(first: 3) { totalCount } }`)
			req.Header.Set("Accept", "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed")
			resp := api.Send(t, req)
			require.Empty(t, resp.Errors)
			return string(resp.Data)
		}
		first := send()
		fromCache(t, api, func() { require.Equal(t, first, send()) })
	})

	t.Run("ErrorsAreNotKept", func(t *testing.T) {
		stored := func() string {
			return regexp.MustCompile(`conduit_response_cache_stored_total \d+`).FindString(apitest.HTTPGet(api, "/metrics").Body.String())
		}
		before := stored()
		require.NotEmpty(t, before)
		for range 2 {
			require.Equal(t, "BAD_USER_INPUT", api.Post(t, "", `{ node(id: "not-an-id") { id } }`, nil).Code())
		}
		require.Equal(t, before, stored(), "an answer with an error was kept")
		// A refused credential never gets the anonymous answer.
		require.JSONEq(t, `{"viewer": null}`, string(api.Post(t, "", `{ viewer { username } }`, nil).Data))
		require.Equal(t, "UNAUTHENTICATED", api.Post(t, "not-a-token", `{ viewer { username } }`, nil).Code())
	})

	t.Run("MutationsRunEachTime", func(t *testing.T) {
		fav := `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
		unfav := `mutation($id: ID!) { unfavoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
		for range 2 {
			require.Contains(t, string(api.Post(t, ann.Token, fav, map[string]any{"id": art.ID}).Data), `"favoritesCount":2`)
			require.Contains(t, string(api.Post(t, ann.Token, unfav, map[string]any{"id": art.ID}).Data), `"favoritesCount":1`)
		}
	})

	t.Run("ContentTypeStillChecked", func(t *testing.T) {
		read("")
		req := apitest.NewGraphQLRequest(t, `{ __typename }`)
		api.Send(t, req)
		req = apitest.NewGraphQLRequest(t, `{ __typename }`)
		req.Header.Set("Content-Type", "text/plain")
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnsupportedMediaType, rec.Code)
	})
}

// TestResponseCache_Bounded: the cache keeps at most its size, and a
// cache of 0 bytes is off.
func TestResponseCache_Bounded(t *testing.T) {
	cfg := apitest.Config()
	cfg.ResponseCacheBytes = 2 << 10
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	ann := api.MustSignUp(t, "ann")
	long := api.MustCreateArticle(t, ann, "Long "+strings.Repeat("x", 190))
	// An answer over the whole budget is never kept.
	q := `query($slug: String!) { a: article(slug: $slug) { title } b: article(slug: $slug) { title } c: article(slug: $slug) { title } d: article(slug: $slug) { title } e: article(slug: $slug) { title } f: article(slug: $slug) { title } g: article(slug: $slug) { title } h: article(slug: $slug) { title } i: article(slug: $slug) { title } j: article(slug: $slug) { title } k: article(slug: $slug) { title } l: article(slug: $slug) { title } m: article(slug: $slug) { title } n: article(slug: $slug) { title } o: article(slug: $slug) { title } p: article(slug: $slug) { title } }`
	big := map[string]any{"slug": long.Slug}
	require.Greater(t, len(api.Post(t, "", q, big).Data), 2<<10)
	require.NotZero(t, api.Statements(func() { api.Post(t, "", q, big) }), "an answer over the budget was kept")
	// Small ones are kept, the oldest dropped first when full.
	small := func(i int) { api.Post(t, "", `{ articles(first: `+strconv.Itoa(i)+`) { totalCount } }`, nil) }
	for i := 1; i <= 40; i++ {
		small(i)
	}
	require.Zero(t, api.Statements(func() { small(40) }), "the newest answer was dropped")
	require.NotZero(t, api.Statements(func() { small(1) }), "the oldest answer outlived the budget")

	cfg.ResponseCacheBytes = 0
	off := apitest.NewWith(t, testenv.SQLite(t), cfg)
	off.Post(t, "", `{ articles(first: 1) { totalCount } }`, nil)
	require.NotZero(t, off.Statements(func() { off.Post(t, "", `{ articles(first: 1) { totalCount } }`, nil) }))
}

func mustParseUserID(t *testing.T, gid string) int64 {
	t.Helper()
	id, err := models.ParseID("id", models.TypeUser, gid)
	require.NoError(t, err)
	return id
}

// TestResponseCache_PublicGET: an answer from the response cache carries
// the same HTTP caching headers as a computed one, and a matching
// If-None-Match still gets 304.
func TestResponseCache_PublicGET(t *testing.T) {
	cfg := apitest.Config()
	cfg.PublicMaxAge = 5 * time.Second
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	ann := api.MustSignUp(t, "ann")
	api.MustCreateArticle(t, ann, "Public")
	get := func(etag string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape(`{ articles(first: 5) { nodes { title } } }`), nil)
		req.Header.Set("Accept", "application/graphql-response+json")
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		return rec
	}
	first := get("")
	require.Equal(t, http.StatusOK, first.Code)
	etag := first.Header().Get("ETag")
	require.NotEmpty(t, etag)
	var again *httptest.ResponseRecorder
	require.Zero(t, api.Statements(func() { again = get("") }), "not answered from the response cache")
	require.Equal(t, first.Body.String(), again.Body.String())
	for _, h := range []string{"ETag", "Cache-Control", "Vary", "Content-Type"} {
		require.Equal(t, first.Header().Get(h), again.Header().Get(h), h)
	}
	var notModified *httptest.ResponseRecorder
	require.Zero(t, api.Statements(func() { notModified = get(etag) }))
	require.Equal(t, http.StatusNotModified, notModified.Code)
	require.Empty(t, notModified.Body.String())
}
