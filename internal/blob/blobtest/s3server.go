package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// VersityGWVersion is the S3 server the tests run against: versitygw, which
// honours Object Lock in COMPLIANCE mode (a locked version cannot be
// deleted, its retention cannot be shortened). .ci/run installs it with
// `go install github.com/versity/versitygw/cmd/versitygw@` this version.
const VersityGWVersion = "v1.8.0"

// S3Server is a real S3 server started for a test, on loopback.
type S3Server struct {
	Endpoint             string // host:port, plain http
	AccessKey, SecretKey string
	// Client is an administrative client on the server, for tests that
	// act on objects behind the store's back (tampering, deleting).
	Client  *minio.Client
	buckets atomic.Int64
}

// versitygw finds the binary: $SHILU_VERSITYGW, else versitygw in
// $(go env GOPATH)/bin ($HOME/go/bin), else on $PATH.
func versitygw() (string, error) {
	if p := os.Getenv("SHILU_VERSITYGW"); p != "" {
		return p, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return exec.LookPath("versitygw")
}

// StartS3 starts versitygw on a free loopback port with its data in a
// temporary directory and stops it when the test ends. Without the binary
// the test is skipped — a failure under SHILU_TEST_DISALLOW_SKIP=1 (CI).
func StartS3(t testing.TB) *S3Server {
	t.Helper()
	bin, err := versitygw()
	if err != nil {
		msg := "versitygw not found: go install github.com/versity/versitygw/cmd/versitygw@" + VersityGWVersion
		if os.Getenv("SHILU_TEST_DISALLOW_SKIP") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	data, versions := filepath.Join(dir, "data"), filepath.Join(dir, "versions")
	for _, d := range []string{data, versions} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key, secret := randomHex(10), randomHex(20)
	var addr string
	var cmd *exec.Cmd
	// The port is chosen free and then handed to the server: another
	// process may take it in between, so try a few.
	for attempt := 0; ; attempt++ {
		addr = freePort(t)
		cmd = exec.Command(bin, "--access", key, "--secret", secret, "--port", addr,
			"posix", "--versioning-dir", versions, data)
		var logf *os.File
		logf, err = os.Create(filepath.Join(dir, "versitygw.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); logf.Close(); close(exited) }() //nolint:errcheck // the log says why it ended
		t.Cleanup(func() {
			cmd.Process.Kill() //nolint:errcheck // may have exited already
			<-exited
		})
		if err = waitListening(addr, exited); err == nil {
			break
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "versitygw.log"))
			t.Fatalf("versitygw did not start on %s: %v\n%s", addr, err, log)
		}
	}
	c, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(key, secret, "")})
	if err != nil {
		t.Fatal(err)
	}
	return &S3Server{Endpoint: addr, AccessKey: key, SecretKey: secret, Client: c}
}

// NewBucket creates an empty bucket with Object Lock enabled (and so
// versioning) and returns its name.
func (s *S3Server) NewBucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("shilu-test-%d", s.buckets.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client.MakeBucket(ctx, name, minio.MakeBucketOptions{ObjectLocking: true}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	return name
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("exited")
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			return c.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not listening after 20 s")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
