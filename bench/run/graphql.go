package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// requestTimeout bounds each request the runner sends itself (setup and
// validation, not the load).
const requestTimeout = 30 * time.Second

// seedPassword is every seeded user's password; they sign in with
// <username>@example.com.
const seedPassword = "password123"

// gqlBody is the JSON body of a GraphQL request.
func gqlBody(query string, vars map[string]any) []byte {
	req := map[string]any{"query": query}
	if vars != nil {
		req["variables"] = vars
	}
	b, err := json.Marshal(req)
	if err != nil {
		panic(err) // strings and maps of strings always marshal
	}
	return b
}

// post sends one GraphQL request to a server's /graphql and returns the
// answer; one that is not 200, or that has errors, is an error.
func post(ctx context.Context, url, token string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return nil, err
	case resp.StatusCode != http.StatusOK:
		return b, fmt.Errorf("HTTP %s: %.300s", resp.Status, b)
	case bytes.Contains(b, []byte(`"errors"`)):
		return b, fmt.Errorf("errors in the answer: %.300s", b)
	}
	return b, nil
}

// query sends a query and decodes its data into out.
func query(ctx context.Context, url, token, q string, vars map[string]any, out any) error {
	b, err := post(ctx, url, token, gqlBody(q, vars))
	if err != nil {
		return err
	}
	var r struct{ Data json.RawMessage }
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	return json.Unmarshal(r.Data, out)
}

// fixtures are the real ids, slugs and users that the scenarios use.
type fixtures struct {
	articleIDs []string // global ids of the newest articles, for the writes
	slug       string   // the most commented of those articles
	usernames  []string // their authors, each once
}

// writeArticles is how many articles the writes are spread over.
const writeArticles = 200

// loadFixtures reads the newest articles a page at a time, anonymously.
func loadFixtures(ctx context.Context, url string) (fixtures, error) {
	const q = `query($after: String) { articles(first: 100, after: $after) { nodes { id slug commentsCount author { username } } pageInfo { hasNextPage endCursor } } }`
	var fx fixtures
	most := -1
	vars := map[string]any{"after": nil}
	for len(fx.articleIDs) < writeArticles {
		var page struct {
			Articles struct {
				Nodes []struct {
					ID, Slug      string
					CommentsCount int
					Author        struct{ Username string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := query(ctx, url, "", q, vars, &page); err != nil {
			return fx, fmt.Errorf("list articles: %w", err)
		}
		for _, n := range page.Articles.Nodes {
			fx.articleIDs = append(fx.articleIDs, n.ID)
			if n.CommentsCount > most {
				fx.slug, most = n.Slug, n.CommentsCount
			}
			if !slices.Contains(fx.usernames, n.Author.Username) {
				fx.usernames = append(fx.usernames, n.Author.Username)
			}
		}
		if !page.Articles.PageInfo.HasNextPage {
			break
		}
		vars["after"] = page.Articles.PageInfo.EndCursor
	}
	if most <= 0 {
		return fx, errors.New("no article with comments among the newest: is the database seeded?")
	}
	return fx, nil
}

// signIn signs seeded users in and returns their tokens. Each sign-in
// hashes a password with argon2 (tens of milliseconds), which is why it
// happens before any measurement.
func signIn(ctx context.Context, url string, usernames []string) ([]string, error) {
	const q = `mutation($email: String!, $password: String!) { signIn(input: {email: $email, password: $password}) { token } }`
	tokens := make([]string, 0, len(usernames))
	for _, name := range usernames {
		var out struct{ SignIn struct{ Token string } }
		vars := map[string]any{"email": name + "@example.com", "password": seedPassword}
		if err := query(ctx, url, "", q, vars, &out); err != nil {
			return nil, fmt.Errorf("sign in %s: %w", name, err)
		}
		tokens = append(tokens, out.SignIn.Token)
	}
	return tokens, nil
}
