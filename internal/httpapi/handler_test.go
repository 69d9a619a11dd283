package httpapi

import "testing"

func TestIsJSONMedia(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"Application/JSON ;charset=UTF-8":   true,
		" application/json":                 true,
		"application/jsonx":                 false,
		"text/plain":                        false,
		"":                                  false,
		"application/graphql-response+json": false,
	} {
		if got := isJSONMedia(ct); got != want {
			t.Errorf("isJSONMedia(%q) = %v, want %v", ct, got, want)
		}
	}
}
