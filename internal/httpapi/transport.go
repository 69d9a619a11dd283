package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/conduit-graphql/conduit/internal/metrics"
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
	stream streamTransport
	// streams caps the streams per client; a subscription handed to
	// stream counts as one.
	streams  *streamCap
	stopping <-chan struct{}
	// cacheControl is the Cache-Control of public GET answers; "" leaves
	// GET answers without Cache-Control or ETag.
	cacheControl string
}

var _ graphql.Transport = httpTransport{}

// Supports takes plain GET and POST requests; websockets and event
// streams (streamOf) go to their own transports.
func (httpTransport) Supports(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) && streamOf(r) == notStream
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
			release, ok := t.streams.open(r)
			if !ok {
				t.streams.refuse(w)
				return
			}
			defer release()
			metrics.MarkStream(w, metrics.StreamSSE)
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
		if v := q.Get("variables"); v != "" {
			if err := decodeJSON(strings.NewReader(v), &params.Variables); err != nil {
				return nil, jsonProblem("The variables parameter", err)
			}
		}
		if v := q.Get("extensions"); v != "" {
			if err := decodeJSON(strings.NewReader(v), &params.Extensions); err != nil {
				return nil, jsonProblem("The extensions parameter", err)
			}
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
			if je, ok := err.(*jsonError); ok && je.topLevel == "array" {
				return nil, msgNoBatching
			}
			return nil, jsonProblem("The request body", err)
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

// decodeJSON reads exactly one JSON value; numbers stay exact. Its errors
// are a *jsonError, whose message is in the client's terms.
func decodeJSON(r io.Reader, v any) error {
	cr := &countingReader{r: r}
	dec := json.NewDecoder(cr)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, cr.n)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return &jsonError{msg: "has more after its JSON value, which ends at byte " + itoa(end)}
	}
	return nil
}

// countingReader counts the bytes read: where a truncated value ended.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// jsonError says what is wrong with a JSON value without Go's type names:
// as a predicate of the value ("is not valid JSON: …"), or, for a key that
// holds the wrong kind of value, as a sentence about the key.
type jsonError struct {
	field    string // the key, when the error is about one
	topLevel string // the kind of value sent instead of an object ("array")
	msg      string
}

// Error returns the message.
func (e *jsonError) Error() string {
	if e.field != "" {
		return strconv.Quote(e.field) + " " + e.msg
	}
	return e.msg
}

// jsonProblem is the message for what, whose JSON failed with err.
func jsonProblem(what string, err error) string {
	if je, ok := err.(*jsonError); ok && je.field != "" {
		return je.Error() + "."
	}
	return what + " " + err.Error() + "."
}

// describeJSONError turns encoding/json's error into the client's terms:
// where the text stops being JSON, or which key holds the wrong kind of
// value. read is how many bytes the decoder read.
func describeJSONError(err error, read int64) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return &jsonError{msg: "is empty"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &jsonError{msg: "is not valid JSON: unexpected end at byte " + itoa(read)}
	case errors.As(err, &syntax):
		return &jsonError{msg: "is not valid JSON: " + syntax.Error() + " at byte " + itoa(syntax.Offset)}
	case errors.As(err, &typ):
		want := "an object"
		if typ.Type != nil && typ.Type.Kind() == reflect.String {
			want = "a string"
		}
		if typ.Field == "" {
			return &jsonError{topLevel: typ.Value, msg: "must be a JSON object, not " + jsonKind(typ.Value)}
		}
		return &jsonError{field: typ.Field, msg: "must be " + want + ", not " + jsonKind(typ.Value)}
	}
	return &jsonError{msg: "is not valid JSON"}
}

// jsonKind names the kind of JSON value that encoding/json calls value
// ("number", "number 1.5", "bool", "array", …), with its article.
func jsonKind(value string) string {
	switch kind, _, _ := strings.Cut(value, " "); kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	case "number", "string":
		return "a " + kind
	}
	return "another kind of value"
}

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

// kindNames are what the variable checks of gqlparser call the kinds of
// the values they refuse (Go's reflect kinds), in JSON's terms.
var kindNames = map[string]string{
	"string": "a string", "bool": "a boolean", "slice": "a list", "array": "a list", "map": "an object",
	"float64": "a number", "float32": "a number", "int": "a number", "int32": "a number", "int64": "a number",
}

var (
	cannotUseRE  = regexp.MustCompile(`^cannot use (\w+) as (\w+)$`)
	outOfRangeRE = regexp.MustCompile(`^cannot use value \S+ as (\w+)$`)
	mustBeRE     = regexp.MustCompile(`^must be a (\w+), not a (\w+)$`)
)

// withClientTerms rewrites the messages of variables of the wrong kind,
// which gqlparser words with Go's kinds ("cannot use slice as Int"), into
// the client's terms, naming the variable: "Variable "$n" must be an Int,
// not a list."
func withClientTerms(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if len(e.Path) < 2 || e.Path[0] != ast.PathName("variable") {
			return e
		}
		var wantType, got string
		if m := cannotUseRE.FindStringSubmatch(e.Message); m != nil {
			wantType, got = m[2], kindNames[m[1]]
		} else if m := outOfRangeRE.FindStringSubmatch(e.Message); m != nil {
			wantType, got = m[1], "a number beyond its range"
		} else if m := mustBeRE.FindStringSubmatch(e.Message); m != nil {
			wantType, got = m[1], kindNames[m[2]]
		} else {
			return e
		}
		if got == "" {
			got = "another kind of value"
		}
		name := fmt.Sprintf("%v", e.Path[1])
		where := ""
		if len(e.Path) > 2 {
			parts := make([]string, 0, len(e.Path)-2)
			for _, p := range e.Path[2:] {
				parts = append(parts, fmt.Sprint(p))
			}
			where = " at " + strconv.Quote(strings.Join(parts, "."))
		}
		article := "a "
		if strings.ContainsRune("AEIOU", rune(wantType[0])) {
			article = "an "
		}
		e.Message = "Variable \"$" + name + "\"" + where + " must be " + article + wantType + ", not " + got + "."
		return e
	}
}
