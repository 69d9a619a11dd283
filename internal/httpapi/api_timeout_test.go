package httpapi_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

// TestBodyTimeout: a request body that trickles in is cut off after the
// body timeout; what comes after a body (event streams, websockets) is not.
func TestBodyTimeout(t *testing.T) {
	cfg := apitest.Config()
	cfg.Limits.BodyTimeout = time.Second
	api := apitest.NewWith(t, testenv.SQLite(t), cfg)
	srv := httptest.NewServer(api.Handler)
	defer srv.Close()
	ann := api.MustSignUp(t, "ann")
	a := api.MustCreateArticle(t, ann, "Slow readers")

	t.Run("ErrTrickledBody", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "POST /graphql HTTP/1.1\r\nHost: conduit\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		require.NoError(t, err)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
					if _, err := io.WriteString(conn, " "); err != nil {
						return
					}
				}
			}
		}()
		start := time.Now()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "the server answers instead of waiting for the rest")
		body, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusRequestTimeout, resp.StatusCode, "%s", body)
		require.Contains(t, string(body), "did not arrive within 1s")
		require.Less(t, time.Since(start), 5*time.Second)
	})
	t.Run("EventStreamOutlivesTimeout", func(t *testing.T) {
		body := `{"query":"subscription($id: ID!) { commentAdded(articleId: $id) { body } }","variables":{"id":"` + a.ID + `"}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		go func() {
			time.Sleep(2 * time.Second) // twice the body timeout
			api.MustAddComment(t, ann, a.ID, "still streaming")
		}()
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if strings.HasPrefix(lines.Text(), "data:") && strings.Contains(lines.Text(), "still streaming") {
				return
			}
		}
		t.Fatalf("the stream ended without the event: %v", lines.Err())
	})
	t.Run("WebsocketOutlivesTimeout", func(t *testing.T) {
		c := apitest.MustDialWS(t, srv, apitest.ProtoTransportWS, nil)
		c.Subscribe("1", `subscription($id: ID!) { commentAdded(articleId: $id) { body } }`, map[string]any{"id": a.ID})
		time.Sleep(2 * time.Second)
		api.MustAddComment(t, ann, a.ID, "still open")
		var got struct{ CommentAdded struct{ Body string } }
		c.Data("1", &got)
		require.Equal(t, "still open", got.CommentAdded.Body)
	})
}
