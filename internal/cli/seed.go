package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/conduit-graphql/conduit/internal/auth"
	"github.com/conduit-graphql/conduit/internal/store"
)

// SeedPassword is the password of every seeded user.
const SeedPassword = "password123"

// DemoSeed is the small data set an empty development database gets at start.
var DemoSeed = store.SeedOptions{Users: 25, Articles: 80, Comments: 300, Seed: 1}

// Seed is `conduit seed`: it fills the database with a deterministic,
// realistic data set.
func Seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dsn string
	opts := store.SeedOptions{}
	var seed int
	f := newFlags("seed [flags]", "Adds a deterministic, realistic data set: users who follow each other, articles with\nlong-tail tags, favorites and comments. Every seeded user's password is "+SeedPassword+".", getenv, stderr)
	databaseFlag(f, &dsn)
	f.fs.IntVar(&opts.Users, "users", 1000, "users to add")
	f.fs.IntVar(&opts.Articles, "articles", 10000, "articles to add")
	f.fs.IntVar(&opts.Comments, "comments", 50000, "comments to add")
	f.fs.IntVar(&seed, "seed", 1, "random seed: the same seed gives the same data")
	if err := f.parse(args); err != nil {
		return err
	} else if f.fs.NArg() > 0 {
		f.fs.Usage()
		return fmt.Errorf("seed takes no arguments")
	}
	opts.Seed = int64(seed)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	p := newProgress(stdout)
	opts.Progress = p.update
	start := time.Now()
	stats, err := SeedDB(ctx, db, opts)
	p.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Seeded %s in %s. Every seeded user's password is %q.\n", stats, time.Since(start).Round(time.Millisecond), SeedPassword)
	return nil
}

// SeedDemo gives an empty development database a small data set, so the
// playground shows something at once.
func SeedDemo(ctx context.Context, db *store.DB, log *slog.Logger) error {
	empty, err := db.IsEmpty(ctx)
	if err != nil || !empty {
		return err
	}
	opts := DemoSeed
	opts.End = time.Now() // so the demo's articles look recent
	stats, err := SeedDB(ctx, db, opts)
	if err != nil {
		return fmt.Errorf("seed demo data: %w", err)
	}
	log.Info("empty development database: added demo data", "data", stats.String(), "password", SeedPassword)
	return nil
}

// SeedDB seeds db as opts says, every user with the password SeedPassword.
func SeedDB(ctx context.Context, db *store.DB, opts store.SeedOptions) (store.SeedStats, error) {
	hash, err := auth.NewArgon2().Hash(ctx, SeedPassword)
	if err != nil {
		return store.SeedStats{}, err
	}
	opts.PasswordHash = hash
	return store.Seed(ctx, db, opts)
}

// progress shows seeding progress: a bar redrawn in place on a terminal,
// plain lines (one per tenth of each stage) anywhere else.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	stage    string
	lastStep int
	lastDone int
	lastDraw time.Time
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, terminal: isTerminal(w)}
}

// isTerminal reports whether w is a terminal, where a bar can be redrawn.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) update(stage string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stage != p.stage {
		if p.terminal && p.stage != "" {
			fmt.Fprintln(p.w)
		}
		p.stage, p.lastStep, p.lastDone, p.lastDraw = stage, -1, -1, time.Time{}
	}
	if done == p.lastDone {
		return
	}
	p.lastDone = done
	if total <= 0 {
		total = 1
	}
	if p.terminal {
		if done < total && time.Since(p.lastDraw) < 100*time.Millisecond {
			return
		}
		p.lastDraw = time.Now()
		const width = 30
		filled := width * done / total
		fmt.Fprintf(p.w, "\r%-10s [%s%s] %3d%% %d/%d", stage, strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/total, done, total)
		return
	}
	if step := 10 * done / total; step != p.lastStep {
		p.lastStep = step
		fmt.Fprintf(p.w, "%s: %d/%d (%d%%)\n", stage, done, total, 100*done/total)
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal && p.stage != "" {
		fmt.Fprintln(p.w)
	}
}
