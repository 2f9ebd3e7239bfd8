package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"shilu/internal/audit"
	"shilu/internal/auth"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/tusclient"
)

// seedDemo fills an empty archive with demo accounts and recordings, sent
// through the server's own upload endpoint like a collection station would.
// Demo accounts exist only with --demo; a real archive has none.
func (e *cmdEnv) seedDemo(ctx context.Context, a *archive, url string) error {
	var n int
	if err := a.db.View(ctx, func(tx *store.Tx) error { var err error; n, err = tx.UserCount(ctx); return err }); err != nil {
		return err
	}
	if n > 0 {
		b, _ := os.ReadFile(filepath.Join(a.dir, "demo-accounts.txt"))
		fmt.Fprintf(e.stdout, "archive already has users; demo accounts (if any):\n%s", b)
		return nil
	}
	// The officers carry display names for the notice of Art. 8 and officer
	// numbers: 000123 is the number in the names of the camera clips
	// demoMedia makes (DSJ0A12_000123_...), so those clips are zhangwei's.
	accounts := []struct {
		name            string
		role            evidence.Role
		display, number string
	}{
		{"zhangwei", evidence.RoleOfficer, "张伟", demoOfficer}, {"lina", evidence.RoleOfficer, "李娜", "000124"},
		{"wangfang", evidence.RoleCustodian, "王芳", ""}, {"liuyang", evidence.RoleLeader, "刘洋", "000101"},
		{"chenjing", evidence.RoleAuditor, "陈静", ""}, {"station-01", evidence.RoleStation, "", ""},
	}
	var list strings.Builder
	var stationToken string
	passwords := map[string]string{}
	err := a.db.Update(ctx, func(tx *store.Tx) error {
		for _, acc := range accounts {
			pw := auth.RandomPassword()
			passwords[acc.name] = pw
			hash, err := auth.HashPassword(pw, auth.DefaultParams)
			if err != nil {
				return err
			}
			u, err := tx.CreateAccount(ctx, store.NewAccount{Name: acc.name, Role: acc.role, PasswordHash: hash, DisplayName: acc.display, OfficerNo: acc.number})
			if err != nil {
				return err
			}
			details := map[string]string{"role": string(u.Role), "demo": "true"}
			addIdentityDetails(details, u.User)
			if _, err := tx.Audit(ctx, audit.Entry{Actor: "system", Action: "user.create", Object: "user:" + u.Name, Outcome: audit.OutcomeOK,
				Details: details}); err != nil {
				return err
			}
			fmt.Fprintf(&list, "  %-12s %-10s %-7s password %s\n", acc.name, acc.role, acc.number, pw)
			if acc.role == evidence.RoleStation {
				tok, th := auth.NewToken()
				if err := tx.CreateToken(ctx, u.ID, th, "demo station"); err != nil {
					return err
				}
				stationToken = tok
				fmt.Fprintf(&list, "  %-12s API token %s\n", "", tok)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(a.dir, "demo-accounts.txt"), []byte(list.String()), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo accounts (also in %s):\n%s", filepath.Join(a.dir, "demo-accounts.txt"), list.String())

	dir, err := os.MkdirTemp("", "shilu-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := demoMedia(ctx, dir)
	if err != nil {
		return err
	}
	c := &tusclient.Client{Endpoint: url + "/api/v1/uploads/", Token: stationToken}
	var ids []int64
	for _, f := range files {
		id, err := e.uploadOne(c, url, stationToken, f, "", "", nil, true)
		if err != nil {
			return fmt.Errorf("demo upload %s: %w", filepath.Base(f), err)
		}
		ids = append(ids, id)
		fmt.Fprintf(e.stdout, "demo recording %d: %s\n", id, filepath.Base(f))
	}
	return demoAccess(ctx, url, passwords, ids)
}

// demoAccess files access requests through the API as people would: one of
// zhangwei's is approved by the leader liuyang, lina's waits for approval.
func demoAccess(ctx context.Context, url string, passwords map[string]string, ids []int64) error {
	call := func(who, method, path string, body any, out any) error {
		tok, err := demoLogin(ctx, url, who, passwords[who])
		if err != nil {
			return err
		}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, url+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode >= 300 {
			msg, _ := io.ReadAll(resp.Body)
			return fmt.Errorf("demo %s %s: %s %s", method, path, resp.Status, msg)
		}
		if out != nil {
			return json.NewDecoder(resp.Body).Decode(out)
		}
		return nil
	}
	until := time.Now().Add(7 * 24 * time.Hour).UTC()
	var approved struct {
		ID int64 `json:"id"`
	}
	if err := call("zhangwei", "POST", "/api/v1/access-requests", map[string]any{"recording_ids": ids, "purpose": "case_work",
		"reason": "核对现场检查录像，制作询问笔录", "until": until}, &approved); err != nil {
		return err
	}
	if err := call("liuyang", "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", approved.ID), map[string]any{"comment": "同意，限办案使用"}, nil); err != nil {
		return err
	}
	return call("lina", "POST", "/api/v1/access-requests", map[string]any{"recording_ids": ids[len(ids)-1:], "purpose": "supervision",
		"reason": "执法监督抽查", "until": until}, nil)
}

func demoLogin(ctx context.Context, url, name, password string) (string, error) {
	b, _ := json.Marshal(map[string]string{"name": name, "password": password})
	req, _ := http.NewRequestWithContext(ctx, "POST", url+"/api/v1/login", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("demo sign-in of %s: %s", name, resp.Status)
	}
	return out.Token, nil
}

// demoOfficer is zhangwei's officer number, carried by the names of the demo
// camera clips as body-worn cameras write it (media.NameFacts).
const demoOfficer = "000123"

// demoMedia writes demo recordings into dir: a WAV and a JPEG made in Go
// (so `make run` needs no other program) and, when ffmpeg is installed,
// body-worn-camera clips named as the devices name them.
func demoMedia(ctx context.Context, dir string) ([]string, error) {
	loc := time.FixedZone("CST", 8*3600)
	day := time.Now().In(loc).AddDate(0, 0, -1)
	at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc) }
	var files []string
	wav := filepath.Join(dir, "REC_"+at(10, 5).Format("20060102_150405")+".wav")
	if err := os.WriteFile(wav, sineWAV(8000, 5*time.Second, 440), 0o644); err != nil {
		return nil, err
	}
	files = append(files, wav)
	jpg := filepath.Join(dir, "IMG_"+at(10, 12).Format("20060102_150405")+".jpg")
	if err := os.WriteFile(jpg, demoJPEG(), 0o644); err != nil {
		return nil, err
	}
	files = append(files, jpg)
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		for i, start := range []time.Time{at(9, 30), at(9, 33)} {
			name := fmt.Sprintf("DSJ0A12_%s_%s_%04d.MP4", demoOfficer, start.Format("20060102150405"), i+1)
			out := filepath.Join(dir, name)
			cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=660",
				"-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
				"-metadata", "creation_time="+start.UTC().Format(time.RFC3339), "-movflags", "+faststart", out)
			if b, err := cmd.CombinedOutput(); err != nil {
				return nil, fmt.Errorf("ffmpeg: %v: %s", err, b)
			}
			files = append(files, out)
		}
	}
	return files, nil
}

// sineWAV returns a mono 16-bit PCM WAV file of a tone.
func sineWAV(rate int, d time.Duration, freq float64) []byte {
	n := int(d.Seconds() * float64(rate))
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(2 * rate))
	w(uint16(2))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(2 * n))
	for i := range n {
		w(int16(8000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return b.Bytes()
}

func demoJPEG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), 160, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}
