package httpapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport serves GraphQL over HTTP as the GraphQL-over-HTTP spec
// says: POST with a JSON body, GET with URL parameters (queries only),
// answers in application/graphql-response+json when the client accepts it,
// with 400 for requests that never reach execution, and in application/json
// (always 200) for older clients. A GET query that every anonymous client
// gets the same answer to is answered for caches (see writePublicResponse).
//
// A subscription sent by a client that accepts an event stream, though it
// prefers JSON (urql lists text/event-stream last), is handed to stream.
type httpTransport struct {
	stream   streamTransport
	stopping <-chan struct{}
	// cacheControl is the Cache-Control of public GET answers; "" leaves
	// GET answers without Cache-Control or ETag.
	cacheControl string
}

var _ graphql.Transport = httpTransport{}

// Supports takes plain GET and POST requests; websockets, and POSTs whose
// client prefers an event stream, go to their own transports.
func (httpTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		return !parseAccept(r.Header.Get("Accept")).prefersStream()
	}
	return false
}

// Do runs one operation.
func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	accept := parseAccept(r.Header.Get("Accept"))
	media := accept.json
	if media == "" {
		media = mediaJSON
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	params, msg := readParams(r)
	if msg != "" {
		writeRequestError(w, http.StatusBadRequest, gqlerror.List{requestError(codeParseFailed, msg)})
		return
	}
	params.ReadTime.End = graphql.Now()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if opCtx != nil && opCtx.Operation != nil && opCtx.Operation.Name != "" {
		noteOperation(w, opCtx.Operation.Name)
	}
	if errs != nil {
		status := http.StatusOK
		if media == mediaGraphQLResponse && !isPersistedQueryMiss(errs) {
			status = http.StatusBadRequest
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeRequestError(w, status, resp.Errors)
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		// A GET may be cached or prefetched; it must never change anything.
		w.Header().Set("Allow", http.MethodPost)
		writeRequestError(w, http.StatusMethodNotAllowed, gqlerror.List{
			requestError(codeValidationFailed, "Only queries may be sent with GET; send "+string(opCtx.Operation.Operation)+"s with POST."),
		})
		return
	}
	if opCtx.Operation.Operation == ast.Subscription && accept.acceptsStream() {
		if body, ok := r.Body.(*bufferedBody); ok {
			// The stream reads the operation again, from the start.
			_, _ = body.Seek(0, io.SeekStart)
			w.Header().Del("Content-Type")
			r, cancel := streamRequest(r, t.stopping)
			defer cancel()
			t.stream.Do(w, r, exec)
			return
		}
	}
	if opCtx.Operation.Operation == ast.Subscription {
		// It would answer with its first event, whenever that comes.
		writeRequestError(w, http.StatusBadRequest, gqlerror.List{
			requestError(codeValidationFailed, "Subscriptions need a stream: send them with Accept: text/event-stream, or over a websocket."),
		})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	if r.Method == http.MethodGet && t.cacheControl != "" {
		if isPublic(r, opCtx.Operation) {
			writePublicResponse(w, r, t.cacheControl, responses(ctx))
			return
		}
		w.Header().Set("Cache-Control", cacheControlPrivate)
	}
	writeResponse(w, http.StatusOK, responses(ctx))
}

// isPersistedQueryMiss reports an APQ hash the server does not know yet: a
// normal step of the protocol (the client then sends the document), not a
// bad request, so it is answered with 200.
func isPersistedQueryMiss(errs gqlerror.List) bool {
	return len(errs) == 1 && errs[0].Extensions["code"] == "PERSISTED_QUERY_NOT_FOUND"
}

// readParams reads the operation from a POST body or GET URL; msg says
// what is wrong with a malformed request.
func readParams(r *http.Request) (params *graphql.RawParams, msg string) {
	params = &graphql.RawParams{Headers: r.Header}
	params.ReadTime.Start = graphql.Now()
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		params.Query, params.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" && decodeJSON(strings.NewReader(v), &params.Variables) != nil {
			return nil, "The variables parameter must be a JSON object."
		}
		if v := q.Get("extensions"); v != "" && decodeJSON(strings.NewReader(v), &params.Extensions) != nil {
			return nil, "The extensions parameter must be a JSON object."
		}
		setDocumentID(params, cmp.Or(q.Get("documentId"), q.Get("doc_id")))
	} else {
		// Decode into the body's own shape, so a "headers" key in the body
		// cannot replace the real request headers that RawParams carries.
		var body struct {
			Query         string         `json:"query"`
			OperationName string         `json:"operationName"`
			Variables     map[string]any `json:"variables"`
			Extensions    map[string]any `json:"extensions"`
			DocumentID    string         `json:"documentId"`
			DocID         string         `json:"doc_id"` // Relay's persisted queries
		}
		if err := decodeJSON(r.Body, &body); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Value == "array" && typeErr.Field == "" {
				return nil, msgNoBatching
			}
			return nil, "The request body must be a JSON object with a string \"query\": " + err.Error() + "."
		}
		params.Query, params.OperationName, params.Variables, params.Extensions = body.Query, body.OperationName, body.Variables, body.Extensions
		setDocumentID(params, cmp.Or(body.DocumentID, body.DocID))
	}
	if params.Query == "" && params.Extensions["persistedQuery"] == nil && params.Extensions["documentId"] == nil {
		return nil, "The request has no query."
	}
	return params, ""
}

// msgNoBatching answers a batch: a JSON array of operations.
const msgNoBatching = "Batching (a JSON array of operations) is not supported: send each operation in a request of its own."

// setDocumentID moves a persisted document's id, sent as a top-level
// parameter by newer clients, to where the trusted-documents check reads it.
func setDocumentID(p *graphql.RawParams, id string) {
	if id == "" {
		return
	}
	if p.Extensions == nil {
		p.Extensions = map[string]any{}
	}
	p.Extensions["documentId"] = id
}

// decodeJSON reads exactly one JSON value; numbers stay exact.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailingData
	}
	return nil
}

type jsonError string

// Error returns the message.
func (e jsonError) Error() string { return string(e) }

const errTrailingData = jsonError("unexpected data after the JSON value")

// Codes of errors about the request itself.
const (
	codeParseFailed      = "GRAPHQL_PARSE_FAILED"
	codeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
)

// requestError is an error about the HTTP request itself.
func requestError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

var dataPrefix, dataSuffix = []byte(`{"data":`), []byte(`}`)

// writeRequestError answers a request that never ran: by the spec its body
// has no "data" key at all.
func writeRequestError(w http.ResponseWriter, status int, errs gqlerror.List) {
	b, err := json.Marshal(struct {
		Errors gqlerror.List `json:"errors"`
	}{errs})
	if err != nil {
		writeResponse(w, http.StatusInternalServerError, nil)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeResponse writes a response. One with data alone, the common case,
// is written as it is: its data is JSON that gqlgen wrote, and marshalling
// the whole response again would only copy and re-check it.
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	if resp != nil && len(resp.Errors) == 0 && resp.Label == "" && resp.Path == nil && resp.HasNext == nil && len(resp.Extensions) == 0 && len(resp.Data) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(dataPrefix)+len(resp.Data)+1))
		w.WriteHeader(status)
		_, _ = w.Write(dataPrefix)
		_, _ = w.Write(resp.Data)
		_, _ = w.Write(dataSuffix)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"Internal server error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
