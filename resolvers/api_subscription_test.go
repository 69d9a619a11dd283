package resolvers_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestSubscriptions(t *testing.T) {
	api := apitest.New(t, testenv.SQLite(t))
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	ann, bob := api.MustSignUp(t, "ann"), api.MustSignUp(t, "bob")
	a := api.MustCreateArticle(t, ann, "Live Article")

	for _, proto := range []string{apitest.ProtoTransportWS, apitest.ProtoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			c := apitest.MustDialWS(t, srv, proto, map[string]any{"authorization": "Bearer " + bob.Token})
			c.Subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body author { username } } }`, map[string]any{"id": a.ID})
			c.Subscribe("2", `subscription($id: ID!) { articleUpdated(id: $id) { favoritesCount viewerHasFavorited commentsCount } }`, map[string]any{"id": a.ID})
			c.Subscribe("3", `subscription($id: ID!) { commentDeleted(articleId: $id) }`, map[string]any{"id": a.ID})
			time.Sleep(50 * time.Millisecond) // let the subscriptions start before the writes

			api.Post(t, bob.Token, favoriteMutation, map[string]any{"id": a.ID})
			var updated struct {
				ArticleUpdated struct {
					FavoritesCount     int
					ViewerHasFavorited bool
					CommentsCount      int
				}
			}
			c.Data("2", &updated)
			require.Equal(t, 1, updated.ArticleUpdated.FavoritesCount)
			require.True(t, updated.ArticleUpdated.ViewerHasFavorited, "resolved as the subscriber's own viewer")

			commentID := api.MustAddComment(t, ann, a.ID, "hello "+proto)
			got := map[string]bool{}
			for range 2 {
				m := c.Next()
				got[m.ID] = true
				if m.ID == "1" {
					require.Contains(t, string(m.Payload), `"body":"hello `+proto+`","author":{"username":"ann"}`)
				} else {
					require.Contains(t, string(m.Payload), `"commentsCount":1`)
				}
			}
			require.Equal(t, map[string]bool{"1": true, "2": true}, got)

			api.Post(t, ann.Token, `mutation($id: ID!) { deleteComment(input: {id: $id}) { deletedCommentId } }`, map[string]any{"id": commentID})
			got = map[string]bool{}
			for range 2 {
				m := c.Next()
				got[m.ID] = true
				if m.ID == "3" {
					require.Contains(t, string(m.Payload), commentID)
				}
			}
			require.Equal(t, map[string]bool{"2": true, "3": true}, got)
			api.Post(t, bob.Token, unfavoriteMutation, map[string]any{"id": a.ID})
			c.Data("2", &updated)
			require.Equal(t, 0, updated.ArticleUpdated.FavoritesCount)
		})
	}

	t.Run("FeedArticleAdded", func(t *testing.T) {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"token": bob.Token})
		c.Subscribe("f", `subscription { feedArticleAdded { title author { username } } }`, nil)
		time.Sleep(50 * time.Millisecond)
		carl := api.MustSignUp(t, "carl")
		api.MustCreateArticle(t, carl, "Not Followed")
		api.Post(t, bob.Token, apitest.FollowMutation, map[string]any{"id": ann.ID})
		api.MustCreateArticle(t, ann, "Followed")
		var out struct{ FeedArticleAdded struct{ Title string } }
		c.Data("f", &out)
		require.Equal(t, "Followed", out.FeedArticleAdded.Title, "only followed authors' articles arrive")
	})
	t.Run("ErrFeedAnonymous", func(t *testing.T) {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("f", `subscription { feedArticleAdded { title } }`, nil)
		c.RequireErrorCode("f", "UNAUTHENTICATED")
	})
	t.Run("ErrUnknownArticle", func(t *testing.T) {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("x", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": apitest.GlobalID("Article", 9999)})
		c.RequireErrorCode("x", "NOT_FOUND")
		c.Subscribe("y", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": "garbage"})
		c.RequireErrorCode("y", "BAD_USER_INPUT")
	})
	t.Run("ErrBadTokenTransportWS", func(t *testing.T) {
		c, _, err := apitest.DialWS(t, srv, apitest.ProtoTransportWS, map[string]any{"authorization": "Bearer nonsense"})
		for err == nil {
			_, err = c.Read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(4403), websocket.CloseStatus(err))
	})
	t.Run("ErrBadTokenLegacy", func(t *testing.T) {
		_, first, err := apitest.DialWS(t, srv, apitest.ProtoLegacyWS, map[string]any{"authorization": "Bearer nonsense"})
		require.NoError(t, err)
		require.Equal(t, "connection_error", first.Type)
	})
	t.Run("DeletedArticleCompletes", func(t *testing.T) {
		doomed := api.MustCreateArticle(t, ann, "Doomed")
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("d", `subscription($id: ID!) { articleUpdated(id: $id) { title } }`, map[string]any{"id": doomed.ID})
		time.Sleep(50 * time.Millisecond)
		api.Post(t, ann.Token, `mutation($id: ID!) { deleteArticle(input: {id: $id}) { deletedArticleId } }`, map[string]any{"id": doomed.ID})
		m := c.Next()
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
			api.MustAddComment(t, bob, a.ID, "over sse")
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
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		// An id is free again once the server completes its operation…
		var v struct{ Viewer *struct{ Username string } }
		for range 2 {
			c.Subscribe("q", `{ viewer { username } }`, nil)
			c.Data("q", &v)
			require.Equal(t, "complete", c.Next().Type)
		}
		// …or the client does.
		sub := `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`
		c.Subscribe("s", sub, map[string]any{"id": a.ID})
		c.Send(apitest.WSMessage{Type: "complete", ID: "s"})
		c.Subscribe("s", sub, map[string]any{"id": a.ID})
		c.Subscribe("s", sub, map[string]any{"id": a.ID})
		_, err := c.Read(5 * time.Second)
		for err == nil {
			_, err = c.Read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(4409), websocket.CloseStatus(err), "%v", err)
		require.Contains(t, err.Error(), "Subscriber for s already exists")
	})
	t.Run("StopClosesWith1012", func(t *testing.T) {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
		time.Sleep(50 * time.Millisecond)
		close(api.Stopping)
		_, err := c.Read(5 * time.Second)
		for err == nil {
			_, err = c.Read(5 * time.Second)
		}
		require.Equal(t, websocket.StatusCode(1012), websocket.CloseStatus(err), "clients are told to reconnect")
	})
}
