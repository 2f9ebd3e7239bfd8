package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"shilu/internal/evidence"
)

// activityDetail is the part of GET /api/v1/activities/{id} the scenario
// reads.
type activityDetail struct {
	Activity evidence.Activity `json:"activity"`
	Coverage struct {
		Percent  float64 `json:"percent"`
		Recorded bool    `json:"recorded"`
		Officers []struct {
			Officer string  `json:"officer"`
			Percent float64 `json:"percent"`
		} `json:"officers"`
	} `json:"coverage"`
	Interruptions []struct {
		Officer  string    `json:"officer"`
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		LengthMS int64     `json:"length_ms"`
		Status   string    `json:"status"`
	} `json:"interruptions"`
	Exempt  bool      `json:"exempt"`
	Due     time.Time `json:"due"`
	Uploads []struct {
		RecordingID int64  `json:"recording_id"`
		State       string `json:"state"`
		ByMS        int64  `json:"by_ms"`
	} `json:"uploads"`
}

type findingsAnswer struct {
	Findings []evidence.Finding `json:"findings"`
}

// has reports whether a finding of rule with status is in the list.
func (f findingsAnswer) has(rule string, status evidence.FindingStatus) int {
	n := 0
	for _, x := range f.Findings {
		if x.Rule == rule && (status == "" || x.Status == status) {
			n++
		}
	}
	return n
}

// R-ACT-1, R-ACT-4, R-ACT-6, R-ACT-2, X-ACT-1, R-UPL-1: the compliance
// scenario of issue 4 on the real server with generated body-camera media.
// Activities are two days ago at 09:00 Asia/Shanghai, so their export
// deadlines have passed.
func TestActivityScenario(t *testing.T) {
	data, media := t.TempDir(), t.TempDir()
	station := newStation(t, data, "station-01")
	zhangwei := newPerson(t, data, "zhangwei", "officer", "--officer-no", "000123") // on every activity below
	liuyang := newPerson(t, data, "liuyang", "leader")
	addOfficers(t, data, "000124", "000125")
	srv := startServer(t, data, "127.0.0.1:0")
	officer := srv.signIn(t, zhangwei)
	leader := srv.signIn(t, liuyang)

	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	now := time.Now().In(loc)
	t1 := time.Date(now.Year(), now.Month(), now.Day()-2, 9, 0, 0, 0, loc) // contiguous
	t2 := t1.Add(time.Hour)                                                // with a 40 s gap

	// Body-worn camera names: serial_officer_localtime_seq.
	clips := []struct {
		device, officer string
		start           time.Time
		seconds, seq    int
	}{
		{"DSJ0A12", "000123", t1, 20, 1},
		{"DSJ0A12", "000123", t1.Add(20 * time.Second), 20, 2},
		{"DSJ0B34", "000124", t1, 40, 1},
		{"DSJ0A12", "000123", t2, 10, 3},
		{"DSJ0A12", "000123", t2.Add(50 * time.Second), 10, 4}, // 40 s after the last one ended
		{"DSJ0B34", "000124", t2, 60, 2},
	}
	var files []string
	for _, c := range clips {
		name := fmt.Sprintf("%s_%s_%s_%04d.MP4", c.device, c.officer, c.start.Format("20060102150405"), c.seq)
		files = append(files, makeVideo(t, media, name, c.seconds, c.start))
	}
	out := mustCLI(t, append([]string{"upload", "--server", srv.URL, "--token", station, "--quiet", "--state", t.TempDir()}, files...)...)
	ids := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var id int64
		path, rest, _ := strings.Cut(line, "\t")
		if _, err := fmt.Sscanf(rest, "recording %d", &id); err != nil {
			t.Fatalf("upload printed %q", line)
		}
		ids[filepath.Base(path)] = id
	}
	idOf := func(i int) int64 { return ids[filepath.Base(files[i])] }

	// R-ACT-8: before anyone links them, each ffmpeg-made clip is already
	// flagged on what the file alone shows (the ingest's signs).
	var unlinked findingsAnswer
	api(t, "GET", srv.URL+"/api/v1/findings?rule=remuxed", leader, nil, &unlinked)
	if n := unlinked.has("remuxed", evidence.FindingOpen); n != len(files) {
		t.Errorf("%d remuxed findings after ingest, want one per clip (%d)", n, len(files))
	}

	create := func(body string) evidence.Activity {
		t.Helper()
		var a evidence.Activity
		if resp, b := apiBody(t, "POST", srv.URL+"/api/v1/activities", officer, nil, body, &a); resp.StatusCode != 201 {
			t.Fatalf("create activity: %d %s", resp.StatusCode, b)
		}
		return a
	}
	inspection := func(arrival time.Time, seconds int) evidence.Activity {
		return create(fmt.Sprintf(`{"type":"inspection","place":{"address":"丰南区某药房"},"officers":["000123","000124"],"devices":["DSJ0A12","DSJ0B34"],
			"arrival":%q,"end":%q,"notice_given":true}`, arrival.Format(time.RFC3339), arrival.Add(time.Duration(seconds)*time.Second).Format(time.RFC3339)))
	}
	linkProposed := func(a evidence.Activity, want int) {
		t.Helper()
		var props struct {
			Proposals []struct {
				RecordingID int64 `json:"recording_id"`
			} `json:"proposals"`
		}
		api(t, "GET", fmt.Sprintf("%s/api/v1/activities/%d/proposals", srv.URL, a.ID), officer, nil, &props)
		if len(props.Proposals) != want {
			t.Fatalf("activity %d: %d proposals, want %d: %+v", a.ID, len(props.Proposals), want, props)
		}
		var confirmed []string
		for _, p := range props.Proposals {
			confirmed = append(confirmed, fmt.Sprint(p.RecordingID))
		}
		body := `{"recording_ids":[` + strings.Join(confirmed, ",") + `]}`
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/activities/%d/recordings", srv.URL, a.ID), officer, nil, body, nil); resp.StatusCode != 200 {
			t.Fatalf("link: %d %s", resp.StatusCode, b)
		}
	}
	detail := func(a evidence.Activity) activityDetail {
		t.Helper()
		var d activityDetail
		if resp, b := api(t, "GET", fmt.Sprintf("%s/api/v1/activities/%d", srv.URL, a.ID), officer, nil, &d); resp.StatusCode != 200 {
			t.Fatalf("activity %d: %d %s", a.ID, resp.StatusCode, b)
		}
		return d
	}
	findings := func(a evidence.Activity) findingsAnswer {
		t.Helper()
		var f findingsAnswer
		if resp, b := api(t, "GET", fmt.Sprintf("%s/api/v1/findings?activity=%d", srv.URL, a.ID), leader, nil, &f); resp.StatusCode != 200 {
			t.Fatalf("findings: %d %s", resp.StatusCode, b)
		}
		return f
	}

	// R-ACT-1, R-ACT-4: an inspection with two officers; the proposed
	// recordings, once linked, cover it fully (the camera's file split is
	// no interruption).
	t.Run("ContiguousFullCoverage", func(t *testing.T) {
		a := inspection(t1, 40)
		if !a.Arrival.Equal(t1) || a.Arrival.Location() != time.UTC {
			t.Errorf("arrival %v, want %v in UTC", a.Arrival, t1)
		}
		linkProposed(a, 3)
		d := detail(a)
		if d.Coverage.Percent < 99 || len(d.Coverage.Officers) != 2 || len(d.Interruptions) != 0 {
			t.Errorf("coverage %+v, interruptions %+v: want full coverage", d.Coverage, d.Interruptions)
		}
		f := findings(a)
		if n := f.has("coverage_gap", ""); n != 0 {
			t.Errorf("%d coverage findings, want none", n)
		}
		// R-ACT-8: the clips were made by ffmpeg, not a camera, and say so.
		if n := f.has("remuxed", evidence.FindingOpen); n != 3 {
			t.Errorf("%d remuxed findings, want one per ffmpeg-made clip", n)
		}
		// R-UPL-1: due at the end of the activity's day in Shanghai; the
		// clips came in two days later, late by the time since then.
		due := time.Date(t1.Year(), t1.Month(), t1.Day()+1, 0, 0, 0, 0, loc)
		if !d.Due.Equal(due) || len(d.Uploads) != 3 {
			t.Fatalf("due %v, want %v; uploads %+v", d.Due, due, d.Uploads)
		}
		for _, u := range d.Uploads {
			late := time.Duration(u.ByMS) * time.Millisecond
			if u.State != "late" || late < time.Since(due)-time.Minute || late > time.Since(due) {
				t.Errorf("upload %+v: want late by about %s", u, time.Since(due).Round(time.Minute))
			}
		}
	})

	// R-ACT-6: a 40 s gap is one interruption; it stays a finding until
	// explained, and then its status is explained.
	t.Run("GapUntilExplained", func(t *testing.T) {
		a := inspection(t2, 60)
		linkProposed(a, 3)
		d := detail(a)
		if len(d.Interruptions) != 1 || d.Interruptions[0].Officer != "000123" || d.Interruptions[0].LengthMS < 39000 || d.Interruptions[0].LengthMS > 41000 {
			t.Fatalf("interruptions %+v: want one of about 40 s by 000123", d.Interruptions)
		}
		if n := findings(a).has("coverage_gap", evidence.FindingOpen); n != 1 {
			t.Fatalf("%d open coverage findings, want 1", n)
		}
		// Asked again, it is still there: only an explanation changes it.
		if n := findings(a).has("coverage_gap", evidence.FindingOpen); n != 1 {
			t.Fatalf("%d open coverage findings on re-evaluation, want 1", n)
		}
		g := d.Interruptions[0]
		body := fmt.Sprintf(`{"officer":"000123","start":%q,"end":%q,"cause":"battery_storage","note":"更换电池","voice_recording_id":%d,"voice_point_ms":2000}`,
			g.Start.Format(time.RFC3339Nano), g.End.Format(time.RFC3339Nano), idOf(4))
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/activities/%d/interruptions", srv.URL, a.ID), officer, nil, body, nil); resp.StatusCode != 201 {
			t.Fatalf("explain: %d %s", resp.StatusCode, b)
		}
		f := findings(a)
		if f.has("coverage_gap", evidence.FindingOpen) != 0 || f.has("coverage_gap", evidence.FindingExplained) != 1 {
			t.Errorf("coverage findings after the explanation: %+v", f.Findings)
		}
		if d := detail(a); d.Interruptions[0].Status != "explained" {
			t.Errorf("interruption status %s, want explained", d.Interruptions[0].Status)
		}
	})

	// X-ACT-1: an inspection by one officer is flagged.
	t.Run("OneOfficerFlagged", func(t *testing.T) {
		a := create(fmt.Sprintf(`{"type":"inspection","place":{"address":"某诊所"},"officers":["000125"],"arrival":%q,"end":%q,"notice_given":true}`,
			t1.Add(3*time.Hour).Format(time.RFC3339), t1.Add(4*time.Hour).Format(time.RFC3339)))
		if n := findings(a).has("too_few_officers", evidence.FindingOpen); n != 1 {
			t.Errorf("%d too_few_officers findings, want 1", n)
		}
	})

	// R-ACT-2: an unrecorded activity is a finding until the leader
	// acknowledges its exemption; then it has no coverage finding.
	t.Run("AcknowledgedExemption", func(t *testing.T) {
		a := create(fmt.Sprintf(`{"type":"service","place":{"address":"某医院"},"officers":["000123","000124"],"arrival":%q,"end":%q,"notice_given":true}`,
			t1.Add(5*time.Hour).Format(time.RFC3339), t1.Add(6*time.Hour).Format(time.RFC3339)))
		if n := findings(a).has("unrecorded", evidence.FindingOpen); n != 1 {
			t.Fatalf("%d unrecorded findings, want 1", n)
		}
		var e evidence.Exemption
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/activities/%d/exemptions", srv.URL, a.ID), officer, nil,
			`{"category":"secret_privacy","reason":"涉及患者隐私","basis":"第七条第一项"}`, &e); resp.StatusCode != 201 {
			t.Fatalf("exemption: %d %s", resp.StatusCode, b)
		}
		if resp, b := apiBody(t, "POST", fmt.Sprintf("%s/api/v1/exemptions/%d/acknowledge", srv.URL, e.ID), leader, nil, "", &e); resp.StatusCode != 200 || !e.Acknowledged() {
			t.Fatalf("acknowledge: %d %s", resp.StatusCode, b)
		}
		f := findings(a)
		if n := f.has("unrecorded", "") + f.has("coverage_gap", "") + f.has("notice_missing", ""); n != 0 {
			t.Errorf("findings of an exempted activity: %+v", f.Findings)
		}
		if d := detail(a); !d.Exempt || d.Coverage.Recorded {
			t.Errorf("exempt=%v recorded=%v", d.Exempt, d.Coverage.Recorded)
		}
	})
}
