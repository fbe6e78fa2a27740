package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// newFlags returns a FlagSet that reports errors instead of exiting and
// prints its usage to w on --help.
func newFlags(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: kyso %s\n\nFlags:\n", usage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags that may appear before, between and after positional
// arguments (kyso sign IN -o OUT --level B-T) and returns the positionals.
// "-" is a positional (stdin/stdout); "--" ends flag parsing.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fs.Usage()
				return nil, errHelp
			}
			return nil, usageErrorf("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first positional, or after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// positional checks the number of positional arguments.
func positional(pos []string, min, max int, names string) error {
	if len(pos) < min {
		return usageErrorf("missing %s", names)
	}
	if max >= 0 && len(pos) > max {
		return usageErrorf("unexpected argument %q", pos[max])
	}
	return nil
}

// parseTime accepts RFC 3339, "YYYY-MM-DDTHH:MM[:SS]" and "YYYY-MM-DD"
// (the last two in Vietnam's time zone, UTC+7).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	vn := time.FixedZone("ICT", 7*3600)
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, vn); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("malformed time %q: use RFC 3339, e.g. 2025-07-01T09:15:30+07:00", strings.TrimSpace(s))
}

// subcommand is one verb of a command with subcommands (kyso pki init …).
type subcommand struct {
	name string
	run  func(ctx context.Context, e *env, cfg config.Config, args []string) error
}

// noCtx adapts a subcommand that needs no context.
func noCtx(f func(e *env, cfg config.Config, args []string) error) func(context.Context, *env, config.Config, []string) error {
	return func(_ context.Context, e *env, cfg config.Config, args []string) error { return f(e, cfg, args) }
}

// dispatch loads the shared configuration and runs the named subcommand,
// printing usage for none or --help.
func dispatch(ctx context.Context, e *env, usage string, args []string, subs []subcommand) error {
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.name
	}
	want := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(e.stdout, "Usage: kyso %s\n", usage)
		if len(args) == 0 {
			return usageErrorf("missing subcommand: %s", want)
		}
		return errHelp
	}
	cfg, err := config.Load(e.data)
	if err != nil {
		return withCode(exitUsage, err)
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, e, cfg, args[1:])
		}
	}
	return usageErrorf("unknown subcommand %q: want %s", args[0], want)
}
