package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/testenv"
)

// wsClient speaks graphql-transport-ws or the legacy graphql-ws protocol.
type wsClient struct {
	t     *testing.T
	conn  *websocket.Conn
	proto string
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
)

// dialWS connects and sends connection_init; it returns the client and the
// first message (connection_ack when accepted), or the error that ended the
// connection instead.
func dialWS(t *testing.T, srv *httptest.Server, proto string, init map[string]any) (*wsClient, wsMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{proto}})
	require.NoError(t, err)
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: t, conn: conn, proto: proto}
	payload, _ := json.Marshal(init)
	c.send(wsMessage{Type: "connection_init", Payload: payload})
	m, err := c.read(5 * time.Second)
	return c, m, err
}

// mustDialWS connects and expects connection_ack.
func mustDialWS(t *testing.T, srv *httptest.Server, proto string, init map[string]any) *wsClient {
	t.Helper()
	c, ack, err := dialWS(t, srv, proto, init)
	require.NoError(t, err)
	require.Equal(t, "connection_ack", ack.Type)
	return c
}

// requireErrorCode expects the next message of operation id to report code.
func (c *wsClient) requireErrorCode(id, code string) {
	c.t.Helper()
	m := c.next()
	for m.Type == "complete" {
		m = c.next()
	}
	require.Equal(c.t, id, m.ID)
	// graphql-transport-ws reports a resolver's error in a result ("next")
	// and only request errors as "error"; both name the code.
	require.Contains(c.t, []string{"next", "error"}, m.Type)
	require.Contains(c.t, string(m.Payload), `"code":"`+code+`"`)
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	require.NoError(c.t, c.conn.Write(context.Background(), websocket.MessageText, b))
}

// subscribe starts an operation with id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	typ := "subscribe"
	if c.proto == protoLegacyWS {
		typ = "start"
	}
	c.send(wsMessage{Type: typ, ID: id, Payload: payload})
}

// next returns the next message that is not a keep-alive or ping.
func (c *wsClient) next() wsMessage {
	c.t.Helper()
	for {
		m, err := c.read(5 * time.Second)
		require.NoError(c.t, err)
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			c.send(wsMessage{Type: "pong"})
			continue
		}
		return m
	}
}

func (c *wsClient) read(timeout time.Duration) (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return wsMessage{}, err
	}
	var m wsMessage
	return m, json.Unmarshal(b, &m)
}

// data waits for the next result of operation id and decodes its data.
func (c *wsClient) data(id string, v any) {
	c.t.Helper()
	m := c.next()
	require.Contains(c.t, []string{"next", "data"}, m.Type, "message %s %s", m.Type, m.Payload)
	require.Equal(c.t, id, m.ID)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
	require.Empty(c.t, resp.Errors)
	require.NoError(c.t, json.Unmarshal(resp.Data, v))
}

func TestSubscriptions(t *testing.T) {
	api := newTestAPI(t, testenv.SQLite(t))
	srv := httptest.NewServer(api.handler)
	defer srv.Close()
	ann, bob := api.mustSignUp(t, "ann"), api.mustSignUp(t, "bob")
	a := api.mustCreateArticle(t, ann, "Live Article")

	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			c := mustDialWS(t, srv, proto, map[string]any{"authorization": "Bearer " + bob.Token})
			c.subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, map[string]any{"id": a.ID})
			c.subscribe("2", `subscription($id: ID!) { articleUpdated(id: $id) { favoritesCount viewerHasFavorited commentsCount } }`, map[string]any{"id": a.ID})
			c.subscribe("3", `subscription($id: ID!) { commentDeleted(articleId: $id) }`, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond) // let the subscriptions start before the writes

			api.post(t, bob.Token, favoriteMutation, map[string]any{"id": a.ID})
			var updated struct {
				ArticleUpdated struct {
					FavoritesCount     int
					ViewerHasFavorited bool
					CommentsCount      int
				}
			}
			c.data("2", &updated)
			require.Equal(t, 1, updated.ArticleUpdated.FavoritesCount)
			require.True(t, updated.ArticleUpdated.ViewerHasFavorited, "resolved as the subscriber's own viewer")

			commentID := api.mustAddComment(t, ann, a.ID, "hello "+proto)
			got := map[string]bool{}
			for range 2 {
				m := c.next()
				got[m.ID] = true
				if m.ID == "1" {
					require.Contains(t, string(m.Payload), `"body":"hello `+proto+`","author":{"username":"ann"}`)
				} else {
					require.Contains(t, string(m.Payload), `"commentsCount":1`)
				}
			}
			require.Equal(t, map[string]bool{"1": true, "2": true}, got)

			api.post(t, ann.Token, `mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId } }`, map[string]any{"id": commentID})
			got = map[string]bool{}
			for range 2 {
				m := c.next()
				got[m.ID] = true
				if m.ID == "3" {
					require.Contains(t, string(m.Payload), commentID)
				}
			}
			require.Equal(t, map[string]bool{"2": true, "3": true}, got)
			api.post(t, bob.Token, unfavoriteMutation, map[string]any{"id": a.ID})
			c.data("2", &updated)
			require.Equal(t, 0, updated.ArticleUpdated.FavoritesCount)
		})
	}

	t.Run("FeedArticleAdded", func(t *testing.T) {
		c := mustDialWS(t, srv, protoTransportWS, map[string]any{"token": bob.Token})
		c.subscribe("f", `subscription { feedArticleAdded { title author { username } } }`, nil)
		time.Sleep(50 * time.Millisecond)
		carl := api.mustSignUp(t, "carl")
		api.mustCreateArticle(t, carl, "Not Followed")
		api.post(t, bob.Token, followMutation, map[string]any{"id": ann.ID})
		api.mustCreateArticle(t, ann, "Followed")
		var out struct{ FeedArticleAdded struct{ Title string } }
		c.data("f", &out)
		require.Equal(t, "Followed", out.FeedArticleAdded.Title, "only followed authors' articles arrive")
	})
	t.Run("ErrFeedAnonymous", func(t *testing.T) {
		c := mustDialWS(t, srv, protoTransportWS, nil)
		c.subscribe("f", `subscription { feedArticleAdded { title } }`, nil)
		c.requireErrorCode("f", "UNAUTHENTICATED")
	})
	t.Run("ErrUnknownArticle", func(t *testing.T) {
		c := mustDialWS(t, srv, protoTransportWS, nil)
		c.subscribe("x", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": globalID("Article", 9999)})
		c.requireErrorCode("x", "NOT_FOUND")
		c.subscribe("y", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": "garbage"})
		c.requireErrorCode("y", "BAD_USER_INPUT")
	})
	t.Run("ErrBadTokenTransportWS", func(t *testing.T) {
		c, _, err := dialWS(t, srv, protoTransportWS, map[string]any{"authorization": "Bearer nonsense"})
		for err == nil {
			_, err = c.read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(4403), websocket.CloseStatus(err))
	})
	t.Run("ErrBadTokenLegacy", func(t *testing.T) {
		_, first, err := dialWS(t, srv, protoLegacyWS, map[string]any{"authorization": "Bearer nonsense"})
		require.NoError(t, err)
		require.Equal(t, "connection_error", first.Type)
	})
	t.Run("DeletedArticleCompletes", func(t *testing.T) {
		doomed := api.mustCreateArticle(t, ann, "Doomed")
		c := mustDialWS(t, srv, protoTransportWS, nil)
		c.subscribe("d", `subscription($id: ID!) { articleUpdated(id: $id) { title } }`, map[string]any{"id": doomed.ID})
		time.Sleep(50 * time.Millisecond)
		api.post(t, ann.Token, `mutation($id: ID!) { deleteArticle(input: {id: $id}) { deletedArticleId } }`, map[string]any{"id": doomed.ID})
		m := c.next()
		require.Equal(t, "complete", m.Type)
	})
	t.Run("ServerSentEvents", func(t *testing.T) {
		body := `{"query":"subscription($id: ID!) { commentAdded(articleId: $id) { body } }","variables":{"id":"` + a.ID + `"}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		go func() {
			time.Sleep(100 * time.Millisecond)
			api.mustAddComment(t, bob, a.ID, "over sse")
		}()
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data:") && strings.Contains(lines.Text(), "over sse") {
				return
			}
		}
		t.Fatal("no event arrived")
	})
	t.Run("ErrIDInUseClosesWith4409", func(t *testing.T) {
		c := mustDialWS(t, srv, protoTransportWS, nil)
		// An id is free again once the server completes its operation…
		var v struct{ Viewer *struct{ Username string } }
		for range 2 {
			c.subscribe("q", `{ viewer { username } }`, nil)
			c.data("q", &v)
			require.Equal(t, "complete", c.next().Type)
		}
		// …or the client does.
		sub := `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`
		c.subscribe("s", sub, map[string]any{"id": a.ID})
		c.send(wsMessage{Type: "complete", ID: "s"})
		c.subscribe("s", sub, map[string]any{"id": a.ID})
		c.subscribe("s", sub, map[string]any{"id": a.ID})
		_, err := c.read(5 * time.Second)
		for err == nil {
			_, err = c.read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(4409), websocket.CloseStatus(err), "%v", err)
		require.Contains(t, err.Error(), "Subscriber for s already exists")
	})
	t.Run("StopClosesWith1012", func(t *testing.T) {
		c := mustDialWS(t, srv, protoTransportWS, nil)
		c.subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
		time.Sleep(50 * time.Millisecond)
		close(api.stopping)
		_, err := c.read(5 * time.Second)
		for err == nil {
			_, err = c.read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(1012), websocket.CloseStatus(err), "clients are told to reconnect")
	})
}
