package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shilu/internal/export"
)

// buildVerifiers cross-compiles the standalone verifiers into a new
// directory, as make verifiers does.
func buildVerifiers(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, target := range []struct{ goos, name string }{{"linux", "shilu-verify-linux-amd64"}, {"windows", "shilu-verify-windows-amd64.exe"}} {
		cmd := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, target.name), "../shilu-verify")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+target.goos, "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", target.name, err, out)
		}
	}
	return dir
}

// extractionCase is an archive with a case whose file holds two generated
// body-camera clips of officer 000123 (lihua), the first with a bookmark,
// and an extraction of both (the second as a span) that her leader
// approved; the server makes the package.
type extractionCase struct {
	srv             *server
	data            string
	officer, leader string // session tokens
	lihua, zhang    person
	caseID, id      int64
	recs            []int64
	verifiers       string
}

// newExtractionCase makes the archive; attach puts the clips into the
// case's file (else the test attaches them).
func newExtractionCase(t *testing.T, attach bool) *extractionCase {
	t.Helper()
	requireProgram(t, "xorriso")
	requireProgram(t, "ffmpeg")
	ec := &extractionCase{data: t.TempDir(), verifiers: buildVerifiers(t)}
	mustCLI(t, "dept", "add", "--data", ec.data, "--name", "执法一队")
	lihua := newPerson(t, ec.data, "lihua", "officer", "--dept", "执法一队", "--officer-no", "000123", "--display-name", "李华")
	zhang := newPerson(t, ec.data, "zhangwei", "leader", "--dept", "执法一队", "--display-name", "张伟")
	station := newStation(t, ec.data, "station-01")
	ec.srv = startServer(t, ec.data, "127.0.0.1:0", "--verifiers", ec.verifiers)
	ec.officer, ec.leader = ec.srv.signIn(t, lihua), ec.srv.signIn(t, zhang)
	ec.lihua, ec.zhang = lihua, zhang
	media := t.TempDir()
	for i, name := range []string{"DSJ0A12_000123_20261205093015_0001.MP4", "DSJ0A12_000123_20261205094500_0002.MP4"} {
		v := makeVideo(t, media, name, 5, time.Date(2026, 12, 5, 1, 30+15*i, 15, 0, time.UTC), "-g", "25")
		ec.recs = append(ec.recs, uploadedID(t, mustCLI(t, "upload", "--server", ec.srv.URL, "--token", station, "--quiet", "--state", t.TempDir(), v)))
	}
	post := func(path, tok, body string, out any) {
		t.Helper()
		if resp, b := apiBody(t, "POST", ec.srv.URL+path, tok, nil, body, out); resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %s %s", path, resp.Status, b)
		}
	}
	post(fmt.Sprintf("/api/v1/recordings/%d/bookmarks", ec.recs[0]), ec.officer, `{"offset_ms":1000,"end_ms":3000,"kind":"violation","label":"当事人承认无证经营"}`, nil)
	var c struct{ ID int64 }
	post("/api/v1/cases", ec.officer, `{"number":"丰医保罚〔2026〕12号","title":"某诊所无证经营案","officers":["000123"]}`, &c)
	ec.caseID = c.ID
	if !attach {
		return ec
	}
	post(fmt.Sprintf("/api/v1/cases/%d/items", c.ID), ec.officer,
		fmt.Sprintf(`{"items":[{"kind":"recording","id":%d},{"kind":"recording","id":%d}]}`, ec.recs[0], ec.recs[1]), nil)
	return ec
}

// ask requests the extraction and has the leader approve it.
func (ec *extractionCase) ask(t *testing.T) {
	t.Helper()
	var x struct{ ID int64 }
	body := fmt.Sprintf(`{"case_id":%d,"purpose":"court","recipient":"丰南区人民法院","proves":"当事人无证经营的事实","place":"丰南区某诊所",
		"items":[{"recording_id":%d},{"recording_id":%d,"start_ms":1000,"end_ms":3000}]}`, ec.caseID, ec.recs[0], ec.recs[1])
	if resp, b := apiBody(t, "POST", ec.srv.URL+"/api/v1/extractions", ec.officer, nil, body, &x); resp.StatusCode != 201 {
		t.Fatalf("ask: %s %s", resp.Status, b)
	}
	ec.id = x.ID
	if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/extractions/%d/approve", ec.srv.URL, x.ID), ec.leader, nil, `{"comment":"同意"}`, nil); resp.StatusCode != 200 {
		t.Fatalf("approve: %s %s", resp.Status, b)
	}
}

// packaged waits until the server has made the package and downloads its
// image.
func (ec *extractionCase) packaged(t *testing.T) string {
	ec.wait(t)
	return ec.download(t)
}

// wait waits until the server has made the package of the extraction.
func (ec *extractionCase) wait(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	if ec.id == 0 {
		var list struct{ Extractions []struct{ ID int64 } }
		api(t, "GET", ec.srv.URL+"/api/v1/extractions", ec.officer, nil, &list)
		if len(list.Extractions) != 1 {
			t.Fatalf("extractions: %+v", list)
		}
		ec.id = list.Extractions[0].ID
	}
	for {
		var x struct {
			Status, Failure string
			ISOSHA256       string `json:"iso_sha256"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/extractions/%d", ec.srv.URL, ec.id), ec.officer, nil, &x)
		if x.Status == "packaged" {
			break
		}
		if x.Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("package not made: %+v\n%s", x, ec.srv.logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// download fetches the package's image and checks it against the digest
// the register gives.
func (ec *extractionCase) download(t *testing.T) string {
	t.Helper()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/extractions/%d/package.iso", ec.srv.URL, ec.id), nil)
	req.Header.Set("Authorization", "Bearer "+ec.officer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %v %v", err, resp)
	}
	defer resp.Body.Close()
	iso := filepath.Join(t.TempDir(), "package.iso")
	f, err := os.Create(iso)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), resp.Body); err != nil {
		t.Fatal(err)
	}
	closeT(t, f)
	if got := hex.EncodeToString(h.Sum(nil)); got != resp.Header.Get("Shilu-SHA256") {
		t.Fatalf("image SHA-256 %s, the register says %s", got, resp.Header.Get("Shilu-SHA256"))
	}
	return iso
}

// R-EXP-1, R-EXP-2, R-STORE-3, X-EVD-1 (issue 10, acceptance): case →
// body-camera clips attached with a bookmark → extraction request →
// approval → the package made by the server → its ISO image downloaded →
// `shilu package verify ISO` passes without mounting it; the image carries
// the cross-compiled Windows verifier, and the Linux one verifies the tree
// it is on. In copies of the tree one flipped byte, one removed file, an
// edited description and a swapped checkpoint each fail, naming what is
// wrong. The recordings' custody trails hold the package and the download.
func TestExtractionEndToEnd(t *testing.T) {
	ec := newExtractionCase(t, true)
	ec.ask(t)
	iso := ec.packaged(t)
	out, err := cli(t, "package", "verify", iso)
	if err != nil || !strings.Contains(out, "校验通过") || !strings.Contains(out, "VERIFIED") {
		t.Fatalf("verify the image: %v\n%s", err, out)
	}
	tree := t.TempDir()
	if err := export.ExtractISO(context.Background(), "", iso, tree); err != nil {
		t.Fatal(err)
	}
	for _, v := range export.VerifierBinaries {
		want, _ := os.ReadFile(filepath.Join(ec.verifiers, v))
		got, err := os.ReadFile(filepath.Join(tree, export.VerifiersDir, v))
		if err != nil || len(want) == 0 || string(got) != string(want) {
			t.Errorf("%s on the image: %v (%d bytes, want %d)", v, err, len(got), len(want))
		}
	}
	standalone := exec.Command(filepath.Join(tree, export.VerifiersDir, "shilu-verify-linux-amd64"))
	if out, err := standalone.CombinedOutput(); err != nil || !strings.Contains(string(out), "校验通过") {
		t.Errorf("the standalone verifier on its own disc: %v\n%s", err, out)
	}
	readme, _ := os.ReadFile(filepath.Join(tree, export.ReadmeName))
	if !strings.Contains(string(readme), "shilu-verify-windows-amd64.exe") {
		t.Errorf("README.txt does not tell the clerk what to run:\n%s", readme)
	}

	var latest struct{ Note string }
	api(t, "GET", ec.srv.URL+"/api/v1/audit/checkpoint", ec.officer, nil, &latest)
	originals, _ := filepath.Glob(filepath.Join(tree, export.OriginalsDir, "01_*"))
	if len(originals) != 1 {
		t.Fatalf("originals: %v", originals)
	}
	orig, _ := filepath.Rel(tree, originals[0])
	for _, tc := range []struct {
		name   string
		tamper func(dir string) error
		want   string // the file the verdict names
	}{
		{"FlippedByte", func(dir string) error { return flipByte(filepath.Join(dir, orig)) }, orig},
		{"RemovedFile", func(dir string) error { return os.Remove(filepath.Join(dir, export.ListPDFName)) }, export.ListPDFName},
		{"EditedDescription", func(dir string) error { return flipByte(filepath.Join(dir, export.DescriptionName)) }, export.DescriptionName},
		// The archive's latest checkpoint, validly signed but of a later
		// log than the excerpts were proved against.
		{"SwappedCheckpoint", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, export.CheckpointName), []byte(latest.Note), 0o644)
		}, export.CustodyDir + "/recording-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(tree)); err != nil {
				t.Fatal(err)
			}
			if err := tc.tamper(dir); err != nil {
				t.Fatal(err)
			}
			out, err := cli(t, "package", "verify", dir)
			var ee exitError
			if !errors.As(err, &ee) || !strings.Contains(out, "校验失败") || !strings.Contains(out, "FAILED") || !strings.Contains(out, tc.want) {
				t.Fatalf("verify: %v, want a failure naming %s:\n%s", err, tc.want, out)
			}
		})
	}

	var custody struct {
		Entries []struct {
			Action  string
			Details map[string]string
		}
	}
	api(t, "GET", fmt.Sprintf("%s/api/v1/recordings/%d/custody", ec.srv.URL, ec.recs[1]), ec.leader, nil, &custody)
	var got []string
	for _, e := range custody.Entries {
		if e.Details["extraction"] == fmt.Sprint(ec.id) {
			got = append(got, e.Action)
		}
	}
	if want := "extraction.request extraction.approve extraction.package extraction.clip extraction.download"; strings.Join(got, " ") != want {
		t.Errorf("custody trail of recording %d: %v, want %s", ec.recs[1], got, want)
	}
}

// R-STORE-3: without a burner the burn says so clearly and names the
// image as the product.
func TestDiscBurnNoDevice(t *testing.T) {
	iso := filepath.Join(t.TempDir(), "p.iso")
	if err := os.WriteFile(iso, []byte("image"), 0o644); err != nil {
		t.Fatal(err)
	}
	dev := filepath.Join(t.TempDir(), "sr9")
	_, err := cli(t, "disc", "burn", "--device", dev, "--quiet", iso)
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), "is the product") {
		t.Fatalf("burn to a missing device: %v", err)
	}
	if _, err := cli(t, "disc", "burn", "--device", iso, "--quiet", iso); err == nil || !strings.Contains(err.Error(), "not a device") {
		t.Fatalf("burn to a file: %v", err)
	}
}

func flipByte(path string) error {
	if err := os.Chmod(path, 0o644); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data[len(data)/2] ^= 0x01
	return os.WriteFile(path, data, 0o644)
}
