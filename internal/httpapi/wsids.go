package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// CloseSubscriberExists is the close code of a graphql-transport-ws socket
// whose client starts an operation with an id that is still in use.
const CloseSubscriberExists = 4409

const protoTransportWS = "graphql-transport-ws"

// errTokenGone is the connection_error of a legacy socket whose token no
// longer counts.
const errTokenGone = "The token is invalid or expired; sign in again."

// errSubscriberExists ends the read loop of a socket closed with 4409.
var errSubscriberExists = errors.New("subscribe with an id already in use")

// uniqueIDConn enforces what graphql-transport-ws says of operation ids: a
// subscribe with an id that is in use closes the socket with 4409. gqlgen
// would silently start a second operation under the same id, and the
// client could no longer tell their results apart or stop the first one.
// An id is in use from the client's subscribe until either side completes
// it (or the server reports its error).
type uniqueIDConn struct {
	*stoppingConn
	mu     sync.Mutex
	active map[string]bool
}

// NextReader reads the next message and checks its id before gqlgen sees it.
func (c *uniqueIDConn) NextReader() (int, io.Reader, error) {
	typ, r, err := c.stoppingConn.NextReader()
	if err != nil {
		return typ, r, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return typ, nil, err
	}
	var m struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(data, &m) == nil && m.ID != "" {
		c.mu.Lock()
		dup := m.Type == "subscribe" && c.active[m.ID]
		switch m.Type {
		case "subscribe":
			c.active[m.ID] = true
		case "complete":
			delete(c.active, m.ID)
		}
		c.mu.Unlock()
		if dup {
			_ = c.stoppingConn.WriteClose(CloseSubscriberExists, truncate("Subscriber for "+m.ID+" already exists", 123))
			return typ, nil, errSubscriberExists
		}
	}
	return typ, bytes.NewReader(data), nil
}

// WriteJSON frees an operation's id when the server completes it or
// reports its error, before the client can learn of it.
func (c *uniqueIDConn) WriteJSON(v any) error {
	if id, typ := messageIDType(v); id != "" && (typ == "complete" || typ == "error") {
		c.mu.Lock()
		delete(c.active, id)
		c.mu.Unlock()
	}
	return c.stoppingConn.WriteJSON(v)
}

// messageIDType reads the ID and Type fields of the message gqlgen writes
// (its own unexported struct, so by reflection rather than by marshaling
// each message twice).
func messageIDType(v any) (id, typ string) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return "", ""
	}
	if f := rv.FieldByName("ID"); f.IsValid() && f.Kind() == reflect.String {
		id = f.String()
	}
	if f := rv.FieldByName("Type"); f.IsValid() && f.Kind() == reflect.String {
		typ = f.String()
	}
	return id, typ
}

// truncate cuts s to n bytes: a close frame's reason is at most 123.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var _ transport.WebsocketConn = (*uniqueIDConn)(nil)
