package apitest

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// WSClient speaks graphql-transport-ws or the legacy graphql-ws protocol.
type WSClient struct {
	t     *testing.T
	Conn  *websocket.Conn // the socket, for a test to close
	proto string
}

// WSMessage is one message of either protocol.
type WSMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// The websocket subprotocols that DialWS speaks.
const (
	ProtoTransportWS = "graphql-transport-ws"
	ProtoLegacyWS    = "graphql-ws"
)

// DialWS connects and sends connection_init; it returns the client and the
// first message (connection_ack when accepted), or the error that ended the
// connection instead.
func DialWS(t *testing.T, srv *httptest.Server, proto string, init map[string]any) (*WSClient, WSMessage, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{proto}})
	require.NoError(t, err)
	t.Cleanup(func() { conn.CloseNow() })
	c := &WSClient{t: t, Conn: conn, proto: proto}
	payload, _ := json.Marshal(init)
	c.Send(WSMessage{Type: "connection_init", Payload: payload})
	m, err := c.Read(5 * time.Second)
	return c, m, err
}

// MustDialWS connects and expects connection_ack.
func MustDialWS(t *testing.T, srv *httptest.Server, proto string, init map[string]any) *WSClient {
	t.Helper()
	c, ack, err := DialWS(t, srv, proto, init)
	require.NoError(t, err)
	require.Equal(t, "connection_ack", ack.Type)
	return c
}

// RequireErrorCode expects the next message of operation id to report code.
func (c *WSClient) RequireErrorCode(id, code string) {
	c.t.Helper()
	m := c.Next()
	for m.Type == "complete" {
		m = c.Next()
	}
	require.Equal(c.t, id, m.ID)
	// graphql-transport-ws reports a resolver's error in a result ("next")
	// and only request errors as "error"; both name the code.
	require.Contains(c.t, []string{"next", "error"}, m.Type)
	require.Contains(c.t, string(m.Payload), `"code":"`+code+`"`)
}

// Send writes m to the socket.
func (c *WSClient) Send(m WSMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	require.NoError(c.t, c.Conn.Write(context.Background(), websocket.MessageText, b))
}

// Subscribe starts an operation with id.
func (c *WSClient) Subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	typ := "subscribe"
	if c.proto == ProtoLegacyWS {
		typ = "start"
	}
	c.Send(WSMessage{Type: typ, ID: id, Payload: payload})
}

// Next returns the next message that is not a keep-alive or ping.
func (c *WSClient) Next() WSMessage {
	c.t.Helper()
	for {
		m, err := c.Read(5 * time.Second)
		require.NoError(c.t, err)
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			c.Send(WSMessage{Type: "pong"})
			continue
		}
		return m
	}
}

// Read returns the next message, or the error that ended the wait of
// timeout or the connection.
func (c *WSClient) Read(timeout time.Duration) (WSMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.Conn.Read(ctx)
	if err != nil {
		return WSMessage{}, err
	}
	var m WSMessage
	return m, json.Unmarshal(b, &m)
}

// Data waits for the next result of operation id and decodes its data.
func (c *WSClient) Data(id string, v any) {
	c.t.Helper()
	m := c.Next()
	require.Contains(c.t, []string{"next", "data"}, m.Type, "message %s %s", m.Type, m.Payload)
	require.Equal(c.t, id, m.ID)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []Error         `json:"errors"`
	}
	require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
	require.Empty(c.t, resp.Errors)
	require.NoError(c.t, json.Unmarshal(resp.Data, v))
}

// UntilClosed reads until the server closes the socket and returns what
// arrived before and the close code.
func (c *WSClient) UntilClosed() ([]WSMessage, websocket.StatusCode) {
	c.t.Helper()
	var got []WSMessage
	for {
		m, err := c.Read(5 * time.Second)
		if err != nil {
			return got, websocket.CloseStatus(err)
		}
		switch m.Type {
		case "ka", "pong":
			continue
		case "ping":
			c.Send(WSMessage{Type: "pong"})
			continue
		}
		got = append(got, m)
	}
}

// Outcomes reads until each of ids has its first result or error and
// returns, per id, "ok" or the error's code.
func (c *WSClient) Outcomes(ids ...string) map[string]string {
	c.t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	got := map[string]string{}
	for len(got) < len(want) {
		m := c.Next()
		if !want[m.ID] || got[m.ID] != "" {
			continue
		}
		switch m.Type {
		case "next", "data":
			var resp struct{ Errors []Error }
			require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
			got[m.ID] = "ok"
			if len(resp.Errors) > 0 {
				got[m.ID] = resp.Errors[0].Extensions.Code
			}
		case "error":
			var errs []Error
			require.NoError(c.t, json.Unmarshal(m.Payload, &errs), "%s", m.Payload)
			require.NotEmpty(c.t, errs)
			got[m.ID] = errs[0].Extensions.Code
		}
	}
	return got
}

// RequireRefused expects operation id to end with a protocol error message
// (not a result) with code and a message containing msg.
func (c *WSClient) RequireRefused(id, code, msg string) {
	c.t.Helper()
	m := c.Next()
	for m.Type == "complete" && m.ID != id {
		m = c.Next()
	}
	require.Equal(c.t, "error", m.Type, "%s", m.Payload)
	require.Equal(c.t, id, m.ID)
	var errs []Error
	require.NoError(c.t, json.Unmarshal(m.Payload, &errs))
	require.Len(c.t, errs, 1)
	require.Equal(c.t, code, errs[0].Extensions.Code)
	require.Contains(c.t, errs[0].Message, msg)
	if c.proto == ProtoLegacyWS {
		require.Equal(c.t, WSMessage{Type: "complete", ID: id}, c.Next())
	}
}

// RequireErrorMessage expects operation id to fail before it runs, with
// code and a message containing msg; gqlgen reports errors of validation
// as a result ("next") on graphql-transport-ws.
func (c *WSClient) RequireErrorMessage(id, code, msg string) {
	c.t.Helper()
	m := c.Next()
	require.Equal(c.t, id, m.ID)
	var errs []Error
	if m.Type == "error" {
		require.NoError(c.t, json.Unmarshal(m.Payload, &errs))
	} else {
		var resp struct{ Errors []Error }
		require.NoError(c.t, json.Unmarshal(m.Payload, &resp))
		errs = resp.Errors
	}
	require.NotEmpty(c.t, errs, "%s", m.Payload)
	require.Equal(c.t, code, errs[0].Extensions.Code)
	require.Contains(c.t, errs[0].Message, msg)
	require.Equal(c.t, WSMessage{Type: "complete", ID: id}, c.Next())
}
