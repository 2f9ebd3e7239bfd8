package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"shilu/internal/auth"
	"shilu/internal/evidence"
)

// Every subcommand answers --help with its flags and exit status 0; bad
// usage exits 2.
func TestHelpAndUsage(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--help"}, {"user", "add", "--help"}, {"token", "create", "--help"},
		{"upload", "--help"}, {"verify", "--help"}, {"audit", "verify", "--help"},
		{"backup", "--help"}, {"restore", "--help"},
	} {
		t.Run(strings.Join(args[:len(args)-1], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
			if exitCode(err) != 0 || !strings.Contains(errOut.String(), "Usage: shilu "+strings.Join(args[:len(args)-1], " ")) ||
				!strings.Contains(errOut.String(), "-data") && args[0] != "upload" {
				t.Fatalf("exit %d, stderr %q", exitCode(err), errOut.String())
			}
		})
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"user", "delete"}, {"user", "add", "--data", t.TempDir()}, {"serve", "--no-such-flag"},
		{"backup", "--data", t.TempDir()}, {"restore", "--from", t.TempDir()}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); exitCode(err) != 2 {
			t.Errorf("shilu %v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}

// A command whose output cannot be written fails, though its work is
// done: a token printed into a closed pipe is no token.
func TestOutputErrorFails(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--name", "station-01", "--role", "station")
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"token", "create", "--data", data, "--user", "station-01"}, func(string) string { return "" }, failingWriter{}, &errOut)
	if !errors.Is(err, errWriteFailed) || exitCode(err) != 1 {
		t.Fatalf("token create into a failing stdout: %v (exit %d), want the write's error", err, exitCode(err))
	}
}

var errWriteFailed = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWriteFailed }

// Flags are also read from SHILU_<FLAG>; a flag on the command line wins.
func TestFlagsFromEnvironment(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"SHILU_DATA": data, "SHILU_NAME": "from-env", "SHILU_ROLE": "officer"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add"}, getenv, &out, &out); err != nil {
		t.Fatalf("user add from the environment: %v (%s)", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"user", "add", "--name", "from-flag"}, getenv, &out, &out); err != nil || !strings.Contains(out.String(), "user from-flag (officer) created") {
		t.Fatalf("flag over environment: %v (%s)", err, out.String())
	}
	env["SHILU_ROLE"] = "emperor"
	err := run(context.Background(), []string{"user", "add", "--name", "x"}, getenv, &out, &out)
	if err == nil || errors.Is(err, errUsage) {
		t.Fatalf("a bad role from the environment: %v", err)
	}
}

// The operator reads an application error's message in the environment's
// language, and any other error as it is.
func TestDescribeError(t *testing.T) {
	exists := fmt.Errorf("user add: %w", evidence.Errorf(evidence.EConflict, "err.user.exists", "admin"))
	for _, tc := range []struct {
		name string
		err  error
		env  map[string]string
		want string
	}{
		{"ChineseByDefault", exists, nil, "用户名“admin”已被使用"},
		{"English", exists, map[string]string{"LANG": "en_US.UTF-8"}, "User “admin” already exists"},
		{"LCAllFirst", exists, map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "用户名“admin”已被使用"},
		{"CLocaleIsChinese", exists, map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "用户名“admin”已被使用"},
		{"OtherErrorsAsTheyAre", errors.New("open /data/secrets.key: permission denied"), nil, "open /data/secrets.key: permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.err, func(k string) string { return tc.env[k] }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// X-SEC-1: the operator gives tokens to collection stations only; people
// sign in (issue 9 point 3).
func TestTokenOnlyForStations(t *testing.T) {
	data := t.TempDir()
	mustCLI(t, "user", "add", "--data", data, "--name", "zhangwei", "--role", "officer")
	if out, err := cli(t, "token", "create", "--data", data, "--user", "zhangwei"); err == nil || strings.Contains(out, auth.TokenPrefix) {
		t.Errorf("token create for an officer: %v, printed %q", err, out)
	}
	newStation(t, data, "station-01")
}
