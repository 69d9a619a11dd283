package httpapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// playgroundDist holds the GraphiQL bundle built by web/playground (`make playground`).
// The folder always exists because its README.md is committed, so the binary compiles
// whether or not the bundle has been built.
//
//go:embed all:playground/dist
var playgroundDist embed.FS

// playgroundCSP allows nothing but this server. GraphiQL's stylesheet embeds its
// fonts as data: URIs, and its editor (Monaco) and components (Radix) set style
// attributes at run time, hence data: fonts and 'unsafe-inline' styles; scripts
// are files only ('self'), no inline script and no eval. Monaco runs its language
// services in web workers, which the bundle starts from its own files under
// /assets/ (never blob: URLs), so worker-src is 'self' too. Websockets are listed
// explicitly because older browsers do not let 'self' cover ws:/wss:.
const playgroundCSP = "default-src 'none'; " +
	"script-src 'self'; " +
	"worker-src 'self'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; " +
	"font-src 'self' data:; " +
	"connect-src 'self' ws: wss:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// notBuiltPage is served at / when the bundle is missing from the binary.
const notBuiltPage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Conduit · playground not built</title></head>
<body>
<h1>The GraphiQL playground is not built</h1>
<p>This binary was compiled without the playground bundle. Build it and recompile:</p>
<pre>make playground   # or: make run</pre>
<p>(<code>make playground</code> runs <code>cd web/playground &amp;&amp; npm ci &amp;&amp; npm run build</code>.)
The GraphQL API itself is available at <code>/graphql</code>.</p>
</body>
</html>
`

// playgroundFS returns the bundle as a file system rooted at dist/.
func playgroundFS() fs.FS {
	sub, err := fs.Sub(playgroundDist, "playground/dist")
	if err != nil {
		// fs.Sub fails only on an invalid path literal: a programming error.
		panic(err)
	}
	return sub
}

// PlaygroundBuilt reports whether the GraphiQL bundle was embedded at compile time.
func PlaygroundBuilt() bool {
	return bundleBuilt(playgroundFS())
}

func bundleBuilt(fsys fs.FS) bool {
	fi, err := fs.Stat(fsys, "index.html")
	return err == nil && !fi.IsDir()
}

// Playground returns the handler for the offline GraphiQL playground: index.html at
// "/" and the content-hashed files under /assets/. Everything is served from the
// binary under a Content-Security-Policy that permits only this origin, so the browser
// itself enforces that the page fetches nothing from elsewhere. Without a built bundle,
// "/" answers with a short page that explains how to build it.
func Playground() http.Handler {
	return playgroundHandler(playgroundFS())
}

func playgroundHandler(fsys fs.FS) http.Handler {
	built := bundleBuilt(fsys)
	files := http.FileServerFS(fsys)
	zipped := &gzipped{fsys: fsys, files: map[string]*gzippedFile{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", playgroundCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")

		switch p := r.URL.Path; {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case p == "/" && !built:
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(notBuiltPage))
		case p == "/":
			// index.html names the current asset hashes, so it must be revalidated.
			h.Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		case strings.HasSuffix(p, "/") || p == "/README.md":
			// No directory listings, and the README is for the repository, not the web.
			http.NotFound(w, r)
		case strings.HasPrefix(p, "/assets/"):
			// Asset names carry a content hash: a new build means a new URL.
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			h.Add("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Get("Accept-Encoding")) {
				if body := zipped.get(strings.TrimPrefix(p, "/")); body != nil {
					h.Set("Content-Encoding", "gzip")
					if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
						h.Set("Content-Type", ct)
					}
					http.ServeContent(w, r, p, time.Time{}, bytes.NewReader(body))
					return
				}
			}
			files.ServeHTTP(w, r)
		default:
			files.ServeHTTP(w, r)
		}
	})
}

// gzipped keeps the playground's assets gzipped, each compressed on its
// first request (the bundle is megabytes of JavaScript that compresses to a
// quarter, and the playground is often off, so nothing is done at start).
type gzipped struct {
	fsys  fs.FS
	mu    sync.Mutex
	files map[string]*gzippedFile
}

type gzippedFile struct {
	once sync.Once
	body []byte // nil: missing, or not worth compressing
}

// get returns name gzipped, or nil when it is missing or compresses by
// less than a tenth.
func (g *gzipped) get(name string) []byte {
	g.mu.Lock()
	f := g.files[name]
	if f == nil {
		f = &gzippedFile{}
		g.files[name] = f
	}
	g.mu.Unlock()
	f.once.Do(func() {
		raw, err := fs.ReadFile(g.fsys, name)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(raw); err != nil || zw.Close() != nil {
			return
		}
		if buf.Len() < len(raw)*9/10 {
			f.body = buf.Bytes()
		}
	})
	return f.body
}

// acceptsGzip tells whether an Accept-Encoding header takes gzip with a
// weight above 0: named, or else covered by "*".
func acceptsGzip(header string) bool {
	named, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			named = q
		case "*":
			star = q
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}
