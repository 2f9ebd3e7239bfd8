package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shilu/internal/pgtest"
	"shilu/internal/tusclient"
)

// migrate --db puts an archive's metadata in PostgreSQL (migrated to the
// same schema version as SQLite) and records it, so that later commands on
// the data directory open it without the flag; another URL is refused, and
// so is --db for an archive whose metadata is in DATA/shilu.db.
func TestMigratePostgres(t *testing.T) {
	ctx := context.Background()
	shilu := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, func(string) string { return "" }, &out, &out)
		return out.String(), err
	}
	lite := filepath.Join(t.TempDir(), "data")
	liteOut, err := shilu("migrate", "--data", lite)
	if err != nil {
		t.Fatalf("migrate sqlite: %v\n%s", err, liteOut)
	}
	url := pgtest.Empty(t)
	data := filepath.Join(t.TempDir(), "data")
	out, err := shilu("migrate", "--data", data, "--db", url)
	if err != nil || out != liteOut || !strings.HasPrefix(out, "schema version ") {
		t.Fatalf("migrate --db: %q, %v; want %q as on SQLite", out, err, liteOut)
	}
	if out, err := shilu("user", "add", "--data", data, "--name", "alice", "--role", "officer"); err != nil {
		t.Fatalf("user add on the recorded database: %v\n%s", err, out)
	}
	if out, err := shilu("audit", "verify", "--data", data, "--quiet"); err != nil {
		t.Fatalf("audit verify on the recorded database: %v\n%s", err, out)
	}
	if _, err := shilu("migrate", "--data", data, "--db", url+"&application_name=x"); err == nil {
		t.Error("another --db than the recorded one was accepted")
	}
	if _, err := shilu("migrate", "--data", lite, "--db", url); err == nil {
		t.Error("--db accepted for an archive kept in shilu.db")
	}
}

// The server on PostgreSQL (issue 12 point 1): with the database recorded
// by migrate --db, a station uploads, an officer asks to view, the leader
// approves, the custodian registers the grant, the officer plays the
// original, and the custody log verifies.
func TestServePostgres(t *testing.T) {
	ctx := context.Background()
	data, media := t.TempDir(), t.TempDir()
	if _, err := cli(t, "migrate", "--data", data, "--db", pgtest.Empty(t)); err != nil {
		t.Fatal(err)
	}
	station := newStation(t, data, "station-01")
	zhangwei := newPerson(t, data, "zhangwei", "officer")
	liuyang := newPerson(t, data, "liuyang", "leader")
	wangfang := newPerson(t, data, "wangfang", "custodian")
	srv := startServer(t, data, "127.0.0.1:0")
	officer, leader, custodian := srv.signIn(t, zhangwei), srv.signIn(t, liuyang), srv.signIn(t, wangfang)

	f := randomFile(t, media, "DSJ0A12_000123_20261126093015_0001.MP4", 1<<20+7, 5)
	want, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	c := &tusclient.Client{Endpoint: srv.URL + "/api/v1/uploads/", Token: station}
	sum, size, _ := tusclient.HashFile(ctx, f, nil)
	res, err := c.Upload(ctx, tusclient.Upload{Path: f, Size: size, SHA256: sum}, nil)
	if err != nil || res.RecordingID == 0 {
		t.Fatalf("upload: %v", err)
	}
	grantFor(t, srv.URL, officer, leader, custodian, res.RecordingID, time.Now().Add(time.Hour))
	resp, got := api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/content", srv.URL, res.RecordingID), officer, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, want) {
		t.Errorf("content: status %d, %d bytes, not the original", resp.StatusCode, len(got))
	}
	srv.stop()
	if _, err := os.Stat(filepath.Join(data, "shilu.db")); err == nil {
		t.Error("a shilu.db was made beside the recorded PostgreSQL database")
	}
	if out, err := cli(t, "audit", "verify", "--data", data, "--quiet"); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
}
