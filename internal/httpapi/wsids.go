package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"sync"
	"time"

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

// operationConn checks each operation a client starts on a websocket
// before gqlgen sees it, on both subprotocols:
//
//   - it counts against the client's request rate (allow), and one over
//     the rate gets an error with code RATE_LIMITED;
//   - at most maxOps operations are in progress at once, and one more gets
//     an error with code RATE_LIMITED;
//   - an operation id is used once at a time, as graphql-transport-ws
//     says: a subscribe with an id in use closes the socket with 4409
//     there, and gets an error on the legacy protocol. gqlgen would
//     silently start a second operation under the same id, and the client
//     could no longer tell their results apart or stop the first one.
//
// A refused operation never starts, and the socket stays open. An id is in
// use from the client's subscribe (start) until either side completes it
// (stop) or the server reports its error.
type operationConn struct {
	*stoppingConn
	legacy bool
	maxOps int // 0: no cap
	// allow takes one operation from the client's rate, or says how long
	// until one is free; nil allows all.
	allow func() (bool, time.Duration)

	mu     sync.Mutex
	active map[string]bool
}

// NextReader reads the next message and checks it before gqlgen sees it;
// a refused operation is answered here and the next message read.
func (c *operationConn) NextReader() (int, io.Reader, error) {
	for {
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
		if json.Unmarshal(data, &m) != nil || m.ID == "" {
			return typ, bytes.NewReader(data), nil
		}
		switch m.Type {
		case "subscribe", "start":
			refused, err := c.start(m.ID)
			if err != nil {
				return typ, nil, err
			}
			if refused {
				continue
			}
		case "complete", "stop":
			c.mu.Lock()
			delete(c.active, m.ID)
			c.mu.Unlock()
		}
		return typ, bytes.NewReader(data), nil
	}
}

// start checks an operation the client starts with id and marks the id in
// use; refused says it was answered with an error instead.
func (c *operationConn) start(id string) (refused bool, err error) {
	c.mu.Lock()
	inUse, n := c.active[id], len(c.active)
	c.mu.Unlock()
	if inUse && !c.legacy {
		_ = c.stoppingConn.WriteClose(CloseSubscriberExists, truncate("Subscriber for "+id+" already exists", 123))
		return true, errSubscriberExists
	}
	if inUse {
		return true, c.refuse(id, codeValidationFailed, "Operation id "+strconv.Quote(id)+" is already in use; stop it or use another id.")
	}
	if c.allow != nil {
		if ok, wait := c.allow(); !ok {
			return true, c.refuse(id, CodeRateLimited, "Too many operations; try again in "+strconv.Itoa(retrySeconds(wait))+" s.")
		}
	}
	if c.maxOps > 0 && n >= c.maxOps {
		return true, c.refuse(id, CodeRateLimited, "This socket already has "+strconv.Itoa(c.maxOps)+
			" operations in progress, the most it may have; complete one before starting another.")
	}
	c.mu.Lock()
	c.active[id] = true
	c.mu.Unlock()
	return false, nil
}

// refuse answers operation id with an error: graphql-transport-ws's error
// message ends the operation; the legacy protocol's is followed by
// complete, as gqlgen does for errors before execution.
func (c *operationConn) refuse(id, code, msg string) error {
	errs := []any{map[string]any{"message": msg, "extensions": map[string]string{"code": code}}}
	if err := c.stoppingConn.WriteJSON(map[string]any{"type": "error", "id": id, "payload": errs}); err != nil {
		return err
	}
	if c.legacy {
		return c.stoppingConn.WriteJSON(map[string]any{"type": "complete", "id": id})
	}
	return nil
}

// WriteJSON frees an operation's id when the server completes it or
// reports its error, before the client can learn of it.
func (c *operationConn) WriteJSON(v any) error {
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

var _ transport.WebsocketConn = (*operationConn)(nil)
