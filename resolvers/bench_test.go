package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/conduit"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// benchConfig runs every request: the response cache, which would answer
// the repeated requests of a benchmark from memory, is off.
func benchConfig() cli.Config {
	cfg := apitest.Config()
	cfg.ResponseCacheBytes = 0
	return cfg
}

// benchAPI serves a seeded SQLite database (400 users, 4,000 articles,
// 20,000 comments) and returns a signed-in token too.
func benchAPI(b *testing.B) (*apitest.API, string) {
	b.Helper()
	dsn := testenv.SQLite(b)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := cli.SeedDB(ctx, db, store.SeedOptions{Users: 400, Articles: 4000, Comments: 20000, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	api := apitest.NewWith(b, dsn, benchConfig())
	u, err := store.NewUserService(db, auth.NewArgon2()).UserByID(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	token, err := auth.NewTokens([]byte(apitest.Config().JWTSecret), 0).Issue(u)
	if err != nil {
		b.Fatal(err)
	}
	return api, token
}

func benchQuery(b *testing.B, api *apitest.API, token, query string, vars map[string]any) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkPages measures whole GraphQL requests through the real handler;
// the StoreOnly case is the one query of the home page without GraphQL, so
// that `make bench` shows what GraphQL, loaders and JSON cost on top of it.
func BenchmarkPages(b *testing.B) {
	api, token := benchAPI(b)
	b.Run("HomeAnonymous", func(b *testing.B) { benchQuery(b, api, "", homePageQuery, map[string]any{"first": 20}) })
	b.Run("HomeSignedIn", func(b *testing.B) { benchQuery(b, api, token, homePageQuery, map[string]any{"first": 20}) })
	b.Run("Feed", func(b *testing.B) { benchQuery(b, api, token, feedPageQuery, map[string]any{"first": 20}) })
	b.Run("BenchHomeAnonymous", func(b *testing.B) { benchQuery(b, api, "", benchHomeQuery, nil) })
	b.Run("BenchHomeSignedIn", func(b *testing.B) { benchQuery(b, api, token, benchHomeSignedInQuery, nil) })
	b.Run("BenchList100", func(b *testing.B) { benchQuery(b, api, "", benchList100Query, nil) })
	b.Run("BenchArticlePage", func(b *testing.B) {
		benchQuery(b, api, "", benchArticleQuery, map[string]any{"slug": mostCommented(b, api)})
	})
	b.Run("BenchHomeAnonymousCached", func(b *testing.B) {
		cached := apitest.NewWith(b, api.DSN, apitest.Config())
		benchQuery(b, cached, "", benchHomeQuery, nil)
	})
	b.Run("StoreOnly", func(b *testing.B) {
		articles := store.NewArticleService(api.DB)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := articles.Articles(ctx, conduit.ArticleFilter{}, conduit.PageArgs{First: 20}, conduit.FullArticle); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The queries of `make bench`'s scenarios.
const (
	benchHomeQuery         = `{ articles(first: 20) { nodes { title slug description createdAt tags favoritesCount commentsCount author { username image } } } }`
	benchHomeSignedInQuery = `{ articles(first: 20) { nodes { title slug description createdAt tags favoritesCount viewerHasFavorited commentsCount author { username image viewerIsFollowing } } } }`
	benchList100Query      = `{ articles(first: 100) { nodes { id title author { id username } } } }`
	benchArticleQuery      = `query($slug: String!) { article(slug: $slug) { id title body tags createdAt favoritesCount viewerHasFavorited commentsCount author { username bio image viewerIsFollowing } comments(first: 50) { nodes { id body createdAt author { username image } } } } }`
)

// mostCommented returns the slug of the most commented of the newest 100
// articles, as make bench's article page picks it.
func mostCommented(b *testing.B, api *apitest.API) string {
	b.Helper()
	body, _ := json.Marshal(map[string]any{"query": `{ articles(first: 100) { nodes { slug commentsCount } } }`})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	api.Handler.ServeHTTP(rec, req)
	var out struct {
		Data struct {
			Articles struct {
				Nodes []struct {
					Slug          string
					CommentsCount int
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Data.Articles.Nodes) == 0 {
		b.Fatalf("articles: %v %s", err, rec.Body.String())
	}
	best := out.Data.Articles.Nodes[0]
	for _, n := range out.Data.Articles.Nodes {
		if n.CommentsCount > best.CommentsCount {
			best = n
		}
	}
	return best.Slug
}

// BenchmarkTypename measures the fixed cost of a request: the middleware,
// the transport and gqlgen around an operation that reads nothing.
func BenchmarkTypename(b *testing.B) {
	api := apitest.NewWith(b, testenv.SQLite(b), benchConfig())
	benchQuery(b, api, "", `{ __typename }`, nil)
}

// BenchmarkRepeatedFieldsRefused measures how long the 9,990-field
// document of TestRepeatedFieldsRefusedBeforeValidation takes to refuse
// (validating it used to cost seconds). Each request carries a new
// comment, so that the query cache never answers. Its "ms/refusal" should
// stay far under 50.
func BenchmarkRepeatedFieldsRefused(b *testing.B) {
	api := apitest.NewWith(b, testenv.SQLite(b), benchConfig())
	doc := "{ " + strings.Repeat("__typename ", 9990) + "}"
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		body, _ := json.Marshal(map[string]any{"query": "# " + strconv.Itoa(n) + "\n" + doc})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		api.Handler.ServeHTTP(rec, req)
		if !bytes.Contains(rec.Body.Bytes(), []byte(`"QUERY_TOO_COMPLEX"`)) {
			b.Fatalf("%d %s", rec.Code, rec.Body.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(n), "ms/refusal")
}
