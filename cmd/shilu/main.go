// Command shilu is Shilu (实录), the evidence archive for law-enforcement
// audio and video: server, upload client and admin/verify tools in one
// binary.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"shilu/internal/evidence"
	"shilu/internal/locale"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee exitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "shilu:", describe(err, os.Getenv))
		}
		os.Exit(exitCode(err))
	}
}

// describe is what the operator reads of err: an application error's
// message, in the language of the environment (LC_ALL, LC_MESSAGES, LANG:
// the first that is set, e.g. zh_CN.UTF-8 or en_US.UTF-8; Chinese for
// others), and any other error's own
// text, which names the file or step that failed.
func describe(err error, getenv func(string) string) string {
	var e *evidence.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	lang := locale.Default
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if l, ok := locale.Match(s); ok {
				lang = l
			}
			break
		}
	}
	return locale.New(lang).Error(err)
}

// exitError ends the program with a code after the command has already
// said why (e.g. verify listing what failed).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return int(ee)
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

var errUsage = errors.New("usage")

const usage = `shilu — evidence archive for law-enforcement audio and video (实录)

Usage:
  shilu serve        --data DIR --listen ADDR [--db URL] [--blobs URL]
                                                  run the server
  shilu user add     --data DIR --name NAME --role ROLE [--dept DEPT] [--display-name NAME] [--officer-no NO]
  shilu user reset   --data DIR --name NAME [--totp]   new initial password
  shilu dept add     --data DIR --name NAME [--parent DEPT]
  shilu dept list    --data DIR
  shilu token create --data DIR --user NAME       print an API token
  shilu upload       --server URL --token TOKEN [--device-time T] FILE...
  shilu upload       --server URL --token TOKEN --dir DIR [--clear]
                                                  walk a mounted card: queue, verify, then clear
  shilu station      --server URL --token TOKEN --state DIR --mount DIR | --media-root DIR [--clear]
                                                  the collection station: watch docked devices, upload,
                                                  verify, clear; status page on 127.0.0.1:8089
  shilu station status                            the running station's status in the terminal
  shilu verify       --data DIR [--quiet]         re-hash every original
  shilu backup       --data DIR --to DIR [--with-keys]
                                                  online backup: catalogue, custody log, new originals;
                                                  keys kept apart unless --with-keys
  shilu restore      --from DIR --data NEWDIR [--keys DIR]
                                                  restore a backup into an empty data directory, checked
  shilu audit verify --data DIR [--checkpoint FILE] [--quiet]
                                                  check the custody log (all cores, progress bar),
                                                  and that it extends a checkpoint held elsewhere
  shilu audit checkpoint --data DIR               print the latest signed checkpoint, to keep
  shilu migrate      --data DIR [--db URL]        apply pending schema migrations (SQLite in DIR,
                                                  or PostgreSQL: --db postgres://USER@HOST/DB)
  shilu package verify [--key KEY] DIR|ISO        check an evidence package offline (every file,
                                                  every custody proof, the checkpoint's signature)
  shilu disc burn --device DEV [--data DIR --extraction ID] PACKAGE.iso
                                                  write a package's image to disc and read it back

Every flag can also be set as SHILU_<FLAG> in the environment, e.g.
SHILU_DATA=/var/lib/shilu. Run "shilu COMMAND --help" for a command's flags.
`

// run is the whole program, with its environment passed in so that tests
// can run it in-process. A command that did its work but could not say so
// (stdout a closed pipe or a full disk) fails with the first error of its
// output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &cmdEnv{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr}
	err := env.command(args)
	if err == nil && env.outErr != nil {
		return fmt.Errorf("write output: %w", env.outErr)
	}
	return err
}

// command runs the subcommand args name.
func (e *cmdEnv) command(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		e.printf("%s", usage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := func(want string) ([]string, error) {
		if len(args) < 2 || args[1] != want {
			e.eprintf("%s", usage)
			return nil, errUsage
		}
		return args[2:], nil
	}
	switch args[0] {
	case "serve":
		return e.serve(args[1:])
	case "upload":
		return e.upload(args[1:])
	case "station":
		return e.station(args[1:])
	case "verify":
		return e.verify(args[1:])
	case "backup":
		return e.backup(args[1:])
	case "restore":
		return e.restore(args[1:])
	case "user":
		if len(args) > 1 && args[1] == "reset" {
			return e.userReset(args[2:])
		}
		rest, err := sub("add")
		if err != nil {
			return err
		}
		return e.userAdd(rest)
	case "dept":
		if len(args) > 1 && args[1] == "list" {
			return e.deptList(args[2:])
		}
		rest, err := sub("add")
		if err != nil {
			return err
		}
		return e.deptAdd(rest)
	case "token":
		rest, err := sub("create")
		if err != nil {
			return err
		}
		return e.tokenCreate(rest)
	case "package":
		rest, err := sub("verify")
		if err != nil {
			return err
		}
		return e.packageVerify(rest)
	case "disc":
		rest, err := sub("burn")
		if err != nil {
			return err
		}
		return e.discBurn(rest)
	case "migrate":
		return e.migrate(args[1:])
	case "audit":
		if len(args) > 1 && args[1] == "checkpoint" {
			return e.auditCheckpoint(args[2:])
		}
		rest, err := sub("verify")
		if err != nil {
			return err
		}
		return e.auditVerify(rest)
	}
	e.eprintf("shilu: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}

// cmdEnv is what every subcommand runs with.
type cmdEnv struct {
	ctx            context.Context
	getenv         func(string) string
	stdout, stderr io.Writer
	// outErr is the first error of writing to stdout or stderr: the
	// commands write on (a progress bar, the next line) and run reports it
	// at the end.
	outErr error
}

// printf writes to stdout; an error is kept in outErr.
func (e *cmdEnv) printf(format string, args ...any) {
	_, err := fmt.Fprintf(e.stdout, format, args...)
	e.keep(err)
}

// eprintf writes to stderr; an error is kept in outErr.
func (e *cmdEnv) eprintf(format string, args ...any) {
	_, err := fmt.Fprintf(e.stderr, format, args...)
	e.keep(err)
}

// keep keeps err in outErr unless it holds an earlier one: for what draws
// on the terminal (a progress bar), whose failure is a failed write too.
func (e *cmdEnv) keep(err error) {
	if e.outErr == nil {
		e.outErr = err
	}
}
