package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"
)

// envFlags registers flags whose defaults come from CONDUIT_* variables,
// so a flag beats the environment, which beats the built-in default.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

// newFlags makes a command's flag set with a help text that names the command.
func newFlags(name, about string, getenv func(string) string, stderr io.Writer) *envFlags {
	fs := flag.NewFlagSet("conduit "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: conduit %s\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
	}
	return &envFlags{fs: fs, getenv: getenv}
}

// parse parses args, then reports the environment variables that did not
// parse either.
func (e *envFlags) parse(args []string) error {
	if err := e.fs.Parse(args); err != nil {
		return err
	}
	return errors.Join(e.errs...)
}

func (e *envFlags) env(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// String registers a string flag with its environment default.
func (e *envFlags) String(p *string, name, envName, def, usage string) {
	e.fs.StringVar(p, name, e.env(envName, def), usage+" ("+envName+")")
}

// Int registers an int flag with its environment default.
func (e *envFlags) Int(p *int, name, envName string, def int, usage string) {
	v, err := strconv.Atoi(e.env(envName, strconv.Itoa(def)))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", envName, err))
	}
	e.fs.IntVar(p, name, v, usage+" ("+envName+")")
}

// Duration registers a duration flag with its environment default.
func (e *envFlags) Duration(p *time.Duration, name, envName string, def time.Duration, usage string) {
	v, err := time.ParseDuration(e.env(envName, def.String()))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", envName, err))
	}
	e.fs.DurationVar(p, name, v, usage+" ("+envName+")")
}

// Bool registers a bool flag with its environment default.
func (e *envFlags) Bool(p *bool, name, envName string, def bool, usage string) {
	v, err := strconv.ParseBool(e.env(envName, strconv.FormatBool(def)))
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %w", envName, err))
	}
	e.fs.BoolVar(p, name, v, usage+" ("+envName+")")
}

// databaseFlag registers --database-url, which every command that opens the
// database shares.
func databaseFlag(e *envFlags, p *string) {
	e.String(p, "database-url", "CONDUIT_DATABASE_URL", "conduit.db", "SQLite file path, or a postgres:// URL")
}
