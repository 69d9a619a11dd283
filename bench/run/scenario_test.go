package main

import "testing"

func TestLuaString(t *testing.T) {
	// Quotes and backslashes escaped, other bytes in decimal.
	got := luaString("{\"q\":\"a\\b\"}\né")
	if want := `"{\"q\":\"a\\b\"}\010\195\169"`; got != want {
		t.Errorf("luaString = %s, want %s", got, want)
	}
}

func TestSlug(t *testing.T) {
	if got := slug("home signed in (Redis)"); got != "home-signed-in-redis" {
		t.Errorf("slug = %q", got)
	}
}
