package httpapi_test

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

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/httpapi"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// Each operation a websocket starts counts against its client's rate, as an
// HTTP request does: 1,000 queries on one socket used to pass unchecked.
func TestWebsocketOperationsRateLimited(t *testing.T) {
	cfg := apitest.Config()
	cfg.RateLimit = httpapi.RateLimit{PerSecond: 1, Burst: 4}
	for _, proto := range []string{apitest.ProtoTransportWS, apitest.ProtoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			api := apitest.NewWith(t, testenv.SQLite(t), cfg)
			srv := httptest.NewServer(api.Handler)
			defer srv.Close()
			c := apitest.MustDialWS(t, srv, proto, nil) // the upgrade takes one
			var ids []string
			for i := range 10 {
				id := "q" + strconv.Itoa(i)
				ids = append(ids, id)
				c.Subscribe(id, `{ __typename }`, nil)
			}
			got := c.Outcomes(ids...)
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
			c.Subscribe("later", `{ __typename }`, nil)
			require.Equal(t, map[string]string{"later": "ok"}, c.Outcomes("later"))
		})
	}
	t.Run("SharedWithHTTPRequestsOfTheViewer", func(t *testing.T) {
		cfg := cfg
		cfg.RateLimit.PerSecond = 0.1 // nothing refills while the test runs
		api := apitest.NewWith(t, testenv.SQLite(t), cfg)
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		ann := api.MustSignUp(t, "ann")
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + ann.Token})
		c.Subscribe("1", `{ viewer { username } }`, nil)
		require.Equal(t, map[string]string{"1": "ok"}, c.Outcomes("1"))
		// ann spends the rest of her bucket over HTTP, from another address…
		for range 3 {
			api.Post(t, ann.Token, `{ viewer { username } }`, nil)
		}
		require.Equal(t, http.StatusTooManyRequests, api.Post(t, ann.Token, `{ viewer { username } }`, nil).Status)
		// …and her socket's next operation is over her rate too.
		c.Subscribe("2", `{ viewer { username } }`, nil)
		c.RequireRefused("2", "RATE_LIMITED", "Too many operations; try again in ")
	})
}

const commentAddedSub = `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`

// One socket held 5,000 subscriptions; now one more than
// --max-subscriptions-per-socket gets an error and the others go on.
func TestSubscriptionsPerSocketCap(t *testing.T) {
	cfg := apitest.Config()
	cfg.Limits.SubscriptionsPerSocket = 3
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	ann := api.MustSignUp(t, "ann")
	a := api.MustCreateArticle(t, ann, "Watched")
	for _, proto := range []string{apitest.ProtoTransportWS, apitest.ProtoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			c := apitest.MustDialWS(t, srv, proto, nil)
			for _, id := range []string{"1", "2", "3"} {
				c.Subscribe(id, commentAddedSub, map[string]any{"id": a.ID})
			}
			c.Subscribe("4", commentAddedSub, map[string]any{"id": a.ID})
			c.RequireRefused("4", "RATE_LIMITED", "already has 3 operations in progress")
			time.Sleep(50 * time.Millisecond) // let the subscriptions start

			// Stopping one frees its place.
			stop := "complete"
			if proto == apitest.ProtoLegacyWS {
				stop = "stop"
			}
			c.Send(apitest.WSMessage{Type: stop, ID: "1"})
			time.Sleep(50 * time.Millisecond)
			c.Subscribe("5", commentAddedSub, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond)
			api.MustAddComment(t, ann, a.ID, "to "+proto)
			got := map[string]bool{}
			for len(got) < 3 {
				m := c.Next()
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
		c := apitest.MustDialWS(t, srv, apitest.ProtoLegacyWS, nil)
		c.Subscribe("s", commentAddedSub, map[string]any{"id": a.ID})
		c.Subscribe("s", commentAddedSub, map[string]any{"id": a.ID})
		c.RequireRefused("s", "GRAPHQL_VALIDATION_FAILED", `Operation id "s" is already in use`)
	})
}

// dialStatus dials a websocket and returns the HTTP status of a refused
// upgrade (101 when it was accepted; the socket closes with the test).
func dialStatus(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{apitest.ProtoTransportWS}})
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
	return streamStatus(t, srv, article, "text/event-stream")
}

// streamStatus is sseStatus with the Accept header accept.
func streamStatus(t *testing.T, srv *httptest.Server, article, accept string) (int, string) {
	t.Helper()
	body := `{"query":"subscription($id: ID!) { commentAdded(articleId: $id) { body } }","variables":{"id":"` + article + `"}}`
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		var out apitest.Response
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out.Code()
	}
	return resp.StatusCode, ""
}

// One client may hold --max-sockets-per-client websockets and event
// streams open; one more is refused with 429 before any upgrade.
func TestSocketsPerClientCap(t *testing.T) {
	cfg := apitest.Config()
	cfg.Limits.StreamsPerClient = 2
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.Handler)
	t.Cleanup(srv.Close) // after the streams the test leaves open
	a := api.MustCreateArticle(t, api.MustSignUp(t, "ann"), "Watched")

	first := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
	status, _ := sseStatus(t, srv, a.ID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, http.StatusTooManyRequests, dialStatus(t, srv), "a third websocket")
	status, code := sseStatus(t, srv, a.ID)
	require.Equal(t, http.StatusTooManyRequests, status, "a third stream")
	require.Equal(t, "RATE_LIMITED", code)

	// Closing one makes room for another.
	first.Conn.Close(websocket.StatusNormalClosure, "")
	require.Eventually(t, func() bool { return dialStatus(t, srv) == http.StatusSwitchingProtocols }, 5*time.Second, 20*time.Millisecond)
	// Plain requests are not streams and are not capped.
	require.Empty(t, api.Post(t, "", `{ __typename }`, nil).Errors)
}

// TestSocketsPerClientCap_PreferringJSON: a subscription from a client
// that prefers JSON but accepts an event stream (urql's default Accept) is
// answered with a stream too, and counts against the same cap, though its
// headers do not say it is a stream before the operation is read.
func TestSocketsPerClientCap_PreferringJSON(t *testing.T) {
	cfg := apitest.Config()
	cfg.Limits.StreamsPerClient = 1
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.Handler)
	t.Cleanup(srv.Close) // after the streams the test leaves open
	a := api.MustCreateArticle(t, api.MustSignUp(t, "ann"), "Watched")

	status, _ := streamStatus(t, srv, a.ID, urqlAccept)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, apitest.HTTPGet(api, "/metrics").Body.String(), `conduit_streams_open{kind="sse"} 1`, "counted as an open stream")
	status, code := streamStatus(t, srv, a.ID, urqlAccept)
	require.Equal(t, http.StatusTooManyRequests, status, "a second stream with urql's Accept")
	require.Equal(t, "RATE_LIMITED", code)
	status, _ = sseStatus(t, srv, a.ID)
	require.Equal(t, http.StatusTooManyRequests, status, "the first one counted against the cap")
	// Queries with the same Accept are answered in JSON, and not capped.
	require.Empty(t, api.Post(t, "", `{ __typename }`, nil).Errors)
}

// A subscription's selection runs for every event, so its complexity limit
// is tighter than a query's.
func TestSubscriptionComplexityLimit(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	ann := api.MustSignUp(t, "ann")
	a := api.MustCreateArticle(t, ann, "Watched")
	const selection = `{ title comments(first: 50) { edges { node { body author { username } } } } }`
	require.Empty(t, api.Post(t, "", `query($slug: String!) { article(slug: $slug) `+selection+` }`, map[string]any{"slug": a.Slug}).Errors,
		"the selection is within a query's limit")

	c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
	c.Subscribe("big", `subscription($id: ID!) { articleUpdated(id: $id) `+selection+` }`, map[string]any{"id": a.ID})
	c.RequireErrorMessage("big", "QUERY_TOO_COMPLEX", "exceeds the limit of 200")
	c.Subscribe("small", `subscription($id: ID!) { articleUpdated(id: $id) { title comments(first: 5) { edges { node { body } } } } }`, map[string]any{"id": a.ID})
	time.Sleep(50 * time.Millisecond)
	api.MustAddComment(t, ann, a.ID, "hello")
	var out struct{ ArticleUpdated struct{ Title string } }
	c.Data("small", &out)
	require.Equal(t, "Watched", out.ArticleUpdated.Title)

	t.Run("ConfiguredLimit", func(t *testing.T) {
		cfg := apitest.Config()
		cfg.Limits.SubscriptionComplexity = 2
		small := apitest.NewWith(t, testenv.SQLite(t), cfg)
		srv := httptest.NewServer(small.Handler)
		defer srv.Close()
		b := small.MustCreateArticle(t, small.MustSignUp(t, "bob"), "Other")
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, map[string]any{"id": b.ID})
		c.RequireErrorMessage("1", "QUERY_TOO_COMPLEX", "limit of 2")
		c.Subscribe("2", `subscription($id: ID!) { commentDeleted(articleId: $id) }`, map[string]any{"id": b.ID})
		c.Subscribe("3", `{ viewer { username } articles(first: 5) { nodes { title } } }`, nil)
		require.Equal(t, map[string]string{"3": "ok"}, c.Outcomes("3"), "queries keep their own limit")
	})
}
