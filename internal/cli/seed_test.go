package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestProgress(t *testing.T) {
	t.Run("BarOnATerminal", func(t *testing.T) {
		var out bytes.Buffer
		p := &progress{w: &out, terminal: true}
		for i := 0; i <= 1000; i++ {
			p.update("articles", i, 1000)
		}
		p.update("comments", 5, 5)
		p.finish()
		s := out.String()
		require.Contains(t, s, "\rarticles   [##############################] 100% 1000/1000", "redrawn in place")
		require.Contains(t, s, "100% 1000/1000\n\rcomments", "a new stage starts on a new line")
		require.Less(t, strings.Count(s, "\r"), 20, "redraws are throttled, not one per row")
		require.True(t, strings.HasSuffix(s, "\n"), "the cursor ends on a fresh line")
	})
	t.Run("LinesElsewhere", func(t *testing.T) {
		var out bytes.Buffer
		p := newProgress(&out)
		for i := 0; i <= 1000; i++ {
			p.update("articles", i, 1000)
		}
		s := out.String()
		require.NotContains(t, s, "\r")
		require.Equal(t, 11, strings.Count(s, "\n"), "one line per tenth")
		require.Contains(t, s, "articles: 1000/1000 (100%)\n")
	})
	t.Run("TerminalDetection", func(t *testing.T) {
		require.False(t, isTerminal(&bytes.Buffer{}))
		f, err := os.CreateTemp(t.TempDir(), "out")
		require.NoError(t, err)
		defer f.Close()
		require.False(t, isTerminal(f), "a file is no terminal")
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			defer tty.Close()
			require.True(t, isTerminal(tty))
		}
	})
}
