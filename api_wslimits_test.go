package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// outcomes reads until each of ids has its first result or error and
// returns, per id, "ok" or the error's code.
func (c *wsClient) outcomes(ids ...string) map[string]string {
	c.t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	got := map[string]string{}
	for len(got) < len(want) {
		m := c.next()
		if !want[m.ID] || got[m.ID] != "" {
			continue
		}
		switch m.Type {
		case "next", "data":
			var resp struct{ Errors []gqlError }
			require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
			got[m.ID] = "ok"
			if len(resp.Errors) > 0 {
				got[m.ID] = resp.Errors[0].Extensions.Code
			}
		case "error":
			var errs []gqlError
			require.NoError(c.t, json.Unmarshal(m.Payload, &errs), "%s", m.Payload)
			require.NotEmpty(c.t, errs)
			got[m.ID] = errs[0].Extensions.Code
		}
	}
	return got
}

// requireRefused expects operation id to end with a protocol error message
// (not a result) with code and a message containing msg.
func (c *wsClient) requireRefused(id, code, msg string) {
	c.t.Helper()
	m := c.next()
	for m.Type == "complete" && m.ID != id {
		m = c.next()
	}
	require.Equal(c.t, "error", m.Type, "%s", m.Payload)
	require.Equal(c.t, id, m.ID)
	var errs []gqlError
	require.NoError(c.t, json.Unmarshal(m.Payload, &errs))
	require.Len(c.t, errs, 1)
	require.Equal(c.t, code, errs[0].Extensions.Code)
	require.Contains(c.t, errs[0].Message, msg)
	if c.proto == protoLegacyWS {
		require.Equal(c.t, wsMessage{Type: "complete", ID: id}, c.next())
	}
}

// Each operation a websocket starts counts against its client's rate, as an
// HTTP request does: 1,000 queries on one socket used to pass unchecked.
func TestWebsocketOperationsRateLimited(t *testing.T) {
	cfg := testConfig()
	cfg.RateLimit = httpapi.RateLimit{PerSecond: 1, Burst: 4}
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			api := newTestAPIWith(t, testenv.SQLite(t), cfg)
			srv := httptest.NewServer(api.handler)
			defer srv.Close()
			c := mustDialWS(t, srv, proto, nil) // the upgrade takes one
			var ids []string
			for i := range 10 {
				id := "q" + strconv.Itoa(i)
				ids = append(ids, id)
				c.subscribe(id, `{ __typename }`, nil)
			}
			got := c.outcomes(ids...)
			ok, limited := 0, 0
			for _, code := range got {
				switch code {
				case "ok":
					ok++
				case "RATE_LIMITED":
					limited++
				default:
					t.Fatalf("unexpected outcome %q", code)
				}
			}
			require.Equal(t, 10, ok+limited)
			require.LessOrEqual(t, ok, 5, "the burst of 4 less the upgrade, and at most a token or two refilled: %v", got)
			require.GreaterOrEqual(t, limited, 5, "%v", got)
			// The socket stays usable: once the bucket refills, operations run.
			time.Sleep(1100 * time.Millisecond)
			c.subscribe("later", `{ __typename }`, nil)
			require.Equal(t, map[string]string{"later": "ok"}, c.outcomes("later"))
		})
	}
	t.Run("SharedWithHTTPRequestsOfTheViewer", func(t *testing.T) {
		cfg := cfg
		cfg.RateLimit.PerSecond = 0.1 // nothing refills while the test runs
		api := newTestAPIWith(t, testenv.SQLite(t), cfg)
		srv := httptest.NewServer(api.handler)
		defer srv.Close()
		ann := api.mustSignUp(t, "ann")
		c := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + ann.Token})
		c.subscribe("1", `{ viewer { username } }`, nil)
		require.Equal(t, map[string]string{"1": "ok"}, c.outcomes("1"))
		// ann spends the rest of her bucket over HTTP, from another address…
		for range 3 {
			api.post(t, ann.Token, `{ viewer { username } }`, nil)
		}
		require.Equal(t, http.StatusTooManyRequests, api.post(t, ann.Token, `{ viewer { username } }`, nil).Status)
		// …and her socket's next operation is over her rate too.
		c.subscribe("2", `{ viewer { username } }`, nil)
		c.requireRefused("2", "RATE_LIMITED", "Too many operations; try again in ")
	})
}

const commentAddedSub = `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`

// requireErrorMessage expects operation id to fail before it runs, with
// code and a message containing msg; gqlgen reports errors of validation
// as a result ("next") on graphql-transport-ws.
func (c *wsClient) requireErrorMessage(id, code, msg string) {
	c.t.Helper()
	m := c.next()
	require.Equal(c.t, id, m.ID)
	var errs []gqlError
	if m.Type == "error" {
		require.NoError(c.t, json.Unmarshal(m.Payload, &errs))
	} else {
		var resp struct{ Errors []gqlError }
		require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
		errs = resp.Errors
	}
	require.NotEmpty(c.t, errs, "%s", m.Payload)
	require.Equal(c.t, code, errs[0].Extensions.Code)
	require.Contains(c.t, errs[0].Message, msg)
	require.Equal(c.t, wsMessage{Type: "complete", ID: id}, c.next())
}

// One socket held 5,000 subscriptions; now one more than
// --max-subscriptions-per-socket gets an error and the others go on.
func TestSubscriptionsPerSocketCap(t *testing.T) {
	cfg := testConfig()
	cfg.Limits.SubscriptionsPerSocket = 3
	api := newTestAPIWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.handler)
	defer srv.Close()
	ann := api.mustSignUp(t, "ann")
	a := api.mustCreateArticle(t, ann, "Watched")
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			c := mustDialWS(t, srv, proto, nil)
			for _, id := range []string{"1", "2", "3"} {
				c.subscribe(id, commentAddedSub, map[string]any{"id": a.ID})
			}
			c.subscribe("4", commentAddedSub, map[string]any{"id": a.ID})
			c.requireRefused("4", "RATE_LIMITED", "already has 3 operations in progress")
			time.Sleep(50 * time.Millisecond) // let the subscriptions start

			// Stopping one frees its place.
			stop := "complete"
			if proto == protoLegacyWS {
				stop = "stop"
			}
			c.send(wsMessage{Type: stop, ID: "1"})
			time.Sleep(50 * time.Millisecond)
			c.subscribe("5", commentAddedSub, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond)
			api.mustAddComment(t, ann, a.ID, "to "+proto)
			got := map[string]bool{}
			for len(got) < 3 {
				m := c.next()
				if m.Type == "complete" && m.ID == "1" {
					continue
				}
				require.Contains(t, []string{"next", "data"}, m.Type, "%s %s %s", m.Type, m.ID, m.Payload)
				require.NotContains(t, string(m.Payload), "errors", "%s %s %s", m.Type, m.ID, m.Payload)
				require.Contains(t, string(m.Payload), "to "+proto)
				got[m.ID] = true
			}
			require.Equal(t, map[string]bool{"2": true, "3": true, "5": true}, got)
		})
	}
	t.Run("LegacyIDInUse", func(t *testing.T) {
		// A second start under an id in use would run unseen and unstoppable,
		// outside the cap.
		c := mustDialWS(t, srv, protoLegacyWS, nil)
		c.subscribe("s", commentAddedSub, map[string]any{"id": a.ID})
		c.subscribe("s", commentAddedSub, map[string]any{"id": a.ID})
		c.requireRefused("s", "GRAPHQL_VALIDATION_FAILED", `Operation id "s" is already in use`)
	})
}

// dialStatus dials a websocket and returns the HTTP status of a refused
// upgrade (101 when it was accepted; the socket closes with the test).
func dialStatus(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{protoTransportWS}})
	if err == nil {
		t.Cleanup(func() { conn.CloseNow() })
		return http.StatusSwitchingProtocols
	}
	require.NotNil(t, resp, "%v", err)
	return resp.StatusCode
}

// sseStatus opens an event stream and returns its status and the code of
// a refusal's first error.
func sseStatus(t *testing.T, srv *httptest.Server, article string) (int, string) {
	t.Helper()
	body := `{"query":"subscription($id: ID!) { commentAdded(articleId: $id) { body } }","variables":{"id":"` + article + `"}}`
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		var out gqlResponse
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out.code()
	}
	return resp.StatusCode, ""
}

// One client may hold --max-sockets-per-client websockets and event
// streams open; one more is refused with 429 before any upgrade.
func TestSocketsPerClientCap(t *testing.T) {
	cfg := testConfig()
	cfg.Limits.StreamsPerClient = 2
	api := newTestAPIWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.handler)
	t.Cleanup(srv.Close) // after the streams the test leaves open
	a := api.mustCreateArticle(t, api.mustSignUp(t, "ann"), "Watched")

	first := mustDialWS(t, srv, protoTransportWS, nil)
	status, _ := sseStatus(t, srv, a.ID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, http.StatusTooManyRequests, dialStatus(t, srv), "a third websocket")
	status, code := sseStatus(t, srv, a.ID)
	require.Equal(t, http.StatusTooManyRequests, status, "a third stream")
	require.Equal(t, "RATE_LIMITED", code)

	// Closing one makes room for another.
	first.conn.Close(websocket.StatusNormalClosure, "")
	require.Eventually(t, func() bool { return dialStatus(t, srv) == http.StatusSwitchingProtocols }, 5*time.Second, 20*time.Millisecond)
	// Plain requests are not streams and are not capped.
	require.Empty(t, api.post(t, "", `{ __typename }`, nil).Errors)
}

// A subscription's selection runs for every event, so its complexity limit
// is tighter than a query's.
func TestSubscriptionComplexityLimit(t *testing.T) {
	api := newTestAPI(t, testenv.SQLite(t))
	srv := httptest.NewServer(api.handler)
	defer srv.Close()
	ann := api.mustSignUp(t, "ann")
	a := api.mustCreateArticle(t, ann, "Watched")
	const selection = `{ title comments(first: 50) { edges { node { body author { username } } } } }`
	require.Empty(t, api.post(t, "", `query($slug: String!) { article(slug: $slug) `+selection+` }`, map[string]any{"slug": a.Slug}).Errors,
		"the selection is within a query's limit")

	c := mustDialWS(t, srv, protoTransportWS, nil)
	c.subscribe("big", `subscription($id: ID!) { articleUpdated(id: $id) `+selection+` }`, map[string]any{"id": a.ID})
	c.requireErrorMessage("big", "QUERY_TOO_COMPLEX", "exceeds the limit of 200")
	c.subscribe("small", `subscription($id: ID!) { articleUpdated(id: $id) { title comments(first: 5) { edges { node { body } } } } }`, map[string]any{"id": a.ID})
	time.Sleep(50 * time.Millisecond)
	api.mustAddComment(t, ann, a.ID, "hello")
	var out struct{ ArticleUpdated struct{ Title string } }
	c.data("small", &out)
	require.Equal(t, "Watched", out.ArticleUpdated.Title)

	t.Run("ConfiguredLimit", func(t *testing.T) {
		cfg := testConfig()
		cfg.Limits.SubscriptionComplexity = 2
		small := newTestAPIWith(t, testenv.SQLite(t), cfg)
		srv := httptest.NewServer(small.handler)
		defer srv.Close()
		b := small.mustCreateArticle(t, small.mustSignUp(t, "bob"), "Other")
		c := mustDialWS(t, srv, protoTransportWS, nil)
		c.subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, map[string]any{"id": b.ID})
		c.requireErrorMessage("1", "QUERY_TOO_COMPLEX", "limit of 2")
		c.subscribe("2", `subscription($id: ID!) { commentDeleted(articleId: $id) }`, map[string]any{"id": b.ID})
		c.subscribe("3", `{ viewer { username } articles(first: 5) { nodes { title } } }`, nil)
		require.Equal(t, map[string]string{"3": "ok"}, c.outcomes("3"), "queries keep their own limit")
	})
}
