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

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// R-VIEW-1: a request may name all recordings of an activity or of a case;
// they are resolved when it is made, so the leader approves exactly what was
// asked.
func TestAccessRequestForActivity(t *testing.T) {
	ts := newTestServer(t)
	ctx := context.Background()
	var actID, emptyID int64
	err := ts.cfg.DB.Update(ctx, func(tx *store.Tx) error {
		officer, _, err := tx.UserByName(ctx, "u-officer")
		if err != nil {
			return err
		}
		mk := func() (evidence.Activity, error) {
			return tx.CreateActivity(ctx, evidence.Activity{Type: evidence.ActivityInspection, Place: evidence.Place{Address: "某医院"}, CaseNumber: "丰医保罚〔2026〕12号",
				Officers: []string{"000123", "000124"}, Arrival: tx.Now().Add(-2 * time.Hour), End: tx.Now().Add(-time.Hour), WorkMode: evidence.WorkNormal}, officer.ID)
		}
		a, err := mk()
		if err != nil {
			return err
		}
		if _, err := tx.LinkRecording(ctx, a.ID, ts.recID, officer.ID); err != nil {
			return err
		}
		empty, err := mk()
		if err != nil {
			return err
		}
		actID, emptyID = a.ID, empty.ID
		// The case file holds the activity: a request by case asks for
		// what the file holds, not for the activities naming the number.
		k, err := tx.CreateCase(ctx, evidence.Case{Number: "丰医保罚〔2026〕12号", Title: "某医院违规使用医保基金案", Officers: []string{"000123"},
			Status: evidence.CaseFiled}, officer.ID)
		if err != nil {
			return err
		}
		return tx.AttachToCase(ctx, k.ID, evidence.CaseItemActivity, a.ID, officer.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name, body string
		want       int
		ids        []int64
	}{
		{"OK", fmt.Sprintf(`{"activity_id":%d,"purpose":"case_analysis","reason":"案情研判会议","until":%q}`, actID, until), 201, []int64{ts.recID}},
		{"OKCombinedNoDuplicates", fmt.Sprintf(`{"activity_id":%d,"recording_ids":[%d],"purpose":"case_work","reason":"办案需要","until":%q}`, actID, ts.recID, until), 201, []int64{ts.recID}},
		{"OKByCase", fmt.Sprintf(`{"case_number":"丰医保罚〔2026〕12号","purpose":"litigation","reason":"行政诉讼举证","until":%q}`, until), 201, []int64{ts.recID}},
		{"ErrNoSuchCase", fmt.Sprintf(`{"case_number":"无此案","purpose":"litigation","reason":"行政诉讼举证","until":%q}`, until), 404, nil},
		{"ErrNoLinkedRecordings", fmt.Sprintf(`{"activity_id":%d,"purpose":"case_work","reason":"办案需要","until":%q}`, emptyID, until), 400, nil},
		{"ErrNoSuchActivity", fmt.Sprintf(`{"activity_id":999,"purpose":"case_work","reason":"办案需要","until":%q}`, until), 404, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/access-requests", strings.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+ts.tokens[evidence.RoleOfficer])
			w := httptest.NewRecorder()
			ts.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Fatalf("status %d (%s), want %d", w.Code, w.Body.String(), c.want)
			}
			if c.want != http.StatusCreated {
				return
			}
			var got evidence.AccessRequest
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode %s: %v", w.Body.String(), err)
			}
			if fmt.Sprint(got.RecordingIDs) != fmt.Sprint(c.ids) {
				t.Errorf("recording_ids = %v, want %v", got.RecordingIDs, c.ids)
			}
		})
	}
}

// R-VIEW-1: the reason of a request and the leader's comment are prose: a
// paragraph of Chinese (far over 128 bytes) is taken whole, control
// characters are refused.
func TestRequestReasonAndCommentLength(t *testing.T) {
	ts := newTestServer(t)
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	long := strings.Repeat("核对现场检查录像，制作询问笔录。", 10) // 480 bytes
	var req evidence.AccessRequest
	body := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":%q,"until":%q}`, ts.recID, long, until)
	if code := ts.call(t, "POST", "/api/v1/access-requests", evidence.RoleOfficer, body, &req); code != 201 || req.Reason != long {
		t.Fatalf("a long reason: %d, reason kept %v", code, req.Reason == long)
	}
	bad := fmt.Sprintf(`{"recording_ids":[%d],"purpose":"case_work","reason":"a\u001bb","until":%q}`, ts.recID, until)
	if code := ts.call(t, "POST", "/api/v1/access-requests", evidence.RoleOfficer, bad, nil); code != 400 {
		t.Errorf("a reason with a control character: %d, want 400", code)
	}
	comment := fmt.Sprintf(`{"comment":%q}`, strings.Repeat("同意，限办案使用。", 12))
	if code := ts.call(t, "POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.ID), evidence.RoleLeader, comment, nil); code != 200 {
		t.Errorf("a long comment: %d, want 200", code)
	}
}
