package app

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"

	"shilu/internal/compliance"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// objSpotCheck names a spot check in custody entries.
func objSpotCheck(id int64) string { return "spotcheck:" + strconv.FormatInt(id, 10) }

// SpotDraw is what the person drawing a month's sample chooses.
type SpotDraw struct {
	DepartmentID int64  `json:"department_id"`
	Month        string `json:"month"` // YYYY-MM, Asia/Shanghai
	// Size is the most items of each kind (0: evidence.DefaultSpotSize).
	Size int `json:"size"`
	// Seed, when given, draws with it (to redo a draw elsewhere); nil
	// draws with a fresh random seed, which is recorded.
	Seed *int64 `json:"seed"`
	// Reviewers are the accounts the items are assigned to in turn: the
	// legal office, or heads of the department or one above it.
	Reviewers []int64 `json:"reviewers"`
}

// DrawSpotCheck draws department's sample for a month that has begun
// (X-RPT-2): up to Size activities and Size recordings at random from the
// month's (store.SpotPopulation) with the seed, assigned to the reviewers
// in turn. The seed and the populations are recorded with the sample and in
// the custody entry, so that anyone can redraw it (compliance.Sample).
func (a *App) DrawSpotCheck(ctx context.Context, who Actor, d SpotDraw) (s evidence.SpotCheck, err error) {
	if d.Size == 0 {
		d.Size = evidence.DefaultSpotSize
	}
	if d.Size < 1 || d.Size > evidence.MaxSpotSize {
		return s, evidence.Errorf(evidence.EInvalid, "err.spot.size", evidence.MaxSpotSize)
	}
	from, to, err := evidence.MonthSpan(d.Month)
	if err != nil {
		return s, err
	}
	if len(d.Reviewers) == 0 {
		return s, evidence.Errorf(evidence.EInvalid, "err.spot.no_reviewers")
	}
	seed := int64(0)
	if d.Seed != nil {
		seed = *d.Seed
	} else {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return s, err
		}
		seed = int64(binary.BigEndian.Uint64(b[:]) & evidence.MaxSpotSeed)
	}
	if seed < 0 || seed > evidence.MaxSpotSeed {
		return s, evidence.Errorf(evidence.EInvalid, "err.spot.seed", int64(evidence.MaxSpotSeed))
	}
	err = a.update(ctx, who, func(c *change) error {
		if !from.Before(c.Now()) {
			return evidence.Errorf(evidence.EInvalid, "err.spot.month_ahead", d.Month)
		}
		dept, err := c.Department(ctx, d.DepartmentID)
		if err != nil {
			return err
		}
		if err := c.checkReviewers(ctx, d.DepartmentID, d.Reviewers); err != nil {
			return err
		}
		acts, recs, err := c.SpotPopulation(ctx, d.DepartmentID, from, to)
		if err != nil {
			return err
		}
		s = evidence.SpotCheck{DepartmentID: d.DepartmentID, Department: dept.Name, Month: d.Month, Seed: seed, Size: d.Size,
			PopActivities: len(acts), PopRecordings: len(recs)}
		var picked []string
		for _, part := range []struct {
			kind string
			ids  []int64
		}{{evidence.SpotActivity, acts}, {evidence.SpotRecording, recs}} {
			for _, id := range compliance.Sample(part.ids, uint64(seed), d.Size) {
				s.Items = append(s.Items, evidence.SpotItem{Kind: part.kind, ObjectID: id, ReviewerID: d.Reviewers[len(s.Items)%len(d.Reviewers)]})
				picked = append(picked, part.kind+":"+itoa(id))
			}
		}
		if s, err = c.CreateSpotCheck(ctx, s, who.User.ID); err != nil {
			return err
		}
		return c.log(evidence.ActionSpotCheckDraw, objSpotCheck(s.ID), map[string]string{"department": itoa(d.DepartmentID), "month": d.Month,
			"seed": strconv.FormatInt(seed, 10), "size": strconv.Itoa(d.Size), "population_activities": strconv.Itoa(len(acts)),
			"population_recordings": strconv.Itoa(len(recs)), "sample": strings.Join(picked, ",")})
	})
	return s, err
}

// checkReviewers checks that each reviewer may review department dept's
// items: the legal office, or a head of dept or of a department above it.
func (c *change) checkReviewers(ctx context.Context, dept int64, ids []int64) error {
	all, err := c.SpotReviewers(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		i := slices.IndexFunc(all, func(r store.SpotReviewer) bool { return r.ID == id })
		if i < 0 {
			return evidence.Errorf(evidence.EInvalid, "err.spot.reviewer", id)
		}
		if all[i].Role == evidence.RoleLegal {
			continue
		}
		ok := false
		if all[i].DepartmentID != nil {
			if ok, err = c.InDepartmentSubtree(ctx, &dept, all[i].DepartmentID); err != nil {
				return err
			}
		}
		if !ok {
			return evidence.Errorf(evidence.EInvalid, "err.spot.reviewer_department", all[i].Label)
		}
	}
	return nil
}

// SpotReview is a reviewer's answers to the form for one item.
type SpotReview struct {
	Answers map[evidence.SpotQuestion]bool `json:"answers"`
	Note    string                         `json:"note"`
}

// ReviewSpotItem records the review of item id by its assigned reviewer
// alone (X-RPT-2), once. Each "no" raises a finding about the activity or
// the recording (rule spot_check, through the findings every list and
// report reads), which no re-evaluation resolves; a "no" needs a note
// saying what was wrong.
func (a *App) ReviewSpotItem(ctx context.Context, who Actor, id int64, rv SpotReview) (it evidence.SpotItem, err error) {
	rv.Note = strings.TrimSpace(rv.Note)
	if err := checkText("spot_note", rv.Note, evidence.MaxSpotNote); err != nil {
		return it, err
	}
	answers, err := evidence.EncodeAnswers(rv.Answers)
	if err != nil {
		return it, err
	}
	if strings.Contains(answers, "n") && rv.Note == "" {
		return it, evidence.Errorf(evidence.EInvalid, "err.spot.note_needed")
	}
	err = a.update(ctx, who, func(c *change) error {
		if it, err = c.SpotItem(ctx, id); err != nil {
			return err
		}
		if it.ReviewerID != who.User.ID {
			return evidence.Errorf(evidence.EForbidden, "err.spot.not_reviewer", id)
		}
		if err := c.ReviewSpotItem(ctx, id, answers, rv.Note); err != nil {
			return err
		}
		it.Answers = evidence.DecodeAnswers(answers)
		var fs []evidence.Finding
		for _, q := range it.Noes() {
			f := evidence.Finding{Key: evidence.RuleSpotCheck + ":" + itoa(id) + ":" + string(q), Rule: evidence.RuleSpotCheck, Article: "X-RPT-2",
				Evidence: evidence.Msg("finding.spot_check", evidence.Msg("spot.q."+string(q)), rv.Note),
				Status:   evidence.FindingOpen, Severity: evidence.SeverityWarning}
			if it.Kind == evidence.SpotActivity {
				f.ActivityID = it.ObjectID
			} else {
				rec, err := c.Recording(ctx, it.ObjectID)
				if err != nil {
					return err
				}
				f.Officer, f.RecordingIDs = rec.Officer, []int64{it.ObjectID}
			}
			fs = append(fs, f)
		}
		if _, err := c.RaiseFindings(ctx, fs); err != nil {
			return err
		}
		if it, err = c.SpotItem(ctx, id); err != nil {
			return err
		}
		return c.log(evidence.ActionSpotCheckReview, objSpotCheck(it.SpotCheckID), map[string]string{"item": itoa(id), "kind": it.Kind,
			"object": itoa(it.ObjectID), "answers": answers, "note": rv.Note, "findings": strconv.Itoa(len(fs))})
	})
	return it, err
}
