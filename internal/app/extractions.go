package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"shilu/internal/evidence"
	"shilu/internal/store"
)

// objExtraction is not an object of custody entries: an extraction's
// events are entered on the trail of every recording it names, where a
// recording's history is read (as access requests are).

// ExtractionAsk is a request to extract recordings of a case as an
// evidence package (Art. 15, 18).
type ExtractionAsk struct {
	CaseID    int64                      `json:"case_id"`
	Purpose   evidence.ExtractionPurpose `json:"purpose"`
	Recipient string                     `json:"recipient"`
	Proves    string                     `json:"proves"`
	Place     string                     `json:"place"`
	Items     []evidence.ExtractionItem  `json:"items"`
}

// RequestExtraction files a request to extract recordings of a case's file
// (whole, or spans of them); it waits for the requester's leader, as a
// request to view does (Art. 16, 18). The requester handles the case, or
// leads or keeps it (mayHandle); the recordings are in its file.
func (a *App) RequestExtraction(ctx context.Context, who Actor, ask ExtractionAsk) (evidence.Extraction, error) {
	ask.Recipient, ask.Place = strings.TrimSpace(ask.Recipient), strings.TrimSpace(ask.Place)
	if err := firstErr(checkLine("recipient", ask.Recipient, 200), checkText("proves", ask.Proves, evidence.MaxProves),
		checkLine("place", ask.Place, 200)); err != nil {
		return evidence.Extraction{}, err
	}
	for i := range ask.Items {
		ask.Items[i].Normalize()
	}
	x := evidence.Extraction{CaseID: ask.CaseID, RequesterID: who.User.ID, Purpose: ask.Purpose, Recipient: ask.Recipient,
		Proves: strings.TrimSpace(ask.Proves), Place: ask.Place, Items: ask.Items}
	if err := x.Validate(); err != nil {
		return x, err
	}
	err := a.update(ctx, who, func(c *change) error {
		cs, err := c.Case(ctx, ask.CaseID)
		if err != nil {
			return err
		}
		if err := c.mayHandle(ctx, who.User, cs); err != nil {
			return err
		}
		inFile, err := c.CaseRecordingIDs(ctx, cs.ID)
		if err != nil {
			return err
		}
		for _, it := range x.Items {
			if !slices.Contains(inFile, it.RecordingID) {
				return evidence.Errorf(evidence.EInvalid, "err.extract.not_in_case", it.RecordingID, cs.Number)
			}
		}
		if x, err = c.CreateExtraction(ctx, x); err != nil {
			return err
		}
		return c.logExtraction(evidence.ActionExtractionRequest, x, map[string]string{"proves": x.Proves, "place": x.Place})
	})
	return x, err
}

// logExtraction logs an event of extraction x with one entry per recording
// it names, carrying the recording's digest.
func (c *change) logExtraction(action evidence.Action, x evidence.Extraction, extra map[string]string) error {
	for _, it := range x.Items {
		rec, err := c.Recording(c.ctx, it.RecordingID)
		if err != nil {
			return err
		}
		details := map[string]string{"extraction": itoa(x.ID), "case": itoa(x.CaseID), "case_number": x.CaseNumber,
			"purpose": string(x.Purpose)}
		if x.Recipient != "" {
			details["recipient"] = x.Recipient
		}
		if it.HasSpan() {
			details["start_ms"], details["end_ms"] = strconv.FormatInt(*it.StartMS, 10), strconv.FormatInt(*it.EndMS, 10)
		}
		for k, v := range extra {
			details[k] = v
		}
		if err := c.log(action, objRecording(it.RecordingID), details, rec.Digest); err != nil {
			return err
		}
	}
	return nil
}

// DecideExtraction records the leader's decision on extraction id: only a
// leader of the requester decides, never on their own request (as for
// viewing; R-VIEW-3: nothing goes outside without approval). An approval
// sets the packaging job going.
func (a *App) DecideExtraction(ctx context.Context, who Actor, id int64, approve bool, comment string) (evidence.Extraction, error) {
	comment = strings.TrimSpace(comment)
	if err := checkText("comment", comment, 1000); err != nil {
		return evidence.Extraction{}, err
	}
	var x evidence.Extraction
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.Extraction(ctx, id); err != nil {
			return err
		}
		// A leader by role and by department: the route table checks the
		// role too, but an extraction goes outside the archive (R-VIEW-3),
		// so the use case does not lean on its caller.
		leads := who.User.Role.Can(evidence.PermAccessApprove)
		if leads {
			if leads, err = c.IsLeaderOf(ctx, who.User.ID, x.RequesterID); err != nil {
				return err
			}
		}
		if !leads || who.User.ID == x.RequesterID {
			if who.User.ID == x.RequesterID {
				return evidence.Errorf(evidence.EForbidden, "err.extract.own_request")
			}
			return evidence.Errorf(evidence.EForbidden, "err.extract.not_leader", id)
		}
		if err := x.Decide(approve, who.User, comment, c.Now()); err != nil {
			return err
		}
		if x, err = c.Tx.DecideExtraction(ctx, x, who.User.ID); err != nil {
			return err
		}
		action := evidence.ActionExtractionReject
		if approve {
			action = evidence.ActionExtractionApprove
		}
		return c.logExtraction(action, x, map[string]string{"comment": comment})
	})
	if err == nil && approve {
		a.packNow()
	}
	return x, err
}

// SeeExtractions is the scope of the extractions u sees: the custodian, who
// keeps the register, and the security administrator all; a leader those
// of the people they lead and their own; anyone else their own.
func SeeExtractions(u evidence.User) store.Scope {
	switch {
	case u.Role == evidence.RoleCustodian || u.Role == evidence.RoleSecAdmin || u.ID == 0:
		return store.Scope{}
	case u.Role == evidence.RoleLeader:
		return store.Scope{LedBy: u.ID}
	}
	return store.Scope{Only: u.ID}
}

// MaySeeExtraction reports whether u may see extraction x (and fetch its
// package): its requester, their leaders, the custodian and the security
// administrator.
func MaySeeExtraction(ctx context.Context, tx *store.Tx, u evidence.User, x evidence.Extraction) (bool, error) {
	if x.RequesterID == u.ID || u.ID == 0 || u.Role == evidence.RoleCustodian || u.Role == evidence.RoleSecAdmin {
		return true, nil
	}
	if u.Role != evidence.RoleLeader {
		return false, nil
	}
	return tx.IsLeaderOf(ctx, u.ID, x.RequesterID)
}

// RecordReceipt records the recipient's acknowledgement (签收) of a
// packaged extraction: who received it, as they signed.
func (a *App) RecordReceipt(ctx context.Context, who Actor, id int64, receipt string) (evidence.Extraction, error) {
	receipt = strings.TrimSpace(receipt)
	if err := checkLine("receipt", receipt, 500); err != nil {
		return evidence.Extraction{}, err
	}
	if len([]rune(receipt)) < 2 {
		return evidence.Extraction{}, evidence.Errorf(evidence.EInvalid, "err.extract.receipt")
	}
	var x evidence.Extraction
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.Extraction(ctx, id); err != nil {
			return err
		}
		if ok, err := MaySeeExtraction(ctx, c.Tx, who.User, x); err != nil {
			return err
		} else if !ok {
			return evidence.Errorf(evidence.ENotFound, "err.extract.not_found", id)
		}
		if err := c.SetReceipt(ctx, id, receipt); err != nil {
			return err
		}
		x.Receipt = receipt
		return c.logExtraction(evidence.ActionExtractionReceipt, x, map[string]string{"receipt": receipt, "iso_sha256": x.ISOSHA256})
	})
	return x, err
}

// CheckExtractions raises the findings about extractions (issue 10 point
// 4): an approval whose package was not made within within of it, and a
// package whose extraction the custody log shows no leader approved — the
// use cases never make one, so the tables were edited. Findings that no
// longer hold are resolved.
func (a *App) CheckExtractions(ctx context.Context, within time.Duration) error {
	return a.db.Update(ctx, func(tx *store.Tx) error {
		var fs []evidence.Finding
		late, err := tx.ApprovedBefore(ctx, tx.Now().Add(-within))
		if err != nil {
			return err
		}
		for _, x := range late {
			fs = append(fs, evidence.Finding{Key: "extraction_unproduced:" + itoa(x.ID), Rule: evidence.RuleExtractionUnproduced,
				Article: "Art. 15", RecordingIDs: x.RecordingIDs(), Status: evidence.FindingOpen, Severity: evidence.SeverityWarning,
				Evidence: evidence.Msg("finding.extraction_unproduced", x.ID, x.CaseNumber, *x.DecidedAt)})
		}
		packaged, err := tx.PackagedExtractions(ctx)
		if err != nil {
			return err
		}
		for _, x := range packaged {
			ok, err := approvedInLog(ctx, tx, x)
			if err != nil {
				return err
			}
			if !ok {
				fs = append(fs, evidence.Finding{Key: "extraction_unapproved:" + itoa(x.ID), Rule: evidence.RuleExtractionUnapproved,
					Article: "Art. 18", RecordingIDs: x.RecordingIDs(), Status: evidence.FindingOpen, Severity: evidence.SeveritySerious,
					Evidence: evidence.Msg("finding.extraction_unapproved", x.ID, x.CaseNumber)})
			}
		}
		return tx.SyncRuleFindings(ctx, []string{evidence.RuleExtractionUnproduced, evidence.RuleExtractionUnapproved}, fs)
	})
}

// approvedInLog reports whether the custody trail of x's first recording
// holds an approval of x by someone other than its requester.
func approvedInLog(ctx context.Context, tx *store.Tx, x evidence.Extraction) (bool, error) {
	if len(x.Items) == 0 {
		return false, nil
	}
	entries, err := trail(ctx, tx, x.Items[0].RecordingID)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.Action == evidence.ActionExtractionApprove && e.Details["extraction"] == itoa(x.ID) && e.Actor != x.Requester {
			return true, nil
		}
	}
	return false, nil
}

// RecordBurn enters on the custody trail of every recording of packaged
// extraction id that its image (SHA-256 iso) was written to a disc in
// device and read back identical (R-STORE-3: evidence handed out on disc).
func (a *App) RecordBurn(ctx context.Context, who Actor, id int64, device, iso string) error {
	return a.update(ctx, who, func(c *change) error {
		x, err := c.Extraction(ctx, id)
		if err != nil {
			return err
		}
		if x.Status != evidence.ExtractionPackaged {
			return evidence.Errorf(evidence.EConflict, "err.extract.not_packaged", id)
		}
		if x.ISOSHA256 != iso {
			return evidence.Errorf(evidence.EConflict, "err.extract.other_image", id)
		}
		return c.logExtraction(evidence.ActionDiscBurn, x, map[string]string{"device": device, "iso_sha256": iso, "read_back": "identical"})
	})
}

// RecordDownload enters on the custody trail of every recording of
// extraction id that its image was handed out (R-SEC-2), before the first
// byte leaves; the caller may see the extraction (MaySeeExtraction).
func (a *App) RecordDownload(ctx context.Context, who Actor, id int64) (evidence.Extraction, error) {
	var x evidence.Extraction
	err := a.update(ctx, who, func(c *change) error {
		var err error
		if x, err = c.Extraction(ctx, id); err != nil {
			return err
		}
		if ok, err := MaySeeExtraction(ctx, c.Tx, who.User, x); err != nil {
			return err
		} else if !ok {
			return evidence.Errorf(evidence.ENotFound, "err.extract.not_found", id)
		}
		if x.Status != evidence.ExtractionPackaged {
			return evidence.Errorf(evidence.ENotFound, "err.extract.no_package", id)
		}
		return c.logExtraction(evidence.ActionExtractionDownload, x, map[string]string{"iso_sha256": x.ISOSHA256})
	})
	return x, err
}
