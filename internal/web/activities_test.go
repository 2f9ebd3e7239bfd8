package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"shilu/internal/app"
	"shilu/internal/blob"
	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
	"shilu/internal/web/api"
	"shilu/internal/web/ui"
)

// call sends a JSON request as role and decodes a 2xx answer into out.
func (ts *testServer) call(t *testing.T, method, path string, role evidence.Role, body string, out any) int {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+ts.tokens[role])
	w := httptest.NewRecorder()
	ts.ServeHTTP(w, req)
	if out != nil && w.Code < 300 {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, w.Body.String(), err)
		}
	}
	if w.Code >= 300 {
		t.Logf("%s %s as %s: %d %s", method, path, role, w.Code, strings.TrimSpace(w.Body.String()))
	}
	return w.Code
}

// addRecording catalogues a recording by officer on device over [from, to).
func (ts *testServer) addRecording(t *testing.T, name, officer, device string, from, to time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		u, _, err := tx.UserByName(ctx, "u-station")
		if err != nil {
			return err
		}
		r, err := tx.CreateRecording(ctx, evidence.Recording{Digest: blob.Sum([]byte(name)), Size: 1, Filename: name, Kind: evidence.KindVideo,
			Officer: officer, Device: device, RecordedStart: &from, RecordedEnd: &to}, u.ID)
		id = r.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// daysAgo is 09:00 in UTC+8, n local days before today.
func daysAgo(n int) time.Time {
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	return time.Date(now.Year(), now.Month(), now.Day()-n, 9, 0, 0, 0, now.Location())
}

type findingList struct {
	Findings []store.StoredFinding `json:"findings"`
}

func (l findingList) rules() []string {
	var out []string
	for _, f := range l.Findings {
		out = append(out, f.Rule+"/"+f.Officer+"/"+string(f.Status))
	}
	return out
}

// R-ACT-1, R-ACT-4, R-ACT-6, R-UPL-1, R-USE-1, R-DEV-1: an inspection is
// created, proposed recordings are linked, the coverage shows one 40 s
// interruption that stays a finding until explained, uploads are judged
// against the deadline, device checks close their finding, and the
// recording left over is an orphan.
func TestActivityCompliance(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := daysAgo(3)
	a1 := ts.addRecording(t, "A1.MP4", "000123", "DSJ0A12", arr, arr.Add(10*time.Minute))
	a2 := ts.addRecording(t, "A2.MP4", "000123", "DSJ0A12", arr.Add(10*time.Minute+40*time.Second), arr.Add(30*time.Minute))
	b := ts.addRecording(t, "B.MP4", "000124", "DSJ0B34", arr, arr.Add(30*time.Minute))
	orphan := ts.addRecording(t, "O.MP4", "000123", "DSJ0A12", arr.Add(-5*time.Hour), arr.Add(-4*time.Hour))

	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123","000124"],"devices":["DSJ0A12"],
		"arrival":%q,"end":%q,"notice_given":true}`, arr.Format(time.RFC3339), arr.Add(30*time.Minute).Format(time.RFC3339))
	for _, c := range []struct {
		name, body string
		role       evidence.Role
		want       int
	}{
		{"ErrInvalidType", strings.Replace(body, "inspection", "picnic", 1), evidence.RoleOfficer, 400},
		{"ErrNoPlace", strings.Replace(body, "丰南区某药房", " ", 1), evidence.RoleOfficer, 400},
		{"ErrUnknownField", strings.Replace(body, `"notice_given"`, `"noticed"`, 1), evidence.RoleOfficer, 400},
		{"ErrForbiddenStation", body, evidence.RoleStation, 403},
		{"ErrForbiddenLegal", body, evidence.RoleLegal, 403}, // reviews the work, does not record it
	} {
		if code := ts.call(t, "POST", "/api/v1/activities", c.role, c.body, nil); code != c.want {
			t.Errorf("%s: %d, want %d", c.name, code, c.want)
		}
	}
	var act evidence.Activity
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 || act.ID == 0 || act.Arrival.Location() != time.UTC {
		t.Fatalf("create: %d %+v", code, act)
	}
	base := fmt.Sprintf("/api/v1/activities/%d", act.ID)

	var props struct {
		Proposals []compliance.Proposal `json:"proposals"`
	}
	ts.call(t, "GET", base+"/proposals", evidence.RoleOfficer, "", &props)
	var proposed []int64
	for _, p := range props.Proposals {
		proposed = append(proposed, p.RecordingID)
	}
	if len(proposed) != 3 || proposed[0] != a1 || !contains(proposed, a2) || !contains(proposed, b) {
		t.Fatalf("proposals %+v, want %d (officer and device) first, then %d and %d", props.Proposals, a1, a2, b)
	}
	if code := ts.call(t, "POST", base+"/recordings", evidence.RoleOfficer, fmt.Sprintf(`{"recording_ids":[%d,%d,%d]}`, a1, a2, b), nil); code != 200 {
		t.Fatalf("link: %d", code)
	}

	var v app.ActivityView
	ts.call(t, "GET", base, evidence.RoleLegal, "", &v)
	if len(v.Coverage.Officers) != 2 || v.Coverage.Officers[0].Percent != 97.8 || v.Coverage.Officers[1].Percent != 100 {
		t.Errorf("coverage %+v", v.Coverage)
	}
	if len(v.Interruptions) != 1 || v.Interruptions[0].Officer != "000123" || v.Interruptions[0].LengthMS != 40000 || v.Interruptions[0].Status != evidence.FindingOpen {
		t.Fatalf("interruptions %+v", v.Interruptions)
	}
	// R-UPL-1: due at the end of the local day of the activity; ingested
	// today, three days later, so late by the time since that midnight.
	due := time.Date(arr.Year(), arr.Month(), arr.Day()+1, 0, 0, 0, 0, arr.Location())
	if !v.Due.Equal(due) || len(v.Uploads) != 3 || v.Uploads[0].State != compliance.UploadLate ||
		time.Duration(v.Uploads[0].ByMS)*time.Millisecond < time.Since(due)-time.Minute {
		t.Errorf("due %v, uploads %+v", v.Due, v.Uploads)
	}

	findings := func(query string) findingList {
		t.Helper()
		var l findingList
		if code := ts.call(t, "GET", "/api/v1/findings?"+query, evidence.RoleLeader, "", &l); code != 200 {
			t.Fatalf("findings: %d", code)
		}
		return l
	}
	gaps := findings("rule=coverage_gap")
	if diff := strings.Join(gaps.rules(), " "); diff != "coverage_gap/000123/open" {
		t.Fatalf("gap findings: %s", diff)
	}

	gap := v.Interruptions[0]
	explain := func(role evidence.Role, start, end time.Time, extra string) int {
		return ts.call(t, "POST", base+"/interruptions", role, fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"battery_storage"%s}`,
			rfc(start), rfc(end), extra), nil)
	}
	for _, c := range []struct {
		name       string
		start, end time.Time
		extra      string
	}{
		{"ErrNoVoicePoint", gap.Start, gap.End, ""},
		{"ErrNoGapThere", gap.End.Add(time.Minute), gap.End.Add(2 * time.Minute), fmt.Sprintf(`,"voice_recording_id":%d`, a2)},
		{"ErrVoiceNotLinked", gap.Start, gap.End, fmt.Sprintf(`,"voice_recording_id":%d`, orphan)},
	} {
		if code := explain(evidence.RoleOfficer, c.start, c.end, c.extra); code != 400 {
			t.Errorf("%s: %d, want 400", c.name, code)
		}
	}
	if code := explain(evidence.RoleOfficer, gap.Start.Add(5*time.Second), gap.End.Add(-5*time.Second), fmt.Sprintf(`,"voice_recording_id":%d,"voice_point_ms":3000`, a2)); code != 201 {
		t.Fatalf("explain: %d", code)
	}
	gaps = findings("rule=coverage_gap")
	if len(gaps.Findings) != 1 || gaps.Findings[0].Status != evidence.FindingExplained {
		t.Fatalf("gap finding after the explanation: %v", gaps.rules())
	}
	ts.call(t, "GET", base, evidence.RoleOfficer, "", &v)
	if ex := v.Interruptions[0].Explanation; v.Interruptions[0].Status != evidence.FindingExplained || ex == nil || !ex.Start.Equal(gap.Start) || ex.VoicePoint != 3*time.Second {
		t.Errorf("interruption after the explanation: %+v", v.Interruptions[0])
	}
	id := gaps.Findings[0].ID
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/findings/%d/accept", id), evidence.RoleOfficer, "", nil); code != 403 {
		t.Errorf("officer accepts: %d", code)
	}
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/findings/%d/accept", id), evidence.RoleLeader, `{"comment":"已核实"}`, nil); code != 200 {
		t.Errorf("leader accepts: %d", code)
	}
	if l := findings("rule=coverage_gap&status=accepted"); len(l.Findings) != 1 {
		t.Errorf("accepted finding not kept across re-evaluation: %v", l.rules())
	}
	// Issue 9 point 9: the activity's own answer shows it accepted too.
	ts.call(t, "GET", base, evidence.RoleOfficer, "", &v)
	for _, f := range v.Findings {
		if f.Key == gaps.Findings[0].Key && f.Status != evidence.FindingAccepted {
			t.Errorf("GET activity shows the accepted finding as %s", f.Status)
		}
	}

	// R-DEV-1: a device check before the arrival closes 000123's finding.
	if got := findings("rule=device_check_missing").rules(); strings.Join(got, " ") != "device_check_missing/000123/open device_check_missing/000124/open" {
		t.Errorf("device check findings: %v", got)
	}
	// Art. 5, X-DEV-1: the device checked is in the registry, which the
	// custodian keeps.
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleOfficer, `{"serial":"DSJ0A12"}`, nil); code != 403 {
		t.Errorf("officer registers a device: %d", code)
	}
	if code := ts.call(t, "POST", "/api/v1/devices", evidence.RoleCustodian, `{"serial":"DSJ0A12","kind":"body_cam","model":"DSJ-V9"}`, nil); code != 201 {
		t.Fatalf("custodian registers a device: %d", code)
	}
	check := fmt.Sprintf(`{"officer":"000123","device":"DSJ0A12","battery_ok":true,"storage_ok":true,"clock_ok":true,"checked_at":%q}`, rfc(arr.Add(-30*time.Minute)))
	if code := ts.call(t, "POST", base+"/device-checks", evidence.RoleOfficer, check, nil); code != 201 {
		t.Fatalf("device check: %d", code)
	}
	if code := ts.call(t, "POST", base+"/device-checks", evidence.RoleOfficer, strings.Replace(check, "000123", "000999", 1), nil); code != 400 {
		t.Errorf("check by an officer not on the activity: %d", code)
	}
	if got := findings("rule=device_check_missing").rules(); strings.Join(got, " ") != "device_check_missing/000124/open" {
		t.Errorf("device check findings after the check: %v", got)
	}

	// R-USE-1: the recording linked to nothing is an orphan.
	var orphans struct {
		Recordings []evidence.Recording `json:"recordings"`
		Findings   []evidence.Finding   `json:"findings"`
	}
	ts.call(t, "GET", "/api/v1/recordings/orphans?officer=000123", evidence.RoleOfficer, "", &orphans)
	if len(orphans.Recordings) != 1 || orphans.Recordings[0].ID != orphan || len(orphans.Findings) != 1 || orphans.Findings[0].Rule != compliance.RuleOrphan {
		t.Errorf("orphans %+v", orphans)
	}
	// The list of recordings narrows to them, and marks them, too.
	var recs api.RecordingList
	ts.call(t, "GET", "/api/v1/recordings?orphan=1&officer=000123", evidence.RoleOfficer, "", &recs)
	if len(recs.Recordings) != 1 || recs.Recordings[0].ID != orphan || recs.Recordings[0].Links != 0 {
		t.Errorf("recordings?orphan=1: %+v", recs.Recordings)
	}
	ts.call(t, "GET", "/api/v1/recordings?officer=000123", evidence.RoleOfficer, "", &recs)
	for _, r := range recs.Recordings {
		if (r.Links == 0) != (r.ID == orphan) {
			t.Errorf("recording %d: links %d", r.ID, r.Links)
		}
	}
	if code := ts.call(t, "GET", "/api/v1/recordings?orphan=yes", evidence.RoleOfficer, "", nil); code != 400 {
		t.Errorf("orphan=yes: %d, want 400", code)
	}
	if body := ts.page(t, evidence.RoleOfficer, "/recordings?orphan=1&officer=000123").Body.String(); !strings.Contains(body, fmt.Sprintf(`href="/recordings/%d"`, orphan)) ||
		strings.Count(body, `href="/recordings/`) != 1 || !strings.Contains(body, ui.Msg("zh", "list.orphan")+"</span>") {
		t.Errorf("the recordings page with orphan=1 does not list exactly the orphan, marked")
	}

	// Every link is in the linked recording's custody trail.
	var trail struct {
		Entries []struct{ Action, Actor string } `json:"entries"`
	}
	ts.call(t, "GET", fmt.Sprintf("/api/v1/recordings/%d/custody", a1), evidence.RoleCustodian, "", &trail)
	if n := len(trail.Entries); n == 0 || trail.Entries[n-1].Action != "activity.link" || trail.Entries[n-1].Actor != "u-officer" {
		t.Errorf("custody trail of a linked recording: %+v", trail.Entries)
	}

	// A link made by mistake is undone, and the trail shows that too.
	orphanLink := fmt.Sprintf(`{"recording_ids":[%d]}`, orphan)
	if code := ts.call(t, "POST", base+"/recordings", evidence.RoleOfficer, orphanLink, nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	unlink := fmt.Sprintf("%s/recordings/%d", base, orphan)
	if code := ts.call(t, "DELETE", unlink, evidence.RoleOfficer, "", nil); code != 204 {
		t.Errorf("unlink: %d", code)
	}
	if code := ts.call(t, "DELETE", unlink, evidence.RoleOfficer, "", nil); code != 404 {
		t.Errorf("second unlink: %d", code)
	}
	ts.call(t, "GET", fmt.Sprintf("/api/v1/recordings/%d/custody", orphan), evidence.RoleCustodian, "", &trail)
	if n := len(trail.Entries); n < 2 || trail.Entries[n-2].Action != "activity.link" || trail.Entries[n-1].Action != "activity.unlink" {
		t.Errorf("custody trail after unlinking: %+v", trail.Entries)
	}

	// PATCH changes the fields given and validates the result.
	var upd evidence.Activity
	if code := ts.call(t, "PATCH", base, evidence.RoleOfficer, `{"party":"某药房","officers":["000123","000124","000125"]}`, &upd); code != 200 ||
		upd.Party != "某药房" || len(upd.Officers) != 3 || upd.Place.Address != "丰南区某药房" {
		t.Errorf("patch: %d %+v", code, upd)
	}
	if code := ts.call(t, "PATCH", base, evidence.RoleOfficer, fmt.Sprintf(`{"end":%q}`, rfc(arr.Add(-time.Hour))), nil); code != 400 {
		t.Errorf("patch with the end before the arrival: %d", code)
	}
	var list struct {
		Activities []evidence.Activity `json:"activities"`
	}
	ts.call(t, "GET", "/api/v1/activities?officer=000125&type=inspection&from="+rfc(arr.Add(-time.Hour)), evidence.RoleOfficer, "", &list)
	if len(list.Activities) != 1 || list.Activities[0].ID != act.ID {
		t.Errorf("list: %+v", list.Activities)
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// R-ACT-2, X-ACT-1: an unrecorded activity is a finding until a leader
// acknowledges its exemption; the submitter cannot; an inspection by one
// officer is flagged.
func TestExemptionAndTooFewOfficers(t *testing.T) {
	ts := newTestServer(t)
	ts.officers(t, "000123", "000124", "000125")
	arr := daysAgo(2)
	var act evidence.Activity
	body := fmt.Sprintf(`{"type":"inspection","place":{"address":"某诊所"},"officers":["000123"],"arrival":%q,"end":%q,"notice_given":true}`,
		rfc(arr), rfc(arr.Add(time.Hour)))
	if code := ts.call(t, "POST", "/api/v1/activities", evidence.RoleOfficer, body, &act); code != 201 {
		t.Fatal(code)
	}
	query := fmt.Sprintf("/api/v1/findings?activity=%d", act.ID)
	var l findingList
	ts.call(t, "GET", query, evidence.RoleOfficer, "", &l)
	rules := strings.Join(l.rules(), " ")
	for _, want := range []string{"too_few_officers//open", "unrecorded//open"} {
		if !strings.Contains(rules, want) {
			t.Errorf("findings %s: want %s", rules, want)
		}
	}
	var e evidence.Exemption
	path := fmt.Sprintf("/api/v1/activities/%d/exemptions", act.ID)
	if code := ts.call(t, "POST", path, evidence.RoleOfficer, `{"category":"emergency","reason":"现场冲突"}`, nil); code != 400 {
		t.Errorf("exemption without basis: %d", code)
	}
	if code := ts.call(t, "POST", path, evidence.RoleOfficer, `{"category":"emergency","reason":"现场冲突，来不及开启","basis":"第七条第二项"}`, &e); code != 201 || e.SubmittedBy != "u-officer" {
		t.Fatalf("submit: %d %+v", code, e)
	}
	ts.call(t, "GET", query, evidence.RoleOfficer, "", &l)
	if !strings.Contains(strings.Join(l.rules(), " "), "unrecorded//open") {
		t.Errorf("unacknowledged exemption excused the activity: %v", l.rules())
	}
	ack := fmt.Sprintf("/api/v1/exemptions/%d/acknowledge", e.ID)
	if code := ts.call(t, "POST", ack, evidence.RoleOfficer, "", nil); code != 403 {
		t.Errorf("officer acknowledges: %d", code)
	}
	if code := ts.call(t, "POST", ack, evidence.RoleLeader, "", &e); code != 200 || !e.Acknowledged() {
		t.Fatalf("leader acknowledges: %d %+v", code, e)
	}
	if code := ts.call(t, "POST", ack, evidence.RoleLeader, "", nil); code != 409 {
		t.Errorf("second acknowledgement: %d", code)
	}
	ts.call(t, "GET", query, evidence.RoleOfficer, "", &l)
	if got := strings.Join(l.rules(), " "); strings.Contains(got, "unrecorded") || !strings.Contains(got, "too_few_officers") {
		t.Errorf("findings after the acknowledgement: %s", got)
	}
	var v app.ActivityView
	ts.call(t, "GET", fmt.Sprintf("/api/v1/activities/%d", act.ID), evidence.RoleOfficer, "", &v)
	if !v.Exempt || len(v.Exemptions) != 1 || v.Coverage.Recorded {
		t.Errorf("activity view: exempt=%v exemptions=%+v", v.Exempt, v.Exemptions)
	}
	if code := ts.call(t, "GET", "/api/v1/findings?status=closed", evidence.RoleOfficer, "", nil); code != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", code)
	}
}

// officers gives each number no account holds an officer account of its
// own (o-<number>): activities name only officers who hold an account.
// testOfficerNo is u-officer's number once officers names it.
const testOfficerNo = "000123"

// officerIs gives u-officer, who acts as an officer in the tests, the
// officer number no: officers change only the activities they are on.
func officerIs(ctx context.Context, tx *store.Tx, no string) error {
	u, _, err := tx.UserByName(ctx, "u-officer")
	if err != nil {
		return err
	}
	return tx.SetIdentity(ctx, u.ID, "", no)
}

func (ts *testServer) officers(t *testing.T, numbers ...string) {
	t.Helper()
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		dir, err := tx.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		for _, no := range numbers {
			if _, ok := dir[no]; ok {
				continue
			}
			if no == testOfficerNo {
				if err := officerIs(ctx, tx, no); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.CreateAccount(ctx, store.NewAccount{Name: "o-" + no, Role: evidence.RoleOfficer, OfficerNo: no}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// forgetOfficer takes number off the account holding it, as when an
// account is renumbered after an activity named it.
func (ts *testServer) forgetOfficer(t *testing.T, number string) {
	t.Helper()
	ctx := context.Background()
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		dir, err := tx.OfficerDirectory(ctx)
		if err != nil {
			return err
		}
		o, ok := dir[number]
		if !ok {
			return nil
		}
		return tx.SetIdentity(ctx, o.UserID, "", "")
	})
	if err != nil {
		t.Fatal(err)
	}
}
