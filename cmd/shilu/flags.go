package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// newFlags returns a flag set for a subcommand whose usage names it.
func (e *cmdEnv) newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		e.eprintf("Usage: shilu %s\n\nFlags (each also read from SHILU_<FLAG>):\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse reads flags from SHILU_* variables first, then from args, which win.
func (e *cmdEnv) parse(fs *flag.FlagSet, args []string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		key := "SHILU_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := e.getenv(key); v != "" && err == nil {
			if serr := fs.Set(f.Name, v); serr != nil {
				err = fmt.Errorf("%s: %w", key, serr)
			}
		}
	})
	if err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	return nil
}

// errHelp ends a command that printed its help; it exits 0.
var errHelp = exitError(0)

func requireFlags(fs *flag.FlagSet, names ...string) error {
	for _, n := range names {
		if fs.Lookup(n).Value.String() == "" {
			fs.Usage()
			return fmt.Errorf("--%s is required: %w", n, errUsage)
		}
	}
	return nil
}
