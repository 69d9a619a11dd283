package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

const changePasswordMutation = `mutation($p: String!) { updateViewer(input: {password: $p}) { token } }`

// changePassword gives u a new password through another request, which
// makes u's earlier tokens stop counting.
func (a *testAPI) changePassword(t *testing.T, u testUser) {
	t.Helper()
	resp := a.post(t, u.Token, changePasswordMutation, map[string]any{"p": "another-password"})
	require.Empty(t, resp.Errors)
	require.Contains(t, string(resp.Data), `"token":"`)
}

// untilClosed reads until the server closes the socket and returns what
// arrived before and the close code.
func (c *wsClient) untilClosed() ([]wsMessage, websocket.StatusCode) {
	c.t.Helper()
	var got []wsMessage
	for {
		m, err := c.read(5 * time.Second)
		if err != nil {
			return got, websocket.CloseStatus(err)
		}
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			c.send(wsMessage{Type: "pong"})
			continue
		}
		got = append(got, m)
	}
}

// requireNoData fails when any message delivered data containing s.
func requireNoData(t *testing.T, msgs []wsMessage, s string) {
	t.Helper()
	for _, m := range msgs {
		require.NotContains(t, string(m.Payload), s, "message %s %s", m.Type, m.Payload)
	}
}

// sseSubscribe opens an event stream of commentAdded on article with token.
func sseSubscribe(t *testing.T, srv *httptest.Server, token, article string) *http.Response {
	t.Helper()
	body := `{"query":"subscription($id: ID!) { commentAdded(articleId: $id) { body } }","variables":{"id":"` + article + `"}}`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp
}

// sseUntilEnd reads an event stream to its end (within the request's
// timeout) and returns its data lines; ended is false when it timed out.
func sseUntilEnd(resp *http.Response) (data []string, ended bool) {
	lines := bufio.NewScanner(resp.Body)
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data:") {
			data = append(data, lines.Text())
		}
	}
	return data, lines.Err() == nil
}

// A password change makes the token of an open stream stop counting: its
// next operation or event closes it instead of running or arriving.
func TestStreamRevokedToken(t *testing.T) {
	eachDB(t, func(t *testing.T, api *testAPI) {
		srv := httptest.NewServer(api.handler)
		defer srv.Close()
		ann := api.mustSignUp(t, "ann")
		a := api.mustCreateArticle(t, ann, "Watched")

		t.Run("OperationClosesWith4403", func(t *testing.T) {
			u := api.mustSignUp(t, "opuser")
			c := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			var v struct{ Viewer struct{ Username string } }
			c.subscribe("1", `{ viewer { username } }`, nil)
			c.data("1", &v)
			require.Equal(t, "opuser", v.Viewer.Username)
			api.changePassword(t, u)
			c.subscribe("2", `{ viewer { username } }`, nil)
			msgs, code := c.untilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "opuser")
		})
		t.Run("UpdateViewerMintsNoToken", func(t *testing.T) {
			u := api.mustSignUp(t, "minter")
			c := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			api.changePassword(t, u)
			c.subscribe("1", changePasswordMutation, map[string]any{"p": "stolen-password"})
			msgs, code := c.untilClosed()
			requireNoData(t, msgs, `"token":"`)
			require.Equal(t, websocket.StatusCode(4403), code)
			for _, m := range msgs {
				if m.ID == "1" {
					require.Contains(t, string(m.Payload), `"code":"UNAUTHENTICATED"`)
				}
			}
			// The stale socket changed nothing: the second password counts.
			resp := api.post(t, "", `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }`,
				map[string]any{"e": "minter@example.com", "p": "stolen-password"})
			require.NotEmpty(t, resp.Errors)
		})
		t.Run("EventClosesWith4403", func(t *testing.T) {
			u := api.mustSignUp(t, "evuser")
			c := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			c.subscribe("c", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond)
			api.changePassword(t, u)
			api.mustAddComment(t, ann, a.ID, "after revocation")
			msgs, code := c.untilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "after revocation")
		})
		t.Run("FeedEventClosesWith4403", func(t *testing.T) {
			u := api.mustSignUp(t, "feeduser")
			api.post(t, u.Token, followMutation, map[string]any{"id": ann.ID})
			c := mustDialWS(t, srv, protoTransportWS, map[string]any{"token": u.Token})
			c.subscribe("f", `subscription { feedArticleAdded { title } }`, nil)
			time.Sleep(50 * time.Millisecond)
			api.changePassword(t, u)
			api.mustCreateArticle(t, ann, "Unseen Article")
			msgs, code := c.untilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "Unseen Article")
		})
		t.Run("LegacyGetsConnectionError", func(t *testing.T) {
			u := api.mustSignUp(t, "legacy")
			c := mustDialWS(t, srv, protoLegacyWS, map[string]any{"authorization": "Bearer " + u.Token})
			api.changePassword(t, u)
			c.subscribe("1", `{ viewer { username } }`, nil)
			msgs, _ := c.untilClosed()
			requireNoData(t, msgs, `"username":"legacy"`)
			types := []string{}
			for _, m := range msgs {
				types = append(types, m.Type)
			}
			require.Contains(t, types, "connection_error")
		})
		t.Run("ServerSentEventsEnd", func(t *testing.T) {
			u := api.mustSignUp(t, "sseuser")
			resp := sseSubscribe(t, srv, u.Token, a.ID)
			time.Sleep(100 * time.Millisecond)
			api.changePassword(t, u)
			api.mustAddComment(t, ann, a.ID, "not over sse")
			data, ended := sseUntilEnd(resp)
			require.True(t, ended, "the stream ended")
			for _, d := range data {
				require.NotContains(t, d, "not over sse")
			}
		})
	})
}

// A token that expires while its socket is open ends the socket at its
// next operation or event.
func TestStreamExpiredToken(t *testing.T) {
	eachDSN(t, func(t *testing.T, dsn string) {
		cfg := testConfig()
		cfg.TokenTTL = 2 * time.Second
		api := newTestAPIWith(t, dsn, cfg)
		srv := httptest.NewServer(api.handler)
		defer srv.Close()
		ann, bob := api.mustSignUp(t, "ann"), api.mustSignUp(t, "bob")
		a := api.mustCreateArticle(t, ann, "Watched")

		op := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + bob.Token})
		ev := mustDialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer " + bob.Token})
		ev.subscribe("c", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
		legacy := mustDialWS(t, srv, protoLegacyWS, map[string]any{"authorization": "Bearer " + bob.Token})
		sse := sseSubscribe(t, srv, bob.Token, a.ID)
		var v struct{ Viewer struct{ Username string } }
		op.subscribe("1", `{ viewer { username } }`, nil)
		op.data("1", &v)
		require.Equal(t, "bob", v.Viewer.Username)

		time.Sleep(3100 * time.Millisecond) // past the expiry, which counts in whole seconds

		op.subscribe("2", `{ viewer { username } }`, nil)
		msgs, code := op.untilClosed()
		require.Equal(t, websocket.StatusCode(4403), code, "operation after expiry")
		requireNoData(t, msgs, `"username":"bob"`)

		legacy.subscribe("1", `{ viewer { username } }`, nil)
		msgs, _ = legacy.untilClosed()
		require.NotEmpty(t, msgs)
		require.Equal(t, "connection_error", msgs[len(msgs)-1].Type)

		carl := api.mustSignUp(t, "carl") // ann's token expired too
		api.mustAddComment(t, carl, a.ID, "after expiry")
		msgs, code = ev.untilClosed()
		require.Equal(t, websocket.StatusCode(4403), code, "event after expiry")
		requireNoData(t, msgs, "after expiry")
		data, ended := sseUntilEnd(sse)
		require.True(t, ended, "the event stream ended")
		for _, d := range data {
			require.NotContains(t, d, "after expiry")
		}
	})
}
