package httpapi

import "testing"

// TestParseAccept: weights decide, then the order of the list; a part with
// a malformed weight counts as not listed.
func TestParseAccept(t *testing.T) {
	for _, tc := range []struct {
		accept       string
		json         string
		prefers, any bool
	}{
		{"", mediaJSON, false, false},
		{"text/html", "", false, false},
		{"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed", mediaGraphQLResponse, false, true},
		{"text/event-stream, multipart/mixed", "", true, true},
		{"TEXT/Event-Stream;Q=1, application/json", mediaJSON, true, true},
		{"application/json;q=0.9, text/event-stream;q=0.8", mediaJSON, false, true},
		{"application/json;q=0.8, text/event-stream;q=0.9", mediaJSON, true, true},
		{"application/json;q=abc, text/event-stream", "", true, true},
		{"application/json;q=2, text/event-stream;q=1.5", "", false, false},
		{"application/json, text/event-stream;q=0", mediaJSON, false, false},
		{"application/graphql-response+json;q=0.1, application/json", mediaJSON, false, false},
		{" , ;q=1, */*;q=0.5", mediaJSON, false, false},
	} {
		a := parseAccept(tc.accept)
		if a.json != tc.json || a.prefersStream() != tc.prefers || a.acceptsStream() != tc.any {
			t.Errorf("Accept %q: json %q, prefers stream %v, accepts stream %v; want %q, %v, %v",
				tc.accept, a.json, a.prefersStream(), a.acceptsStream(), tc.json, tc.prefers, tc.any)
		}
	}
}

// TestPrefersMultipart: incremental delivery only for a client that puts
// multipart/mixed before JSON and event streams (Apollo Client with @defer).
func TestPrefersMultipart(t *testing.T) {
	for accept, want := range map[string]bool{
		"multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9": true,
		"multipart/mixed;deferSpec=20220824,application/json":                                         true,
		"multipart/mixed": true,
		"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed": false,
		"application/json;q=0.5, multipart/mixed;q=0.9":                                                                     true,
		"text/event-stream, multipart/mixed":                                                                                false,
		"multipart/mixed;q=0, application/json":                                                                             false,
		"":                                                                                                                  false,
	} {
		if got := parseAccept(accept).prefersMultipart(); got != want {
			t.Errorf("Accept %q: prefers multipart %v, want %v", accept, got, want)
		}
	}
}

// TestOmitDeferred: a deferred field leaves the payload wherever it sits in
// its object, and keys that merely look alike stay.
func TestOmitDeferred(t *testing.T) {
	for in, want := range map[string]string{
		"{\"a\":1,\"b\":\x00}":                     `{"a":1}`,
		"{\"b\":\x00,\"a\":1}":                     `{"a":1}`,
		"{\"a\":1,\"b\":\x00,\"c\":2}":             `{"a":1,"c":2}`,
		"{\"b\":\x00}":                             `{}`,
		"{\"x\":{\"b\":\x00,\"c\":\x00},\"d\":[]}": `{"x":{},"d":[]}`,
		"{\"q\\\"\":\x00,\"a\":\"\\\":\"}":         `{"a":"\":"}`,
		`{"a":null}`:                               `{"a":null}`,
	} {
		if got := string(omitDeferred([]byte(in))); got != want {
			t.Errorf("omitDeferred(%q) = %q, want %q", in, got, want)
		}
	}
}
