package main

import (
	"fmt"
	"strings"
)

// The GraphQL documents of the scenarios.
const (
	typenameQuery   = `{ __typename }`
	homeQuery       = `{ articles(first: 20) { nodes { title slug description createdAt tags favoritesCount commentsCount author { username image } } } }`
	homeViewerQuery = `{ articles(first: 20) { nodes { title slug description createdAt tags favoritesCount viewerHasFavorited commentsCount author { username image viewerIsFollowing } } } }`
	list100Query    = `{ articles(first: 100) { nodes { id title author { id username } } } }`
	articleQuery    = `query($slug: String!) { article(slug: $slug) { id title body tags createdAt favoritesCount viewerHasFavorited commentsCount author { username bio image viewerIsFollowing } comments(first: 50) { nodes { id body createdAt author { username image } } } } }`

	favoriteMutation   = `mutation($id: ID!) { favoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
	unfavoriteMutation = `mutation($id: ID!) { unfavoriteArticle(input: {articleId: $id}) { article { favoritesCount } } }`
	commentMutation    = `mutation($id: ID!, $body: String!) { addComment(input: {articleId: $id, body: $body}) { comment { id } } }`
)

// kind is what a scenario stands for in the report.
type kind int

const (
	ceilingKind kind = iota // the yardstick
	readKind                // held to the latency target
	writeKind
	mixedKind     // reads with a write now and then
	referenceKind // a read in a configuration that targets do not judge
)

// scenario is one kind of request, measured with wrk against one server.
type scenario struct {
	name   string
	server *instance
	kind   kind
	bodies [][]byte // each request sends one of them, picked at random
	tokens []string // and signs in with one of these; none: anonymously
	probes [][]byte // sent once each, to validate before measuring
	base   string   // a read on Redis: the name of the same read without
	// writeEvery > 0 makes every writeEvery-th request one of writes, sent
	// with one of tokens; the others send bodies anonymously.
	writeEvery int
	writes     [][]byte
}

// metrics reports whether the scenario's server has conduit's /metrics.
func (s scenario) metrics() bool { return s.kind != ceilingKind }

// read returns a scenario that sends one query, signed in with token
// unless it is empty.
func read(name string, in *instance, token string, body []byte) scenario {
	s := scenario{name: name, server: in, kind: readKind, bodies: [][]byte{body}, probes: [][]byte{body}}
	if token != "" {
		s.tokens = []string{token}
	}
	return s
}

// pages are the read scenarios of the site's pages on one conduit
// instance; suffix names the instance's variant, such as " (Redis)".
func pages(in *instance, token, slug, suffix string) []scenario {
	article := gqlBody(articleQuery, map[string]any{"slug": slug})
	return []scenario{
		read("home anonymous"+suffix, in, "", gqlBody(homeQuery, nil)),
		read("home signed in"+suffix, in, token, gqlBody(homeViewerQuery, nil)),
		read("list 100"+suffix, in, "", gqlBody(list100Query, nil)),
		read("article page"+suffix, in, "", article),
	}
}

// writes favorites, unfavorites and comments on articleIDs as the users
// of tokens, a random pair per request.
func writes(in *instance, tokens, articleIDs []string) scenario {
	s := scenario{name: "writes", server: in, kind: writeKind, tokens: tokens}
	for _, q := range []string{favoriteMutation, unfavoriteMutation, commentMutation} {
		for _, id := range articleIDs {
			vars := map[string]any{"id": id}
			if q == commentMutation {
				vars["body"] = "A comment from the benchmark."
			}
			s.bodies = append(s.bodies, gqlBody(q, vars))
		}
		s.probes = append(s.probes, s.bodies[len(s.bodies)-1])
	}
	return s
}

// noCache marks the pages of an instance without the response cache as
// references: every request executes there.
func noCache(ss []scenario) []scenario {
	for i := range ss {
		ss[i].kind = referenceKind
	}
	return ss
}

// mixed returns the anonymous home page with one write (a favorite or an
// unfavorite by one of tokens) in every `every` requests: each write makes
// the response cache's answers stale.
func mixed(in *instance, tokens, articleIDs []string, every int) scenario {
	s := scenario{name: fmt.Sprintf("home anonymous, 1 write per %d reads", every-1), server: in, kind: mixedKind,
		bodies: [][]byte{gqlBody(homeQuery, nil)}, tokens: tokens, writeEvery: every}
	for _, q := range []string{favoriteMutation, unfavoriteMutation} {
		for _, id := range articleIDs {
			s.writes = append(s.writes, gqlBody(q, map[string]any{"id": id}))
		}
	}
	s.probes = [][]byte{s.bodies[0], s.writes[0], s.writes[len(s.writes)-1]}
	return s
}

// luaScript is the scenario's wrk script. A scenario of one request lets
// wrk build it once; otherwise each request picks a body and a token. The
// response callback counts answers that are not 200 or carry GraphQL
// errors, and done prints the counts for parseWrk.
func luaScript(s scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "-- wrk script of the %q scenario, written by bench/run.\n", s.name)
	b.WriteString("local bodies = {\n")
	for _, body := range s.bodies {
		fmt.Fprintf(&b, "  %s,\n", luaString(string(body)))
	}
	b.WriteString("}\nlocal tokens = {\n")
	for _, t := range s.tokens {
		fmt.Fprintf(&b, "  %s,\n", luaString(t))
	}
	b.WriteString("}\nlocal writes = {\n")
	for _, body := range s.writes {
		fmt.Fprintf(&b, "  %s,\n", luaString(string(body)))
	}
	fmt.Fprintf(&b, "}\nlocal every = %d\n", s.writeEvery)
	b.WriteString(luaBody)
	return b.String()
}

// luaBody is the part of every script after its bodies and tokens.
const luaBody = `
wrk.method = "POST"
wrk.path = "/graphql"
wrk.headers["Content-Type"] = "application/json"

if every > 0 then
  local n = 0
  function request()
    n = n + 1
    if n % every == 0 then
      local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)]}
      return wrk.format(nil, nil, headers, writes[math.random(#writes)])
    end
    return wrk.format(nil, nil, {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
  end
elseif #bodies == 1 and #tokens <= 1 then
  wrk.body = bodies[1]
  if #tokens == 1 then wrk.headers["Authorization"] = "Bearer " .. tokens[1] end
else
  function request()
    local headers = {["Content-Type"] = "application/json"}
    if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] end
    return wrk.format(nil, nil, headers, bodies[math.random(#bodies)])
  end
end

errors, busy, first = 0, 0, nil

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
    if string.find(body, "SQLITE_BUSY", 1, true) or string.find(body, "database is locked", 1, true) then
      busy = busy + 1
    end
    if first == nil then first = status .. " " .. string.gsub(string.sub(body, 1, 300), "%s+", " ") end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local e, b, f = 0, 0, nil
  for _, t in ipairs(threads) do
    e = e + t:get("errors")
    b = b + t:get("busy")
    f = f or t:get("first")
  end
  io.write(string.format("bench: errors %d busy %d\n", e, b))
  if f then io.write("bench: first error " .. f .. "\n") end
end
`

// luaString quotes s as a Lua string literal: printable ASCII as it is,
// every other byte as a decimal escape, which every Lua reads.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// slug makes a scenario's name fit for a file name: "home signed in
// (Redis)" is "home-signed-in-redis".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
