package cli

import (
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProductionSecret: production refuses a token secret that anyone
// could know, with a message that says what to do.
func TestProductionSecret(t *testing.T) {
	serve := func(env map[string]string) error {
		_, err := ParseServe([]string{"--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, io.Discard)
		return err
	}
	t.Run("ErrPublished", func(t *testing.T) {
		for _, secret := range publishedSecrets {
			err := serve(map[string]string{"CONDUIT_ENV": "production", "CONDUIT_JWT_SECRET": secret})
			require.ErrorContains(t, err, "published in Conduit's source code", "secret %q", secret)
			require.ErrorContains(t, err, "openssl rand")
		}
	})
	t.Run("ErrTooShort", func(t *testing.T) {
		for _, env := range []string{"production", "development"} {
			err := serve(map[string]string{"CONDUIT_ENV": env, "CONDUIT_JWT_SECRET": strings.Repeat("k", 31)})
			require.ErrorContains(t, err, "at least 32 bytes, got 31")
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		require.ErrorContains(t, serve(map[string]string{"CONDUIT_ENV": "production"}), "required in production")
	})
	t.Run("OK", func(t *testing.T) {
		c := Config{Env: EnvProduction, JWTSecret: rand.Text() + rand.Text()}
		require.NoError(t, c.checkSecret())
		c = Config{Env: EnvDevelopment, JWTSecret: DevSecret}
		require.NoError(t, c.checkSecret(), "development may use the published secrets")
	})
}

// TestPublishedSecretsListed finds the token secrets written in the
// repository's files and checks that production refuses each of them.
func TestPublishedSecretsListed(t *testing.T) {
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	root := strings.TrimSpace(string(top))
	ls := exec.Command("git", "ls-files")
	ls.Dir = root
	out, err := ls.Output()
	require.NoError(t, err)
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`JWT_SECRET=["']?([^\s"'$]{8,})`),
		regexp.MustCompile(`JWTSecret:\s*"([^"]+)"`),
		regexp.MustCompile(`NewTokens\(\[\]byte\("([^"]+)"`),
		regexp.MustCompile(`DevSecret\s*=\s*"([^"]+)"`),
	}
	found := 0
	for _, name := range strings.Fields(string(out)) {
		if strings.HasPrefix(name, "web/") || strings.HasSuffix(name, ".md") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			continue // deleted in the work tree
		}
		for _, re := range patterns {
			for _, m := range re.FindAllSubmatch(b, -1) {
				found++
				require.Contains(t, publishedSecrets, string(m[1]), "%s holds a token secret that production does not refuse", name)
			}
		}
	}
	require.GreaterOrEqual(t, found, 4, "the patterns still find the secrets")
}

// TestProductionCORS: production refuses CORS for any origin, defaulted or
// given, and says what to set instead; a list of origins starts.
func TestProductionCORS(t *testing.T) {
	secret := rand.Text() + rand.Text()
	check := func(env map[string]string, args ...string) error {
		var c Config
		f := newFlags("serve", "", func(k string) string { return env[k] }, io.Discard)
		finish := serveFlags(f, &c)
		require.NoError(t, f.parse(args))
		return finish()
	}
	prod := map[string]string{"CONDUIT_ENV": "production", "CONDUIT_JWT_SECRET": secret}
	for name, args := range map[string][]string{"ErrDefault": nil, "ErrGiven": {"--cors-origins", "*"}, "ErrInList": {"--cors-origins", "https://app.example.com,*"}} {
		t.Run(name, func(t *testing.T) {
			err := check(prod, args...)
			require.ErrorContains(t, err, "--cors-origins")
			require.ErrorContains(t, err, "--cors-origins https://app.example.com")
		})
	}
	t.Run("OK", func(t *testing.T) {
		require.NoError(t, check(prod, "--cors-origins", "https://app.example.com"))
		require.NoError(t, check(map[string]string{}), "development keeps * as its default")
	})
}

// The websocket limits come from flags or their CONDUIT_* twins, and a
// negative cap or a subscription complexity below 1 is refused.
func TestWebsocketLimitFlags(t *testing.T) {
	parse := func(env map[string]string, args ...string) (Config, error) {
		var c Config
		f := newFlags("serve", "", func(k string) string { return env[k] }, io.Discard)
		finish := serveFlags(f, &c)
		require.NoError(t, f.parse(args))
		return c, finish()
	}
	c, err := parse(nil)
	require.NoError(t, err)
	require.Equal(t, 200, c.Limits.SubscriptionComplexity)
	require.Equal(t, 100, c.Limits.SubscriptionsPerSocket)
	require.Equal(t, 20, c.Limits.StreamsPerClient)

	c, err = parse(map[string]string{"CONDUIT_MAX_SUBSCRIPTIONS_PER_SOCKET": "7", "CONDUIT_MAX_SOCKETS_PER_CLIENT": "0"},
		"--max-subscription-complexity", "50")
	require.NoError(t, err)
	require.Equal(t, 50, c.Limits.SubscriptionComplexity)
	require.Equal(t, 7, c.Limits.SubscriptionsPerSocket)
	require.Equal(t, 0, c.Limits.StreamsPerClient, "0 turns the cap off")

	_, err = parse(nil, "--max-sockets-per-client", "-1")
	require.ErrorContains(t, err, "--max-sockets-per-client")
	_, err = parse(nil, "--max-subscription-complexity", "0")
	require.ErrorContains(t, err, "--max-subscription-complexity must be positive")
}

func TestPublicMaxAgeFlag(t *testing.T) {
	check := func(args ...string) (Config, error) {
		var c Config
		f := newFlags("serve", "", func(string) string { return "" }, io.Discard)
		finish := serveFlags(f, &c)
		require.NoError(t, f.parse(args))
		return c, finish()
	}
	c, err := check()
	require.NoError(t, err)
	require.Equal(t, 5*time.Second, c.PublicMaxAge, "the default")
	for _, bad := range []string{"1500ms", "-1s"} {
		_, err := check("--public-max-age", bad)
		require.ErrorContains(t, err, "--public-max-age (CONDUIT_PUBLIC_MAX_AGE) must be whole seconds", bad)
	}
	c, err = check("--public-max-age", "0")
	require.NoError(t, err)
	require.Zero(t, c.PublicMaxAge)
}
