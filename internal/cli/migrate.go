package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/conduit-graphql/conduit/internal/store"
)

// Migrate is `conduit migrate`: it applies, rolls back or lists the
// embedded migrations.
func Migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dsn string
	f := newFlags("migrate [up|down|status] [flags]", "Applies every pending migration (up, the default), rolls back the last\ngroup (down), or lists the migrations and whether each is applied (status).", getenv, stderr)
	databaseFlag(f, &dsn)
	action := "up"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if err := f.parse(args); err != nil {
		return err
	}
	if f.fs.NArg() > 1 {
		f.fs.Usage()
		return fmt.Errorf("migrate takes one action")
	} else if f.fs.NArg() == 1 {
		action = f.fs.Arg(0)
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "up":
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	case "down":
		if err := db.MigrateDown(ctx); err != nil {
			return err
		}
	case "status":
	default:
		f.fs.Usage()
		return fmt.Errorf("unknown migrate action %q", action)
	}
	return printMigrations(ctx, db, stdout)
}

func printMigrations(ctx context.Context, db *store.DB, stdout io.Writer) error {
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MIGRATION\tSTATE")
	for _, s := range states {
		state := "pending"
		if s.Applied {
			state = "applied"
		}
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, state)
	}
	return tw.Flush()
}
