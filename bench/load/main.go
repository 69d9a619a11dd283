// Command load sends GraphQL traffic to a running Conduit server for a fixed
// time and reports throughput and latency. It talks only to the URL it is
// given (loopback in `make load`), and stops by itself.
//
//	go run ./bench/load -url http://127.0.0.1:8080/graphql -c 32 -d 10s -scenario mixed
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

const (
	homeQuery    = `query Home { articles(first: 20) { edges { node { slug title description createdAt tags favoritesCount commentsCount author { username image } } } pageInfo { hasNextPage endCursor } } popularTags(first: 20) { name } }`
	articleQuery = `query Article($slug: String!) { article(slug: $slug) { slug title body tags favoritesCount viewerHasFavorited author { username bio image viewerIsFollowing } comments(first: 20) { nodes { body createdAt author { username image } } } } }`
	feedQuery    = `query Feed { feed(first: 20) { nodes { slug title tags favoritesCount viewerHasFavorited author { username image } } } }`
	favorite     = `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
	unfavorite   = `mutation($id: ID!) { unfavoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
	comment      = `mutation($id: ID!) { addComment(input: {articleId: $id, body: "Load test comment."}) { comment { id } } }`
)

type article struct{ ID, Slug string }

type client struct {
	http     *http.Client
	endpoint string
}

// do sends one operation: queries over GET (as a browser would, cacheable),
// mutations over POST. It fails on any transport error, non-200 or GraphQL error.
func (c *client) do(ctx context.Context, token, query string, vars map[string]any, out any) error {
	var req *http.Request
	var err error
	if len(query) > 8 && query[:8] == "mutation" {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		q := url.Values{"query": {query}}
		if vars != nil {
			b, _ := json.Marshal(vars)
			q.Set("variables", string(b))
		}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"?"+q.Encode(), nil)
	}
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	} else if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	} else if len(r.Errors) > 0 {
		return errors.New(r.Errors[0].Message)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// setup reads the articles to visit and signs in seeded users (password
// "password123", e-mail <username>@example.com) for the signed-in traffic.
func setup(ctx context.Context, c *client, users int) ([]article, []string, error) {
	var page struct {
		Articles struct {
			Nodes []struct {
				ID, Slug string
				Author   struct{ Username string }
			}
		}
	}
	if err := c.do(ctx, "", `{ articles(first: 100) { nodes { id slug author { username } } } }`, nil, &page); err != nil {
		return nil, nil, fmt.Errorf("list articles: %w", err)
	}
	var arts []article
	var names []string
	for _, n := range page.Articles.Nodes {
		arts = append(arts, article{n.ID, n.Slug})
		if !slices.Contains(names, n.Author.Username) {
			names = append(names, n.Author.Username)
		}
	}
	if len(arts) == 0 {
		return nil, nil, errors.New("the server has no articles: seed it first (conduit seed)")
	}
	var tokens []string
	for _, name := range names[:min(users, len(names))] {
		var out struct{ SignIn struct{ Token string } }
		err := c.do(ctx, "", `mutation($e: String!) { signIn(input: {email: $e, password: "password123"}) { token } }`, map[string]any{"e": name + "@example.com"}, &out)
		if err != nil {
			return nil, nil, fmt.Errorf("sign in %s: %w", name, err)
		}
		tokens = append(tokens, out.SignIn.Token)
	}
	return arts, tokens, nil
}

// step sends one request of the scenario and names its kind.
func step(ctx context.Context, c *client, scenario string, r *rand.Rand, arts []article, tokens []string) (string, error) {
	a := arts[r.IntN(len(arts))]
	token := ""
	if len(tokens) > 0 && r.IntN(2) == 0 {
		token = tokens[r.IntN(len(tokens))]
	}
	switch scenario {
	case "home":
		return "home", c.do(ctx, "", homeQuery, nil, nil)
	case "article":
		return "article", c.do(ctx, token, articleQuery, map[string]any{"slug": a.Slug}, nil)
	}
	// mixed: what a site's traffic looks like, about 1 write in 10.
	switch n := r.IntN(100); {
	case n < 40:
		return "home", c.do(ctx, token, homeQuery, nil, nil)
	case n < 75:
		return "article", c.do(ctx, token, articleQuery, map[string]any{"slug": a.Slug}, nil)
	case n < 90 && len(tokens) > 0:
		return "feed", c.do(ctx, tokens[r.IntN(len(tokens))], feedQuery, nil, nil)
	case len(tokens) > 0:
		m := []string{favorite, unfavorite, comment}[r.IntN(3)]
		return "write", c.do(ctx, tokens[r.IntN(len(tokens))], m, map[string]any{"id": a.ID}, nil)
	}
	return "home", c.do(ctx, "", homeQuery, nil, nil)
}

// waitReady waits until the server's /readyz answers 200.
func waitReady(ctx context.Context, c *client) error {
	u, err := url.Parse(c.endpoint)
	if err != nil {
		return err
	}
	u.Path = "/readyz"
	for i := 0; i < 300; i++ {
		if resp, err := c.http.Get(u.String()); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s is not ready", u)
}

type result struct {
	latencies map[string][]time.Duration
	errors    int
	firstErr  error
}

func main() {
	endpoint := flag.String("url", "http://127.0.0.1:8080/graphql", "GraphQL endpoint")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "how long to send traffic")
	scenario := flag.String("scenario", "mixed", "home, article or mixed (reads, feed and ~10% writes)")
	users := flag.Int("users", 20, "seeded users to sign in for signed-in traffic")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *dur+30*time.Second)
	defer cancel()
	c := &client{endpoint: *endpoint, http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conc}}}
	if err := waitReady(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	arts, tokens, err := setup(ctx, c, *users)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}

	deadline := time.Now().Add(*dur)
	results := make([]result, *conc)
	var wg sync.WaitGroup
	for i := range *conc {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 42))
			res := result{latencies: map[string][]time.Duration{}}
			for time.Now().Before(deadline) {
				start := time.Now()
				kind, err := step(ctx, c, *scenario, r, arts, tokens)
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
					continue
				}
				res.latencies[kind] = append(res.latencies[kind], time.Since(start))
			}
			results[i] = res
		})
	}
	wg.Wait()
	report(*scenario, *conc, *dur, results)
}

func report(scenario string, conc int, dur time.Duration, results []result) {
	all := map[string][]time.Duration{}
	errs := 0
	var firstErr error
	for _, r := range results {
		for k, v := range r.latencies {
			all[k] = append(all[k], v...)
		}
		errs += r.errors
		if firstErr == nil {
			firstErr = r.firstErr
		}
	}
	var total []time.Duration
	kinds := make([]string, 0, len(all))
	for k, v := range all {
		total = append(total, v...)
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	fmt.Printf("scenario %s, %d clients, %s: %d requests, %.0f req/s, %d errors\n", scenario, conc, dur, len(total), float64(len(total))/dur.Seconds(), errs)
	for _, k := range kinds {
		fmt.Printf("  %-8s %s\n", k, percentiles(all[k]))
	}
	fmt.Printf("  %-8s %s\n", "all", percentiles(total))
	if firstErr != nil {
		fmt.Println("  first error:", firstErr)
	}
}

func percentiles(d []time.Duration) string {
	if len(d) == 0 {
		return "no requests"
	}
	slices.Sort(d)
	p := func(q float64) time.Duration {
		return d[min(len(d)-1, int(q*float64(len(d))))].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("n=%-7d p50 %-9s p90 %-9s p99 %-9s max %s", len(d), p(0.50), p(0.90), p(0.99), d[len(d)-1].Round(10*time.Microsecond))
}
