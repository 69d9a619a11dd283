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
