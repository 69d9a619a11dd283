package main

import (
	"slices"
	"testing"
)

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

func TestRunOrder(t *testing.T) {
	// Each Redis page runs right after the page it is compared with; a
	// comparison without its base still runs.
	ss := []scenario{{name: "ceiling"}, {name: "home"}, {name: "list"}, {name: "writes"},
		{name: "home (Redis)", base: "home"}, {name: "list (Redis)", base: "list"}, {name: "gone (Redis)", base: "gone"}}
	got := runOrder(ss)
	want := []int{0, 1, 4, 2, 5, 3, 6}
	if !slices.Equal(got, want) {
		t.Errorf("runOrder = %v, want %v", got, want)
	}
}
