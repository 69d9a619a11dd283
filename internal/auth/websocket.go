package auth

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/conduit-graphql/conduit/internal/conduit"
)

// CloseForbidden is the websocket close code for a refused credential, as
// graphql-transport-ws defines it.
const CloseForbidden = 4403

// WebsocketInit reads the credential of a websocket connection from its
// connection_init payload: {"authorization": "Bearer <token>"}, or the keys
// "Authorization" or "token". Without one the connection keeps the viewer of
// its upgrade request (an Authorization header), if any. A refused token
// ends the connection: connection_error and close code 4403.
func (a *Authenticator) WebsocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	var credential string
	for _, key := range []string{"authorization", "Authorization", "token"} {
		if s, ok := payload[key].(string); ok && s != "" {
			credential = s
			break
		}
	}
	if credential == "" {
		return ctx, nil, nil
	}
	authCtx, err := a.Context(ctx, credential)
	if err != nil {
		ctx = transport.WithWebsocketCloseCode(ctx, CloseForbidden)
		ctx = transport.AppendCloseReason(ctx, "Forbidden")
		if conduit.ErrorCode(err) != conduit.EUNAUTHENTICATED {
			return ctx, nil, errors.New("the credential could not be checked; try again")
		}
		return ctx, nil, errors.New(conduit.ErrorMessage(err))
	}
	return authCtx, nil, nil
}
