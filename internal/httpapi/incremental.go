package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const (
	mediaMultipart = "multipart/mixed"
	// multipartBoundary separates the parts, as Apollo Server writes them.
	multipartBoundary = "-"
)

// incrementalTransport answers a POST whose client prefers multipart/mixed
// (Apollo Client asks for it for an operation with @defer) with incremental
// delivery: the response without its @defer'd fragments first, then each
// fragment as it resolves, in the format of the 2022 incremental delivery
// proposal that Apollo Client reads (deferSpec=20220824). Clients that do
// not ask for it get @defer'd fragments in place, in one JSON response.
type incrementalTransport struct {
	// mark makes the executor defer fields (graph.WithIncrementalDelivery).
	mark func(context.Context) context.Context
}

var _ graphql.Transport = incrementalTransport{}

// Supports takes a plain JSON POST (no stream, by streamOf) whose client
// prefers multipart/mixed to JSON and to an event stream.
func (t incrementalTransport) Supports(r *http.Request) bool {
	return t.mark != nil && r.Method == http.MethodPost && isJSONMedia(r.Header.Get("Content-Type")) &&
		streamOf(r) == notStream && parseAccept(r.Header.Get("Accept")).prefersMultipart()
}

// Do runs one query or mutation and writes its payloads as parts.
func (t incrementalTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Content-Type", mediaGraphQLResponse+"; charset=utf-8")
	params, msg := readParams(r)
	if msg != "" {
		writeRequestError(w, http.StatusBadRequest, gqlerror.List{requestError(codeParseFailed, msg)})
		return
	}
	params.ReadTime.End = graphql.Now()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusBadRequest
		if isPersistedQueryMiss(errs) {
			status = http.StatusOK
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeRequestError(w, status, resp.Errors)
		return
	}
	if opCtx.Operation.Operation == ast.Subscription {
		writeRequestError(w, http.StatusBadRequest, gqlerror.List{
			requestError(codeValidationFailed, "Subscriptions need a stream: send them with Accept: text/event-stream, or over a websocket."),
		})
		return
	}
	responses, ctx := exec.DispatchOperation(t.mark(ctx), opCtx)
	w.Header().Set("Content-Type", mediaMultipart+`; boundary="`+multipartBoundary+`"; deferSpec=20220824`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	flush := func() {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	first := true
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		resp.Data = omitDeferred(resp.Data)
		var part any = resp
		if !first {
			part = incrementalPart{Incremental: []incrementalResult{{Data: resp.Data, Path: resp.Path, Label: resp.Label, Errors: resp.Errors, Extensions: resp.Extensions}}, HasNext: hasNext(resp)}
		} else if resp.HasNext == nil {
			// Nothing was deferred: the only part says so.
			f := false
			resp.HasNext = &f
		}
		body, err := json.Marshal(part)
		if err != nil {
			body = []byte(`{"errors":[{"message":"The response could not be encoded."}],"hasNext":false}`)
		}
		_, _ = w.Write([]byte("\r\n--" + multipartBoundary + "\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"))
		_, _ = w.Write(body)
		flush()
		first = false
		if !hasNext(resp) {
			break
		}
	}
	_, _ = w.Write([]byte("\r\n--" + multipartBoundary + "--\r\n"))
	flush()
}

// deferredField is a field that the executor deferred to a later payload,
// as it marks it in the payload that must leave it out: its value is a NUL
// byte, which JSON cannot hold (graph's deferField). The first form follows
// another field; the second is the first field of its object.
var (
	deferredAfter = regexp.MustCompile(`,"(?:[^"\\]|\\.)*":\x00`)
	deferredFirst = regexp.MustCompile(`"(?:[^"\\]|\\.)*":\x00,?`)
)

// omitDeferred removes the deferred fields from a payload's data.
func omitDeferred(data json.RawMessage) json.RawMessage {
	if bytes.IndexByte(data, 0) < 0 {
		return data
	}
	return deferredFirst.ReplaceAll(deferredAfter.ReplaceAll(data, nil), nil)
}

func hasNext(resp *graphql.Response) bool { return resp.HasNext != nil && *resp.HasNext }

// incrementalPart is a subsequent payload: the results of deferred
// fragments, and whether more follow.
type incrementalPart struct {
	Incremental []incrementalResult `json:"incremental"`
	HasNext     bool                `json:"hasNext"`
}

type incrementalResult struct {
	Data       json.RawMessage `json:"data"`
	Path       ast.Path        `json:"path"`
	Label      string          `json:"label,omitempty"`
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}
