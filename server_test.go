package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conduit-graphql/conduit/internal/apitest"
	"github.com/conduit-graphql/conduit/internal/cli"
	"github.com/conduit-graphql/conduit/internal/store"
	"github.com/conduit-graphql/conduit/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var listenRE = regexp.MustCompile(`listening on (http://[^ ]+) `)

// waitForURL waits until out names the address the server listens on and
// /readyz answers 200 there.
func waitForURL(t *testing.T, out interface{ String() string }, exited <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("server exited early: %v\n%s", err, out.String())
		default:
		}
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			if resp, err := http.Get(m[1] + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return m[1]
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not become ready:\n%s", out.String())
	return ""
}

// checkServing checks what a person sees at a fresh server: the playground
// at / and an anonymous viewer.
func checkServing(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, strings.ToLower(string(page)), "graphiql")

	resp, err = http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ viewer { username } }"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"data":{"viewer":null}}`, string(body))
}

func TestRunServesAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr testenv.Buffer
	env := map[string]string{"CONDUIT_DATABASE_URL": filepath.Join(dir, "conduit.db")}
	exited := make(chan error, 1)
	go func() {
		exited <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	base := waitForURL(t, &stdout, exited)
	checkServing(t, base)
	t.Run("DemoData", func(t *testing.T) {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ articles(first: 1) { totalCount } }"}`))
		require.NoError(t, err)
		defer resp.Body.Close()
		var out struct {
			Data struct{ Articles struct{ TotalCount int } }
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		require.Equal(t, cli.DemoSeed.Articles, out.Data.Articles.TotalCount, "an empty development database gets demo data")
	})
	t.Run("AccessLog", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"query TagCloud { popularTags { name } }"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("apollographql-client-name", "web-1.2")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		// Buffered: the lines come within the flush interval.
		require.Eventually(t, func() bool {
			return regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=request method=POST path=/graphql status=200 duration=\S+ request_id=[0-9a-f]{16} operation="" client=""$`).MatchString(stderr.String()) &&
				regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=request method=POST path=/graphql status=200 duration=\S+ request_id=[0-9a-f]{16} operation=TagCloud client=web-1.2$`).MatchString(stderr.String())
		}, 5*time.Second, 20*time.Millisecond, "no access-log line for the requests:\n%s", stderr.String())
	})
	cancel()
	select {
	case err := <-exited:
		require.NoError(t, err, "a stop signal ends run() cleanly")
	case <-time.After(20 * time.Second):
		t.Fatal("run() did not stop")
	}
	require.FileExists(t, filepath.Join(dir, "conduit.db"))
}

func TestCommands(t *testing.T) {
	noenv := func(string) string { return "" }
	t.Run("Schema", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"schema"}, noenv, &out, io.Discard))
		require.Contains(t, out.String(), "type Query {")
		require.Contains(t, out.String(), "type Subscription {")
	})
	t.Run("Version", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"version"}, noenv, &out, io.Discard))
		require.True(t, strings.HasPrefix(out.String(), "conduit "))
	})
	t.Run("Help", func(t *testing.T) {
		for _, cmd := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"schema", "--help"}, {"version", "--help"}} {
			var errOut bytes.Buffer
			err := run(context.Background(), cmd, noenv, io.Discard, &errOut)
			require.ErrorIs(t, err, flag.ErrHelp, "%v", cmd)
			require.Contains(t, errOut.String(), "Usage: conduit", "%v", cmd)
		}
		var errOut bytes.Buffer
		_ = run(context.Background(), []string{"serve", "--help"}, noenv, io.Discard, &errOut)
		require.Contains(t, errOut.String(), "CONDUIT_DATABASE_URL")
	})
	t.Run("Seed", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "s.db")
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), []string{"seed", "--users", "30", "--articles", "60", "--comments", "200", "--database-url", dsn}, noenv, &out, io.Discard))
		require.Contains(t, out.String(), "articles: 60/60 (100%)", "plain progress lines when not on a terminal")
		require.Contains(t, out.String(), "Seeded ")
		api := apitest.New(t, dsn)
		var got struct {
			Articles struct {
				TotalCount int
				Nodes      []struct{ Author struct{ Username string } }
			}
		}
		api.Post(t, "", `{ articles(first: 1) { totalCount nodes { author { username } } } }`, nil).Decode(t, &got)
		require.Equal(t, 60, got.Articles.TotalCount)
		name := got.Articles.Nodes[0].Author.Username
		var in struct {
			SignIn struct{ User struct{ Username string } }
		}
		api.Post(t, "", apitest.SignInMutation, map[string]any{"e": name + "@example.com", "p": cli.SeedPassword}).Decode(t, &in)
		require.Equal(t, name, in.SignIn.User.Username, "seeded users sign in with the seed password")
		require.Error(t, run(context.Background(), []string{"seed", "--users", "-1", "--database-url", dsn}, noenv, io.Discard, io.Discard))
	})
	t.Run("ErrUnknownCommand", func(t *testing.T) {
		require.Error(t, run(context.Background(), []string{"frobnicate"}, noenv, io.Discard, io.Discard))
	})
	t.Run("ErrBadConfig", func(t *testing.T) {
		env := map[string]string{"CONDUIT_ENV": "production"}
		err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
		require.ErrorContains(t, err, "CONDUIT_JWT_SECRET")
		require.ErrorContains(t, run(context.Background(), []string{"serve", "--max-depth", "0"}, noenv, io.Discard, io.Discard), "max-depth")
		prod := map[string]string{"CONDUIT_ENV": "production", "CONDUIT_JWT_SECRET": rand.Text() + rand.Text()}
		err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return prod[k] }, io.Discard, io.Discard)
		require.ErrorContains(t, err, "production refuses", "CORS for any origin")
	})
	t.Run("Migrate", func(t *testing.T) {
		dsn := filepath.Join(t.TempDir(), "m.db")
		args := func(a ...string) []string { return append([]string{"migrate"}, append(a, "--database-url", dsn)...) }
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), args("status"), noenv, &out, io.Discard))
		require.Contains(t, out.String(), "pending")
		out.Reset()
		require.NoError(t, run(context.Background(), args("up"), noenv, &out, io.Discard))
		require.NotContains(t, out.String(), "pending")
		out.Reset()
		require.NoError(t, run(context.Background(), args("down"), noenv, &out, io.Discard))
		require.Contains(t, out.String(), "pending")
		require.Error(t, run(context.Background(), args("sideways"), noenv, io.Discard, io.Discard))
	})
}

// TestBackup_ThroughRun: `conduit backup` is wired into run()'s switch;
// internal/cli tests the command itself.
func TestBackup_ThroughRun(t *testing.T) {
	ctx := context.Background()
	noenv := func(string) string { return "" }
	dsn := testenv.SQLite(t)
	require.NoError(t, run(ctx, []string{"seed", "--users", "3", "--articles", "2", "--comments", "0", "--database-url", dsn}, noenv, io.Discard, io.Discard))
	out := filepath.Join(t.TempDir(), "backup.db")
	var stdout bytes.Buffer
	err := run(ctx, []string{"backup", out, "--database-url", dsn}, noenv, &stdout, io.Discard)
	require.NoError(t, err, "is backup wired into run()'s switch?")
	require.Regexp(t, `^Backed up the SQLite database to .+: [0-9.]+ (B|kB|MB|GB) in [0-9.]+[µm]?s\.\n$`, stdout.String())
	db, err := store.Open(ctx, out)
	require.NoError(t, err)
	defer db.Close()
	empty, err := db.IsEmpty(ctx)
	require.NoError(t, err)
	require.False(t, empty, "the copy holds the seeded data")

	var errOut bytes.Buffer
	err = run(ctx, []string{"backup", "--help"}, noenv, io.Discard, &errOut)
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Contains(t, errOut.String(), "Usage: conduit backup FILE")
	require.Contains(t, errOut.String(), "pg_restore")
}

// buildConduit builds the binary as `make build` does.
func buildConduit(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "conduit")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// TestStaticBinary builds the binary as `make build` does and runs it in an
// empty folder, as someone who copies it onto a server would.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildConduit(t)
	f, err := elf.Open(bin)
	require.NoError(t, err)
	for _, p := range f.Progs {
		require.NotEqual(t, elf.PT_INTERP, p.Type, "a static binary has no dynamic loader")
	}
	require.NoError(t, f.Close())

	work := t.TempDir()
	var stdout, stderr testenv.Buffer
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Stdout, cmd.Stderr = work, &stdout, &stderr
	cmd.Env = []string{"HOME=" + work}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			require.NoError(t, err, "SIGINT stops the server cleanly\n%s", stderr.String())
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the server did not stop on SIGINT")
		}
	}()
	base := waitForURL(t, &stdout, exited)
	checkServing(t, base)
	require.FileExists(t, filepath.Join(work, "conduit.db"), "the binary creates its database where it runs")
}

// TestTuneGC checks that serve's collector defaults apply only where the
// operator set nothing.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	tuneGC(func(string) string { return "" })
	require.Equal(t, defaultGOGC, debug.SetGCPercent(100))
	require.Equal(t, int64(defaultGOMEMLIMIT), debug.SetMemoryLimit(math.MaxInt64))

	set := map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}
	tuneGC(func(k string) string { return set[k] })
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: left alone")
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(math.MaxInt64), "GOMEMLIMIT set: left alone")
}

// TestServeUnopenableDatabase: a database file that cannot be opened was
// reported as "open database: unable to open database file (14)", naming
// neither the file nor the cause. Start now fails naming both.
func TestServeUnopenableDatabase(t *testing.T) {
	serve := func(t *testing.T, dsn string) error {
		t.Helper()
		env := map[string]string{"CONDUIT_DATABASE_URL": dsn}
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
		require.Error(t, err, "the server started on %s", dsn)
		require.NotZero(t, exitCode(err))
		return err
	}
	t.Run("MissingFolder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gone", "conduit.db")
		require.EqualError(t, serve(t, path), "open database: "+path+": the folder "+filepath.Dir(path)+" does not exist")
	})
	t.Run("Folder", func(t *testing.T) {
		path := t.TempDir()
		require.EqualError(t, serve(t, path), "open database: "+path+": it is a folder, not a file")
	})
	t.Run("NotADatabase", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.txt")
		text := []byte(strings.Repeat("these are notes, not a database\n", 256))
		require.NoError(t, os.WriteFile(path, text, 0o644))
		require.EqualError(t, serve(t, "sqlite://"+path+"?_busy_timeout=100"), "open database: "+path+": it is not an SQLite database (it does not begin with SQLite's header)")
		after, err := os.ReadFile(path)
		require.NoError(t, err)
		require.Equal(t, text, after, "the file is left as it was")
	})
	t.Run("FolderNotWritable", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "locked")
		require.NoError(t, os.Mkdir(dir, 0o555))
		reason := "permission denied"
		if os.Geteuid() == 0 {
			// Root writes where permissions say no; an immutable folder
			// refuses even root.
			if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
				t.Skipf("running as root, and chattr +i is not available: %v %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("chattr", "-i", dir).Run() })
			reason = "operation not permitted"
		}
		path := filepath.Join(dir, "conduit.db")
		require.EqualError(t, serve(t, path), "open database: "+path+": cannot create a file in the folder "+dir+": "+reason)
	})
}

// TestSignInMemory sends 200 sign-ins at once to the built binary and reads
// its peak resident memory: each argon2id hash takes 19 MiB, so hashes must
// wait for one of a few slots instead of all running together.
func TestSignInMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildConduit(t)
	dir := t.TempDir()
	var out testenv.Buffer
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	cmd.Env = []string{"HOME=" + dir, "CONDUIT_RATE_LIMIT=0", "CONDUIT_SIGN_IN_PER_IP=0", "CONDUIT_SIGN_IN_PER_EMAIL=0", "CONDUIT_PASSWORD_HASHES=2"}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	base := waitForURL(t, &out, exited)
	email := demoEmail(t, base)
	before := peakRSS(t, cmd.Process.Pid)

	const n = 200
	var wg sync.WaitGroup
	codes := make([]string, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			// Demo users sign in with the seed password; every other
			// attempt is wrong, which costs the same hash.
			password := map[bool]string{true: cli.SeedPassword, false: "wrong-password"}[i%2 == 0]
			body, _ := json.Marshal(map[string]any{"query": apitest.SignInMutation, "variables": map[string]any{"e": email, "p": password}})
			resp, err := http.Post(base+"/graphql", "application/json", bytes.NewReader(body))
			if err != nil {
				codes[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			var r apitest.Response
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				codes[i] = err.Error()
				return
			}
			codes[i] = r.Code()
		})
	}
	wg.Wait()
	peak := peakRSS(t, cmd.Process.Pid)
	t.Logf("%d sign-ins in %s; peak RSS %d MB before, %d MB after", n, time.Since(start).Round(time.Millisecond), before>>20, peak>>20)
	for i, code := range codes {
		want := map[bool]string{true: "", false: "UNAUTHENTICATED"}[i%2 == 0]
		require.Equal(t, want, code, "sign-in %d", i)
	}
	require.Less(t, peak, int64(200<<20), "peak RSS")
}

// demoEmail is the e-mail address of a demo user of the server at base.
func demoEmail(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ articles(first: 1) { nodes { author { username } } } }"}`))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Articles struct {
				Nodes []struct{ Author struct{ Username string } }
			}
		}
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotEmpty(t, out.Data.Articles.Nodes, "demo data")
	return out.Data.Articles.Nodes[0].Author.Username + "@example.com"
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// TestDeployDropsNoRequest restarts the server under load the way a
// service manager with socket activation does (systemd's conduit.socket):
// the socket outlives the process, so the old process finishes what it
// started, new connections wait in the backlog, and the new process serves
// them. Not one request fails.
func TestDeployDropsNoRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and restarts the binary")
	}
	bin := buildConduit(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	socket, err := ln.(*net.TCPListener).File()
	require.NoError(t, err)
	defer socket.Close()
	base := "http://" + ln.Addr().String()
	dir := t.TempDir()

	start := func() (*exec.Cmd, <-chan error, *testenv.Buffer) {
		var out testenv.Buffer
		// The shell sets LISTEN_PID to its own pid, which exec keeps.
		cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0"`, bin)
		cmd.ExtraFiles = []*os.File{socket}
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
		cmd.Env = []string{"HOME=" + dir, "CONDUIT_RATE_LIMIT=0"}
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(base + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			require.True(t, time.Now().Before(deadline), "not ready:\n%s", out.String())
			time.Sleep(20 * time.Millisecond)
		}
		return cmd, exited, &out
	}

	old, oldExited, oldOut := start()
	query := base + "/graphql?query=" + url.QueryEscape(`{ articles(first: 5) { nodes { slug author { username } } } }`)
	client := &http.Client{Timeout: 15 * time.Second}
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var reused bool // for the failure message: a fresh connection is never retried
				req, _ := http.NewRequest(http.MethodGet, query, nil)
				req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}))
				resp, err := client.Do(req)
				if err != nil {
					err = fmt.Errorf("reused=%v: %w", reused, err)
				}
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = &url.Error{Op: "GET", URL: query, Err: os.ErrInvalid}
					}
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				ok.Add(1)
			}
		})
	}

	time.Sleep(300 * time.Millisecond)
	servedByOld := ok.Load()
	require.NoError(t, old.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-oldExited:
		require.NoError(t, err, "the old process stops cleanly\n%s", oldOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("the old process did not stop")
	}
	next, nextExited, nextOut := start()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	require.NoError(t, next.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-nextExited, "%s", nextOut.String())
	require.Positive(t, servedByOld)
	require.Greater(t, ok.Load(), servedByOld, "the new process served requests too")
	require.Zero(t, failed.Load(), "failed requests during the restart, first: %v", firstErr.Load())
}
