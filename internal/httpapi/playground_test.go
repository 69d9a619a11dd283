package httpapi

import (
	"compress/gzip"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// pgAttrURL finds the src and href attributes of the playground's HTML.
var pgAttrURL = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']([^"']*)["']`)

// pgCSSURL finds url(...) references in a stylesheet.
var pgCSSURL = regexp.MustCompile(`url\(\s*['"]?([^'")]*)`)

func pgGet(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp, string(body)
}

func pgRequireCSP(t *testing.T, resp *http.Response) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "worker-src 'self'", "connect-src 'self' ws: wss:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, want)
		}
	}
	if strings.Contains(csp, "http:") || strings.Contains(csp, "https:") || strings.Contains(csp, "*") || strings.Contains(csp, "blob:") {
		t.Errorf("Content-Security-Policy = %q allows other hosts", csp)
	}
}

// pgSameOrigin reports whether a reference in the page stays on the serving host:
// an absolute path (not protocol-relative) or an inline data: URI.
func pgSameOrigin(ref string) bool {
	if strings.HasPrefix(ref, "data:") {
		return true
	}
	return strings.HasPrefix(ref, "/") && !strings.HasPrefix(ref, "//")
}

func TestPlayground_Built(t *testing.T) {
	if !PlaygroundBuilt() {
		if os.Getenv("CI") == "true" {
			t.Fatal("playground bundle missing from internal/httpapi/playground/dist: run `make playground` before `go test`")
		}
		t.Skip("playground bundle not built (make playground); skipping")
	}
	srv := httptest.NewServer(Playground())
	defer srv.Close()

	resp, html := pgGet(t, srv, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", ct)
	}
	pgRequireCSP(t, resp)
	if strings.Contains(html, "http://") || strings.Contains(html, "https://") {
		t.Errorf("index.html mentions an absolute http(s) URL:\n%s", html)
	}

	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	var scripts, styles int
	for _, m := range pgAttrURL.FindAllStringSubmatch(html, -1) {
		ref := m[1]
		if !pgSameOrigin(ref) {
			t.Errorf("index.html references %q, want a same-origin path", ref)
			continue
		}
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		t.Run(ref, func(t *testing.T) {
			resp, body := pgGet(t, srv, ref)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", ref, resp.StatusCode)
			}
			ext := ref[strings.LastIndex(ref, "."):]
			ct := resp.Header.Get("Content-Type")
			if want, ok := wantType[ext]; !ok || !strings.HasPrefix(ct, want) {
				t.Errorf("GET %s Content-Type = %q, want %q", ref, ct, want)
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("GET %s Cache-Control = %q, want a long-lived immutable cache", ref, cc)
			}
			if ext == ".css" {
				for _, u := range pgCSSURL.FindAllStringSubmatch(body, -1) {
					if strings.Contains(u[1], "://") || strings.HasPrefix(u[1], "//") {
						t.Errorf("%s loads %q from another host", ref, u[1])
					}
				}
			}
		})
		switch {
		case strings.HasSuffix(ref, ".js"):
			scripts++
		case strings.HasSuffix(ref, ".css"):
			styles++
		}
	}
	if scripts != 1 || styles < 1 {
		t.Errorf("index.html references %d scripts and %d stylesheets, want the one bundle and its CSS", scripts, styles)
	}

	// The files the bundle loads by itself (Monaco's workers, its icon font)
	// are not named in index.html: every file under assets/ must be served
	// the same way, and none may point at a source map the server lacks.
	entries, err := fs.ReadDir(playgroundFS(), "assets")
	if err != nil {
		t.Fatal(err)
	}
	wantType[".ttf"] = "font/ttf"
	scriptText := pgBundle(t, srv, html)
	workers := map[string]bool{}
	for _, e := range entries {
		ref := "/assets/" + e.Name()
		resp, body := pgGet(t, srv, ref)
		ext := path.Ext(ref)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", ref, resp.StatusCode)
		}
		if want, ok := wantType[ext]; !ok || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
			t.Errorf("GET %s Content-Type = %q, want %q", ref, resp.Header.Get("Content-Type"), want)
		}
		// A worker's own requests answer to the policy its script was served with.
		pgRequireCSP(t, resp)
		if strings.Contains(body, "sourceMappingURL=") {
			t.Errorf("%s references a source map", ref)
		}
		for _, label := range []string{"editor", "json", "graphql"} {
			if strings.HasPrefix(e.Name(), label+".worker.") && ext == ".js" {
				workers[label] = true
				if !strings.Contains(scriptText, ref) {
					t.Errorf("no script names the worker %s", ref)
				}
			}
		}
	}
	if len(workers) != 3 {
		t.Errorf("workers in assets/: %v, want Monaco's editor, json and graphql workers", workers)
	}
}

// pgBundle returns the text of the scripts that index.html loads.
func pgBundle(t *testing.T, srv *httptest.Server, html string) string {
	t.Helper()
	var b strings.Builder
	for _, m := range pgAttrURL.FindAllStringSubmatch(html, -1) {
		if strings.HasSuffix(m[1], ".js") {
			_, body := pgGet(t, srv, m[1])
			b.WriteString(body)
		}
	}
	return b.String()
}

func TestPlayground_NotBuilt(t *testing.T) {
	// Only the committed README: what a checkout without `make playground` embeds.
	fsys := fstest.MapFS{"README.md": {Data: []byte("# built by make playground\n")}}
	if bundleBuilt(fsys) {
		t.Fatal("bundleBuilt = true for a folder without index.html")
	}
	srv := httptest.NewServer(playgroundHandler(fsys))
	defer srv.Close()

	resp, html := pgGet(t, srv, "/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", ct)
	}
	pgRequireCSP(t, resp)
	for _, want := range []string{"not built", "make playground", "make run"} {
		if !strings.Contains(html, want) {
			t.Errorf("help page lacks %q:\n%s", want, html)
		}
	}
}

func TestPlayground_NotFound(t *testing.T) {
	srv := httptest.NewServer(Playground())
	defer srv.Close()

	for _, path := range []string{"/assets/", "/assets/missing.js", "/README.md", "/nope"} {
		if resp, _ := pgGet(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
	resp, err := srv.Client().Post(srv.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", resp.StatusCode)
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 true,
		"gzip, deflate, br":    true,
		"br;q=1.0, gzip;q=0.8": true,
		"GZIP":                 true,
		"gzip;q=0":             false,
		"identity":             false,
		"*":                    true,
		"*;q=0":                false,
		"*;q=0, gzip":          true,
		"gzip;q=0, *":          false,
		"deflate, x-gzip":      true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// TestPlayground_Gzip: the playground's assets (megabytes of JavaScript)
// go gzipped to a browser that accepts it, as they are to one that does
// not, and a file that gzip does not shrink goes as it is.
func TestPlayground_Gzip(t *testing.T) {
	script := []byte(strings.Repeat("console.log('conduit playground');\n", 2000))
	noise := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	fsys := fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html>")},
		"assets/main.abc123.js":  {Data: script},
		"assets/font.abc123.ttf": {Data: noise},
	}
	h := playgroundHandler(fsys)
	get := func(path, acceptEncoding string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Header().Values("Vary"), "Accept-Encoding")
		return rec
	}

	zipped := get("/assets/main.abc123.js", "gzip, deflate, br")
	require.Equal(t, "gzip", zipped.Header().Get("Content-Encoding"))
	require.Contains(t, zipped.Header().Get("Content-Type"), "javascript")
	require.Less(t, zipped.Body.Len(), len(script)/4)
	zr, err := gzip.NewReader(zipped.Body)
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, script, plain)

	identity := get("/assets/main.abc123.js", "")
	require.Empty(t, identity.Header().Get("Content-Encoding"))
	require.Equal(t, script, identity.Body.Bytes())

	font := get("/assets/font.abc123.ttf", "gzip")
	require.Empty(t, font.Header().Get("Content-Encoding"), "not worth compressing")
	require.Equal(t, noise, font.Body.Bytes())
}
