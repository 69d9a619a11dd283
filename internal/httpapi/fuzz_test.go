package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// FuzzReadParams: no body or URL panics the request decoder; a request it
// accepts has a document or a persisted query's id, and one it refuses
// gets a message.
func FuzzReadParams(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ viewer { id } }"}`,
		`{"query":"query($n: Int) { articles(first: $n) { totalCount } }","variables":{"n":5},"operationName":"x"}`,
		`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`,
		`{"documentId":"sha256:abc"}`, `{"doc_id":"0cc175b9c0f1b6a831c399e269772661"}`,
		`[{"query":"{ viewer { id } }"},{"query":"{ __typename }"}]`, `[]`,
		`{"query": `, `not json`, `{"query": 42}`, `{"query":"x","variables":[1]}`, `{"query":"x"} trailing`, `{}`, `null`,
		`{"query":"x","headers":{"Authorization":["Bearer y"]}}`, "{\"query\":\"\\u0000\"}",
	} {
		f.Add(true, s)
		f.Add(false, s)
	}
	f.Fuzz(func(t *testing.T, post bool, s string) {
		var r *http.Request
		if post {
			r = httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(s))
		} else {
			r = httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {s}, "variables": {s}, "extensions": {s}, "documentId": {s}}.Encode(), nil)
		}
		r.Header.Set("Authorization", "Bearer real")
		params, msg := readParams(r)
		if msg != "" {
			if params != nil {
				t.Fatalf("%q: refused with params", s)
			}
			for _, goism := range []string{"interface {}", "map[", "json:", "unmarshal", "Go value", "Go struct"} {
				if strings.Contains(msg, goism) {
					t.Fatalf("%q: refused in Go's terms: %s", s, msg)
				}
			}
			return
		}
		if params == nil {
			t.Fatalf("%q: accepted without params", s)
		}
		if params.Query == "" && params.Extensions["persistedQuery"] == nil && params.Extensions["documentId"] == nil {
			t.Fatalf("%q: accepted with nothing to run", s)
		}
		if params.Headers.Get("Authorization") != "Bearer real" {
			t.Fatalf("%q: the body replaced the request's headers", s)
		}
	})
}

// FuzzDecodeJSON: what decodeJSON accepts is one valid JSON value.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `[1,2]`, `1`, `"x"`, `{} {}`, `{"a":`, ` {"a":1e999} `, `{"a":1}x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if err := decodeJSON(strings.NewReader(s), &v); err == nil && !json.Valid([]byte(s)) {
			t.Fatalf("%q: accepted but not valid JSON", s)
		}
	})
}

// FuzzDocumentLimits: measuring any document that parses within the token
// limit is quick and sane, whatever its fragments do.
func FuzzDocumentLimits(f *testing.F) {
	for _, s := range []string{
		`{ viewer { id username } }`,
		`{ __typename __typename __typename }`,
		`{ a: viewer { id } b: viewer { x: id } }`,
		`{ viewer { ...F } } fragment F on User { id ...G } fragment G on User { username ...F }`,
		`{ __schema { types { name fields { type { ofType { name } } } } } }`,
		`query A { viewer { id } } query B { node(id: "x") { ... on User { followers { nodes { id } } } } }`,
		`{ viewer { ...A } } fragment A on User { ...B ...B } fragment B on User { ...C ...C } fragment C on User { id }`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: s}, DefaultLimits.Tokens)
		if err != nil {
			return
		}
		start := time.Now()
		m := measureDocument(doc)
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%q: measured in %s", s, d)
		}
		if m.fields < 0 || m.aliases < 0 || m.depth < 0 || m.fields > maxCount || m.aliases > maxCount {
			t.Fatalf("%q: %+v", s, m)
		}
		if m.aliases > m.fields {
			t.Fatalf("%q: more aliases than fields: %+v", s, m)
		}
		_ = DefaultLimits.check(m)
	})
}
