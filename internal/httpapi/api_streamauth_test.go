package httpapi_test

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

	"github.com/conduit-graphql/conduit/internal/apitest"
)

const changePasswordMutation = `mutation($p: String!) { updateViewer(input: {password: $p}) { token } }`

// changePassword gives u a new password through another request, which
// makes u's earlier tokens stop counting.
func changePassword(t *testing.T, a *apitest.API, u apitest.User) {
	t.Helper()
	resp := a.Post(t, u.Token, changePasswordMutation, map[string]any{"p": "another-password"})
	require.Empty(t, resp.Errors)
	require.Contains(t, string(resp.Data), `"token":"`)
}

// requireNoData fails when any message delivered data containing s.
func requireNoData(t *testing.T, msgs []apitest.WSMessage, s string) {
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
	apitest.EachDB(t, func(t *testing.T, api *apitest.API) {
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		ann := api.MustSignUp(t, "ann")
		a := api.MustCreateArticle(t, ann, "Watched")

		t.Run("OperationClosesWith4403", func(t *testing.T) {
			u := api.MustSignUp(t, "opuser")
			c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			var v struct{ Viewer struct{ Username string } }
			c.Subscribe("1", `{ viewer { username } }`, nil)
			c.Data("1", &v)
			require.Equal(t, "opuser", v.Viewer.Username)
			changePassword(t, api, u)
			c.Subscribe("2", `{ viewer { username } }`, nil)
			msgs, code := c.UntilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "opuser")
		})
		t.Run("UpdateViewerMintsNoToken", func(t *testing.T) {
			u := api.MustSignUp(t, "minter")
			c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			changePassword(t, api, u)
			c.Subscribe("1", changePasswordMutation, map[string]any{"p": "stolen-password"})
			msgs, code := c.UntilClosed()
			requireNoData(t, msgs, `"token":"`)
			require.Equal(t, websocket.StatusCode(4403), code)
			for _, m := range msgs {
				if m.ID == "1" {
					require.Contains(t, string(m.Payload), `"code":"UNAUTHENTICATED"`)
				}
			}
			// The stale socket changed nothing: the second password counts.
			resp := api.Post(t, "", `mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }`,
				map[string]any{"e": "minter@example.com", "p": "stolen-password"})
			require.NotEmpty(t, resp.Errors)
		})
		t.Run("EventClosesWith4403", func(t *testing.T) {
			u := api.MustSignUp(t, "evuser")
			c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + u.Token})
			c.Subscribe("c", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond)
			changePassword(t, api, u)
			api.MustAddComment(t, ann, a.ID, "after revocation")
			msgs, code := c.UntilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "after revocation")
		})
		t.Run("FeedEventClosesWith4403", func(t *testing.T) {
			u := api.MustSignUp(t, "feeduser")
			api.Post(t, u.Token, apitest.FollowMutation, map[string]any{"id": ann.ID})
			c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"token": u.Token})
			c.Subscribe("f", `subscription { feedArticleAdded { title } }`, nil)
			time.Sleep(50 * time.Millisecond)
			changePassword(t, api, u)
			api.MustCreateArticle(t, ann, "Unseen Article")
			msgs, code := c.UntilClosed()
			require.Equal(t, websocket.StatusCode(4403), code)
			requireNoData(t, msgs, "Unseen Article")
		})
		t.Run("LegacyGetsConnectionError", func(t *testing.T) {
			u := api.MustSignUp(t, "legacy")
			c := apitest.MustDialWS(t, srv, apitest.ProtoLegacyWS, map[string]any{"authorization": "Bearer " + u.Token})
			changePassword(t, api, u)
			c.Subscribe("1", `{ viewer { username } }`, nil)
			msgs, _ := c.UntilClosed()
			requireNoData(t, msgs, `"username":"legacy"`)
			types := []string{}
			for _, m := range msgs {
				types = append(types, m.Type)
			}
			require.Contains(t, types, "connection_error")
		})
		t.Run("ServerSentEventsEnd", func(t *testing.T) {
			u := api.MustSignUp(t, "sseuser")
			resp := sseSubscribe(t, srv, u.Token, a.ID)
			time.Sleep(100 * time.Millisecond)
			changePassword(t, api, u)
			api.MustAddComment(t, ann, a.ID, "not over sse")
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
	apitest.EachDSN(t, func(t *testing.T, dsn string) {
		cfg := apitest.Config()
		cfg.TokenTTL = 2 * time.Second
		api := apitest.NewWith(t, dsn, cfg)
		srv := httptest.NewServer(api.Handler)
		defer srv.Close()
		ann, bob := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob")
		a := api.MustCreateArticle(t, ann, "Watched")

		op := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + bob.Token})
		ev := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer " + bob.Token})
		ev.Subscribe("c", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
		legacy := apitest.MustDialWS(t, srv, apitest.ProtoLegacyWS, map[string]any{"authorization": "Bearer " + bob.Token})
		sse := sseSubscribe(t, srv, bob.Token, a.ID)
		var v struct{ Viewer struct{ Username string } }
		op.Subscribe("1", `{ viewer { username } }`, nil)
		op.Data("1", &v)
		require.Equal(t, "bob", v.Viewer.Username)

		time.Sleep(3100 * time.Millisecond) // past the expiry, which counts in whole seconds

		op.Subscribe("2", `{ viewer { username } }`, nil)
		msgs, code := op.UntilClosed()
		require.Equal(t, websocket.StatusCode(4403), code, "operation after expiry")
		requireNoData(t, msgs, `"username":"bob"`)

		legacy.Subscribe("1", `{ viewer { username } }`, nil)
		msgs, _ = legacy.UntilClosed()
		require.NotEmpty(t, msgs)
		require.Equal(t, "connection_error", msgs[len(msgs)-1].Type)

		carl := api.MustSignUp(t, "carl") // ann's token expired too
		api.MustAddComment(t, carl, a.ID, "after expiry")
		msgs, code = ev.UntilClosed()
		require.Equal(t, websocket.StatusCode(4403), code, "event after expiry")
		requireNoData(t, msgs, "after expiry")
		data, ended := sseUntilEnd(sse)
		require.True(t, ended, "the event stream ended")
		for _, d := range data {
			require.NotContains(t, d, "after expiry")
		}
	})
}
