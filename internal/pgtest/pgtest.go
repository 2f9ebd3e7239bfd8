// Package pgtest starts a throw-away PostgreSQL cluster for tests: one per
// test binary, in a temporary directory on a free loopback port, and a
// fresh database per test copied from a migrated template (CREATE DATABASE
// … TEMPLATE, a file copy: far faster than migrating each).
//
// Debian's postgresql package provides the binaries; without them a test
// that asks for a database is skipped, unless SHILU_REQUIRE_POSTGRES=1 or
// SHILU_TEST_DISALLOW_SKIP=1 (CI), which turn the skip into a failure.
//
// A package whose tests use it calls Main from its TestMain, which stops the
// cluster and removes its files when the tests end. The server process is
// also started with the parent-death signal set to SIGKILL, so a test
// binary that is killed (a timeout, ^C) takes its postmaster with it; the
// backends notice their postmaster's death and exit.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Required reports whether a missing PostgreSQL fails tests instead of
// skipping them.
func Required() bool {
	return os.Getenv("SHILU_REQUIRE_POSTGRES") == "1" || os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1"
}

// cluster is the running server of this test binary.
type cluster struct {
	dir    string // temporary directory: data/, the socket, the log
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	admin  *sql.DB // the postgres database, for CREATE/DROP DATABASE

	mu        sync.Mutex
	templates map[string]error // prepared templates, by name
	n         atomic.Int64     // databases made
}

var (
	startOnce sync.Once
	running   *cluster
	startErr  error
	errNoBin  = errors.New("pgtest: PostgreSQL binaries not found (apt-get install postgresql, or set SHILU_PGBIN)")
)

// Main runs the tests of m and then stops the cluster if a test started
// one, and exits. Call it from TestMain: func TestMain(m *testing.M) {
// pgtest.Main(m) }. m is usually the *testing.M; a package that runs its
// tests more than once (once per database) passes its own runner.
func Main(m interface{ Run() int }) {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// URL returns the address of a new, empty-but-prepared database for the
// test: a copy of the template named template, which prepare fills (runs
// migrations) the first time the name is asked for in this binary. prepare
// must close its connections before it returns (a template in use cannot
// be copied). The database is dropped when the test ends.
func URL(t testing.TB, template string, prepare func(ctx context.Context, url string) error) string {
	t.Helper()
	c := start(t)
	ctx := context.Background()
	c.mu.Lock()
	defer c.mu.Unlock()
	err, done := c.templates[template]
	if !done {
		err = c.prepare(ctx, template, prepare)
		c.templates[template] = err
	}
	if err != nil {
		t.Fatalf("pgtest: template %s: %v", template, err)
	}
	name := fmt.Sprintf("t%d", c.n.Add(1))
	// Copies of one template are made one at a time (under c.mu): the copy
	// fails if another session is connected to the template.
	if _, err := c.admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+template); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := c.admin.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.url(name)
}

// Empty returns the address of a new empty database (no template), dropped
// when the test ends: for tests of migrations themselves.
func Empty(t testing.TB) string {
	t.Helper()
	c := start(t)
	name := fmt.Sprintf("t%d", c.n.Add(1))
	if _, err := c.admin.ExecContext(context.Background(), `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := c.admin.ExecContext(context.Background(), `DROP DATABASE `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.url(name)
}

func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

func (c *cluster) prepare(ctx context.Context, name string, fn func(context.Context, string) error) error {
	if _, err := c.admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return err
	}
	if err := fn(ctx, c.url(name)); err != nil {
		return err
	}
	// No session may stay connected to a template while it is copied.
	_, err := c.admin.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name)
	return err
}

// start starts the binary's cluster on first use, or skips/fails t when
// PostgreSQL is not installed.
func start(t testing.TB) *cluster {
	t.Helper()
	startOnce.Do(func() { running, startErr = startCluster() })
	if errors.Is(startErr, errNoBin) && !Required() {
		t.Skip(startErr.Error() + "; SHILU_REQUIRE_POSTGRES=1 makes this a failure")
	}
	if startErr != nil {
		t.Fatal(startErr)
	}
	return running
}

// binDir finds initdb and postgres: $SHILU_PGBIN, else the newest
// /usr/lib/postgresql/N/bin (Debian keeps them off $PATH), else $PATH.
func binDir() (string, error) {
	if d := os.Getenv("SHILU_PGBIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errNoBin
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// asPostgres runs cmd as the postgres account when the tests run as root:
// PostgreSQL refuses to run as root.
func asPostgres(cmd *exec.Cmd) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgtest: running as root and no postgres account: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

func chownPostgres(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(path, uid, gid)
}

func startCluster() (*cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	sweep()
	dir, err := os.MkdirTemp("", "shilu-pg-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, templates: map[string]error{}}
	fail := func(err error) (*cluster, error) {
		return nil, errors.Join(err, c.shutdown())
	}
	// The postgres account must reach its files: the directory is its own.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if err := chownPostgres(dir); err != nil {
		return fail(err)
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	if err := asPostgres(initdb); err != nil {
		return fail(err)
	}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("pgtest: initdb: %w\n%s", err, out))
	}
	// The port is chosen free and then handed to the server: another
	// process may take it in between, so try a few.
	for attempt := 0; ; attempt++ {
		c.port, err = freePort()
		if err != nil {
			return fail(err)
		}
		err = c.run(bin, data)
		if err == nil || attempt == 4 {
			break
		}
	}
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// run starts postgres on c.port and waits until it accepts connections.
// Durability is off (fsync, full-page writes): a crash loses a test's
// database, nothing else.
func (c *cluster) run(bin, data string) error {
	logf, err := os.Create(filepath.Join(c.dir, "postgres.log"))
	if err != nil {
		return err
	}
	// The server writes to its own descriptor (a copy); this one only
	// needed to be handed over.
	defer logf.Close() //nolint:errcheck // nothing was written through it
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200")
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGKILL when this process dies, however it dies. Go sets it after
	// switching credentials, which would otherwise clear it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := asPostgres(cmd); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // its end is reported by exited
	admin, err := sql.Open("pgx", c.url("postgres"))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = admin.PingContext(ctx)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
			return errors.Join(admin.Close(), fmt.Errorf("pgtest: postgres exited: %s", strings.TrimSpace(string(log))))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return errors.Join(admin.Close(), fmt.Errorf("pgtest: postgres did not start: %w", err))
		}
	}
	c.cmd, c.exited, c.admin = cmd, exited, admin
	return nil
}

// Stop ends the binary's cluster, if one was started, and removes its
// files: for a TestMain that does more than Main (call it after m.Run).
func Stop() error {
	if running == nil {
		return nil
	}
	return running.shutdown()
}

// shutdown stops the server (a fast shutdown: SIGINT) and removes its files.
func (c *cluster) shutdown() error {
	var errs []error
	if c.admin != nil {
		errs = append(errs, c.admin.Close())
	}
	if c.cmd != nil {
		_ = c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exited:
		case <-time.After(10 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
	errs = append(errs, os.RemoveAll(c.dir))
	return errors.Join(errs...)
}

// sweep removes the clusters that test binaries killed, or run without
// Main, left behind: directories older than ten minutes whose postmaster is
// gone (the parent-death signal killed it, its files stayed). A directory
// whose postmaster.pid names a live process belongs to a running binary.
func sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "shilu-pg-*"))
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
			// EPERM: alive, another account's (postgres, when not root).
			if err := syscall.Kill(pid, 0); pid > 0 && (err == nil || errors.Is(err, syscall.EPERM)) {
				continue
			}
		}
		_ = os.RemoveAll(d)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}
