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

	"shilu/internal/app"
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
		e.printf("archive already has users; demo accounts (if any):\n%s", b)
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
		{"zhaolei", evidence.RoleDeptHead, "赵磊", "000102"}, {"sunli", evidence.RoleLegal, "孙丽", "000103"},
		{"admin", evidence.RoleSysAdmin, "周强", ""}, {"secadmin", evidence.RoleSecAdmin, "吴敏", ""},
		{"chenjing", evidence.RoleAuditor, "陈静", ""}, {"station-01", evidence.RoleStation, "", ""},
		// A new colleague whose account the system administrator has made
		// and whose role and department the security administrator has yet
		// to assign (三员分立): it signs in to a page that says so.
		{"zhoujie", evidence.RoleNone, "周杰", ""},
	}
	var list strings.Builder
	var stationToken string
	passwords := map[string]string{}
	userIDs := map[string]int64{}
	// The bureau and its fund-supervision section: the leader liuyang leads
	// the section's officers, so he approves their requests and acknowledges
	// their exemptions; the dashboard groups by section.
	who := app.System("demo")
	bureau, err := a.app.CreateDepartment(ctx, who, evidence.NoticeBureau, nil)
	if err != nil {
		return err
	}
	section, err := a.app.CreateDepartment(ctx, who, "基金监管科", &bureau.ID)
	if err != nil {
		return err
	}
	deptOf := map[evidence.Role]*int64{evidence.RoleOfficer: &section.ID, evidence.RoleLeader: &section.ID, evidence.RoleDeptHead: &section.ID,
		evidence.RoleCustodian: &bureau.ID, evidence.RoleLegal: &bureau.ID}
	for _, acc := range accounts {
		u, pw, err := a.app.CreateUser(ctx, who, app.NewUser{Name: acc.name, Role: acc.role, DepartmentID: deptOf[acc.role],
			DisplayName: acc.display, OfficerNo: acc.number, KeepPassword: true})
		if err != nil {
			return err
		}
		passwords[acc.name], userIDs[acc.name] = pw, u.ID
		if acc.role == evidence.RoleStation {
			if stationToken, err = a.app.CreateToken(ctx, who, u.ID, "demo station"); err != nil {
				return err
			}
			fmt.Fprintf(&list, "  %-12s %-10s API token %s\n", acc.name, acc.role, stationToken)
			continue
		}
		fmt.Fprintf(&list, "  %-12s %-10s %-6s %-7s password %s\n", acc.name, acc.role, acc.display, acc.number, pw)
	}
	// Administrators (三员) enrol a second factor at their first sign-in
	// (X-SEC-1): the page shows the secret for an authenticator app (any
	// RFC 6238 app, e.g. on a phone).
	list.WriteString("  The administrators (admin, secadmin, chenjing) set up a TOTP authenticator app at their first sign-in.\n")
	if err := os.WriteFile(filepath.Join(a.dir, "demo-accounts.txt"), []byte(list.String()), 0o600); err != nil {
		return err
	}
	e.printf("demo accounts (also in %s):\n%s", filepath.Join(a.dir, "demo-accounts.txt"), list.String())

	dir, err := os.MkdirTemp("", "shilu-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			e.eprintf("shilu: demo media left in %s: %v\n", dir, err)
		}
	}()
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
		e.printf("demo recording %d: %s\n", id, filepath.Base(f))
	}
	call := demoCaller(ctx, url, passwords)
	if err := demoAccess(call, ids); err != nil {
		return err
	}
	if err := demoActivities(call, ids[2:]); err != nil {
		return err
	}
	return demoSupervision(call, section.ID, []int64{userIDs["sunli"], userIDs["zhaolei"]})
}

// demoCall calls the API as one of the demo people.
type demoCall func(who, method, path string, body, out any) error

// demoCaller returns a demoCall that signs each person in once.
func demoCaller(ctx context.Context, url string, passwords map[string]string) demoCall {
	tokens := map[string]string{}
	return func(who, method, path string, body, out any) error {
		tok := tokens[who]
		if tok == "" {
			var err error
			if tok, err = demoLogin(ctx, url, who, passwords[who]); err != nil {
				return err
			}
			tokens[who] = tok
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
}

// demoAccess files access requests through the API as people would: one of
// zhangwei's is approved by the leader liuyang, lina's waits for approval.
func demoAccess(call demoCall, ids []int64) error {
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

// demoDevices fills the device registry as the custodian would (X-DEV-1):
// zhangwei's camera, whose clips the demo holds, lina's, and one reported
// lost, which is a finding (Art. 20(七)).
func demoDevices(call demoCall, day func(back, h, m, s int) time.Time) error {
	for _, d := range []struct {
		serial, model, officer, status string
	}{{"DSJ0A12", "DSJ-V9", demoOfficer, ""}, {"DSJ0B07", "DSJ-V9", "000124", ""}, {"DSJ0C33", "DSJ-V7", "", "lost"}} {
		var dev struct {
			ID int64 `json:"id"`
		}
		if err := call("wangfang", "POST", "/api/v1/devices", map[string]any{"serial": d.serial, "kind": "body_cam", "model": d.model}, &dev); err != nil {
			return err
		}
		if d.officer != "" {
			if err := call("wangfang", "POST", fmt.Sprintf("/api/v1/devices/%d/assignments", dev.ID),
				map[string]any{"officer": d.officer, "from": day(30, 8, 0, 0)}, nil); err != nil {
				return err
			}
		}
		if d.status != "" {
			if err := call("wangfang", "PATCH", fmt.Sprintf("/api/v1/devices/%d", dev.ID), map[string]any{"status": d.status}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoActivities records enforcement activities through the API as the
// officers would, so that the activity pages, findings and dashboard have
// something to show (issue 4): yesterday's inspection, recorded by the
// two camera clips in clips with a gap between them that zhangwei explains
// and key moments he marks, while lina recorded nothing; a service two days ago that lina could not
// record, excused by an exemption liuyang acknowledges; and a complaint
// visit three days ago that nobody recorded or explained.
func demoActivities(call demoCall, clips []int64) error {
	loc := evidence.Zone
	day := func(back, h, m, s int) time.Time {
		d := time.Now().In(loc).AddDate(0, 0, -back)
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, 0, loc)
	}
	type activity struct {
		ID int64 `json:"id"`
	}
	var insp, service, complaint activity
	if err := demoDevices(call, day); err != nil {
		return err
	}
	if err := call("zhangwei", "POST", "/api/v1/activities", map[string]any{
		"type": evidence.ActivityInspection, "place": map[string]any{"address": "丰南区胜利路 18 号 某大药房"},
		"officers": []string{demoOfficer, "000124"}, "devices": []string{"DSJ0A12"}, "party": "某大药房有限公司",
		"arrival": day(1, 9, 29, 58), "end": day(1, 9, 33, 20), "work_mode": evidence.WorkNormal,
		"scene":      "营业场所、处方柜台及医保结算终端",
		"violations": "发现串换药品结算记录 3 条",
	}, &insp); err != nil {
		return err
	}
	type step struct {
		who, method, path string
		body              any
	}
	steps := []step{
		{"zhangwei", "POST", fmt.Sprintf("/api/v1/activities/%d/device-checks", insp.ID), map[string]any{"officer": demoOfficer, "device": "DSJ0A12",
			"battery_ok": true, "storage_ok": true, "clock_ok": true, "checked_at": day(1, 8, 50, 0)}},
		{"zhangwei", "POST", fmt.Sprintf("/api/v1/activities/%d/notice", insp.ID), map[string]any{"stated": []string{"time", "place", "officers", "party", "step"}}},
	}
	if len(clips) == 2 {
		steps = append(steps,
			step{"zhangwei", "POST", fmt.Sprintf("/api/v1/activities/%d/recordings", insp.ID), map[string]any{"recording_ids": clips}},
			step{"zhangwei", "POST", fmt.Sprintf("/api/v1/activities/%d/interruptions", insp.ID), map[string]any{"officer": demoOfficer,
				"start": day(1, 9, 30, 8), "end": day(1, 9, 33, 0), "cause": evidence.CausePlaceChange, "note": "由营业厅转至库房检查",
				"voice_recording_id": clips[1], "voice_point_ms": 2000}},
			// R-ACT-5: the key moments, marked by the officer who recorded them.
			step{"zhangwei", "POST", fmt.Sprintf("/api/v1/recordings/%d/bookmarks", clips[0]), map[string]any{"offset_ms": 3000,
				"kind": evidence.BookmarkViolation, "label": "处方柜台：串换药品结算记录"}},
			step{"zhangwei", "POST", fmt.Sprintf("/api/v1/recordings/%d/bookmarks", clips[1]), map[string]any{"offset_ms": 2000,
				"kind": evidence.BookmarkInterruption, "label": "说明中断原因：转至库房检查"}})
	}
	for _, st := range steps {
		if err := call(st.who, st.method, st.path, st.body, nil); err != nil {
			return err
		}
	}

	if err := call("lina", "POST", "/api/v1/activities", map[string]any{
		"type": evidence.ActivityService, "place": map[string]any{"address": "丰南区某社区卫生服务站"}, "officers": []string{"000124"},
		"party": "某社区卫生服务站", "arrival": day(2, 14, 0, 0), "end": day(2, 14, 20, 0), "notice_given": true,
	}, &service); err != nil {
		return err
	}
	var exemption activity
	if err := call("lina", "POST", fmt.Sprintf("/api/v1/activities/%d/exemptions", service.ID), map[string]any{"category": evidence.ExemptObjective,
		"reason": "执法记录仪进水损坏，无法开机", "basis": "《执法音像记录管理规定》第七条第（三）项"}, &exemption); err != nil {
		return err
	}
	if err := call("liuyang", "POST", fmt.Sprintf("/api/v1/exemptions/%d/acknowledge", exemption.ID), nil, nil); err != nil {
		return err
	}
	if err := call("zhangwei", "POST", "/api/v1/activities", map[string]any{
		"type": evidence.ActivityComplaint, "place": map[string]any{"address": "丰南区某诊所"}, "officers": []string{demoOfficer, "000124"},
		"party": "某诊所", "arrival": day(3, 15, 0, 0), "end": day(3, 15, 45, 0), "case_number": "丰医保稽〔2026〕12号",
	}, &complaint); err != nil {
		return err
	}
	// A case under investigation whose file holds the inspection (附卷).
	var k activity
	if err := call("zhangwei", "POST", "/api/v1/cases", map[string]any{"number": "丰医保罚〔2026〕3号", "title": "某大药房串换药品结算案",
		"parties": "某大药房有限公司", "officers": []string{demoOfficer, "000124"}, "retention_years": 30}, &k); err != nil {
		return err
	}
	if err := call("zhangwei", "POST", fmt.Sprintf("/api/v1/cases/%d/items", k.ID), map[string]any{"items": []map[string]any{
		{"kind": evidence.CaseItemActivity, "id": insp.ID}}}, nil); err != nil {
		return err
	}
	if err := call("zhangwei", "POST", fmt.Sprintf("/api/v1/cases/%d/status", k.ID), map[string]any{"status": evidence.CaseInvestigating}, nil); err != nil {
		return err
	}
	// An extraction of the file's first recording for the court, approved:
	// the server makes its package (提取登记).
	var file struct {
		Recordings []int64 `json:"recording_ids"`
	}
	if err := call("zhangwei", "GET", fmt.Sprintf("/api/v1/cases/%d", k.ID), nil, &file); err != nil || len(file.Recordings) == 0 {
		return err
	}
	var x activity
	if err := call("zhangwei", "POST", "/api/v1/extractions", map[string]any{"case_id": k.ID, "purpose": evidence.ExtractCourt,
		"recipient": "丰南区人民法院", "proves": "当事人串换药品结算的经过", "place": "丰南区某大药房",
		"items": []map[string]any{{"recording_id": file.Recordings[0]}}}, &x); err != nil {
		return err
	}
	if err := call("liuyang", "POST", fmt.Sprintf("/api/v1/extractions/%d/approve", x.ID), map[string]any{"comment": "同意提交法院"}, nil); err != nil {
		return err
	}
	return nil
}

// demoSupervision holds lina to account for the complaint that nobody
// recorded (Art. 20(三)): liuyang opens the case from its finding and lina
// makes her statement, so the case awaits his decision (Art. 21); and the
// legal office draws this month's spot check of the section, reviewed by
// the reviewers in turn, sunli's first item answered (X-RPT-2).
func demoSupervision(call demoCall, section int64, reviewers []int64) error {
	var found struct {
		Findings []struct {
			ID         int64 `json:"id"`
			ActivityID int64 `json:"activity_id"`
		} `json:"findings"`
	}
	if err := call("liuyang", "GET", "/api/v1/findings?rule=unrecorded", nil, &found); err != nil {
		return err
	}
	if len(found.Findings) == 0 {
		return fmt.Errorf("demo: the unrecorded complaint has no finding")
	}
	var c struct {
		ID int64 `json:"id"`
	}
	if err := call("liuyang", "POST", "/api/v1/accountability", map[string]any{"finding_id": found.Findings[0].ID, "officer": "000124",
		"item": "3", "consequence": evidence.ConsequenceComplaint,
		"facts": "某诊所投诉举报核查未按规定进行现场执法记录，当事人对核查过程提出投诉"}, &c); err != nil {
		return err
	}
	if err := call("lina", "POST", fmt.Sprintf("/api/v1/accountability/%d/statement", c.ID), map[string]any{
		"statement": "当日执法记录仪电量不足，出发前未按规定检查设备，我接受批评。"}, nil); err != nil {
		return err
	}
	var s struct {
		Items []struct {
			ID       int64  `json:"id"`
			Reviewer string `json:"reviewer"`
		} `json:"items"`
	}
	if err := call("sunli", "POST", "/api/v1/spot-checks", map[string]any{"department_id": section,
		"month": time.Now().In(evidence.Zone).Format("2006-01"), "size": 2, "reviewers": reviewers}, &s); err != nil {
		return err
	}
	for _, it := range s.Items {
		if it.Reviewer == "sunli" {
			return call("sunli", "POST", fmt.Sprintf("/api/v1/spot-check-items/%d/review", it.ID), map[string]any{
				"answers": map[string]bool{"recorded": true, "notice": true, "coverage": true, "key_moments": false, "findings_agreed": true},
				"note":    "未摄录处方柜台结算终端画面"}, nil)
		}
	}
	return nil
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
	loc := evidence.Zone
	day := time.Now().In(loc).AddDate(0, 0, -1)
	at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc) }
	var files []string
	wav := filepath.Join(dir, "REC_"+at(10, 5).Format("20060102_150405")+".wav")
	if err := os.WriteFile(wav, sineWAV(8000, 5*time.Second, 440), 0o644); err != nil {
		return nil, err
	}
	files = append(files, wav)
	jpg := filepath.Join(dir, "IMG_"+at(10, 12).Format("20060102_150405")+".jpg")
	photo, err := demoJPEG()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(jpg, photo, 0o644); err != nil {
		return nil, err
	}
	files = append(files, jpg)
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		for i, start := range []time.Time{at(9, 30), at(9, 33)} {
			name := fmt.Sprintf("DSJ0A12_%s_%s_%04d.MP4", demoOfficer, start.Format("20060102150405"), i+1)
			out := filepath.Join(dir, name)
			cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=660",
				"-t", "8", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
				// As a camera writes them: its own brand, no tag of a
				// general-purpose tool (which the rules rightly read as
				// a sign of re-muxing, R-ACT-8).
				"-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-brand", "mp42",
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
	le := binary.LittleEndian
	b := make([]byte, 0, 44+2*n)
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(36+2*n))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16)
	b = le.AppendUint16(b, 1) // PCM
	b = le.AppendUint16(b, 1) // mono
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(2*rate))
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 16)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(2*n))
	for i := range n {
		b = le.AppendUint16(b, uint16(int16(8000*math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))))
	}
	return b
}

func demoJPEG() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), 160, 255})
		}
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes(), err
}
