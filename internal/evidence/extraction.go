package evidence

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// ExtractionPurpose is what an extraction (提取) of evidence is for: the
// case file (Art. 15: 复制调取 … 附卷), a court, or another authority —
// Art. 18's provision outside, which names its recipient.
type ExtractionPurpose string

// The purposes of an extraction.
const (
	ExtractCaseFile  ExtractionPurpose = "case_file" // 作为证据附卷
	ExtractCourt     ExtractionPurpose = "court"     // 提交法院
	ExtractAuthority ExtractionPurpose = "authority" // 移送其他机关 (Art. 18, with the recipient)
)

// ExtractionPurposes lists the purposes in the order forms offer them.
var ExtractionPurposes = []ExtractionPurpose{ExtractCaseFile, ExtractCourt, ExtractAuthority}

// Valid reports whether p is a known purpose.
func (p ExtractionPurpose) Valid() bool {
	switch p {
	case ExtractCaseFile, ExtractCourt, ExtractAuthority:
		return true
	}
	return false
}

// ExtractionStatus is where an extraction stands. Pending moves to
// approved or rejected by the requester's leader (as for viewing);
// approved moves to packaged when the package
// is made, or to failed when it cannot be (a blob that fails its hash, a
// full disk), which an officer may ask again.
type ExtractionStatus string

// The extraction states.
const (
	ExtractionPending  ExtractionStatus = "pending"
	ExtractionApproved ExtractionStatus = "approved"
	ExtractionRejected ExtractionStatus = "rejected"
	ExtractionPackaged ExtractionStatus = "packaged"
	ExtractionFailed   ExtractionStatus = "failed"
)

// The bounds of an extraction request.
const (
	MaxExtractionItems = 100
	MinProves          = 4    // 证明对象, in characters
	MaxProves          = 2000 // 证明对象, in characters
)

// ExtractionItem is one recording of an extraction: whole, or a span of it
// (point 5 of issue 10), offsets from the recording's start. A span makes
// the package carry a clip beside the original, never instead of it.
type ExtractionItem struct {
	RecordingID int64          `json:"recording_id"`
	Start       *time.Duration `json:"-"`
	End         *time.Duration `json:"-"`
	// StartMS and EndMS are Start and End in JSON, whole milliseconds.
	StartMS *int64 `json:"start_ms,omitempty"`
	EndMS   *int64 `json:"end_ms,omitempty"`
}

// HasSpan reports whether the item asks for a clip.
func (it ExtractionItem) HasSpan() bool { return it.Start != nil && it.End != nil }

// UnmarshalJSON reads an item and fills Start and End from start_ms and
// end_ms.
func (it *ExtractionItem) UnmarshalJSON(b []byte) error {
	type plain ExtractionItem
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*it = ExtractionItem(p)
	it.Normalize()
	return nil
}

// Normalize fills Start and End from StartMS and EndMS and back.
func (it *ExtractionItem) Normalize() {
	if it.StartMS != nil && it.Start == nil {
		d := time.Duration(*it.StartMS) * time.Millisecond
		it.Start = &d
	}
	if it.EndMS != nil && it.End == nil {
		d := time.Duration(*it.EndMS) * time.Millisecond
		it.End = &d
	}
	if it.Start != nil {
		ms := it.Start.Milliseconds()
		it.StartMS = &ms
	}
	if it.End != nil {
		ms := it.End.Milliseconds()
		it.EndMS = &ms
	}
}

// Extraction is a request to extract recordings from the archive as an
// evidence package (Art. 15, 18; R-EXP-1), its leader's decision and, once
// approved, the package made of it.
type Extraction struct {
	ID          int64             `json:"id"`
	CaseID      int64             `json:"case_id"`
	CaseNumber  string            `json:"case_number"`
	RequesterID int64             `json:"requester_id"`
	Requester   string            `json:"requester"`
	Purpose     ExtractionPurpose `json:"purpose"`
	// Recipient is who receives the package: required for a court or
	// another authority (Art. 18: provision outside names its recipient).
	Recipient string `json:"recipient,omitempty"`
	// Proves is 证明对象: what the evidence proves, entered by the officer
	// (X-EXP-1).
	Proves    string           `json:"proves"`
	Place     string           `json:"place,omitempty"` // 制作地点
	Items     []ExtractionItem `json:"items"`
	Status    ExtractionStatus `json:"status"`
	CreatedAt time.Time        `json:"created_at"`
	DecidedBy string           `json:"decided_by,omitempty"`
	DecidedAt *time.Time       `json:"decided_at,omitempty"`
	Comment   string           `json:"comment,omitempty"`
	// The package, once made: the SHA-256 of its MANIFEST (which the
	// custody log records) and of its ISO image, the image's size, and why
	// it could not be made (Failure, a catalogue key).
	PackagedAt     *time.Time `json:"packaged_at,omitempty"`
	ManifestSHA256 string     `json:"manifest_sha256,omitempty"`
	ISOSHA256      string     `json:"iso_sha256,omitempty"`
	ISOSize        int64      `json:"iso_size,omitempty"`
	Failure        string     `json:"failure,omitempty"`
	// Receipt is the recipient's acknowledgement (签收), recorded when
	// the disc is handed over.
	Receipt string `json:"receipt,omitempty"`
}

// RecordingIDs lists the recordings of the extraction, in item order.
func (x Extraction) RecordingIDs() []int64 {
	ids := make([]int64, len(x.Items))
	for i, it := range x.Items {
		ids[i] = it.RecordingID
	}
	return ids
}

// Validate checks a new extraction request.
func (x Extraction) Validate() error {
	switch {
	case !x.Purpose.Valid():
		return Errorf(EInvalid, "err.extract.purpose_unknown", string(x.Purpose))
	case x.Purpose != ExtractCaseFile && utf8.RuneCountInString(x.Recipient) < 2:
		return Errorf(EInvalid, "err.extract.recipient")
	case utf8.RuneCountInString(x.Proves) < MinProves || utf8.RuneCountInString(x.Proves) > MaxProves:
		return Errorf(EInvalid, "err.extract.proves_length", MinProves, MaxProves)
	case len(x.Items) == 0 || len(x.Items) > MaxExtractionItems:
		return Errorf(EInvalid, "err.extract.items_count", 1, MaxExtractionItems)
	}
	seen := map[int64]bool{}
	for _, it := range x.Items {
		if seen[it.RecordingID] {
			return Errorf(EInvalid, "err.extract.item_twice", it.RecordingID)
		}
		seen[it.RecordingID] = true
		if (it.Start == nil) != (it.End == nil) {
			return Errorf(EInvalid, "err.extract.span", it.RecordingID)
		}
		if it.HasSpan() && (*it.Start < 0 || *it.End <= *it.Start) {
			return Errorf(EInvalid, "err.extract.span", it.RecordingID)
		}
	}
	return nil
}

// Decide moves a pending extraction to approved or rejected. As for
// viewing, the decider is never the requester, and a refusal says why.
func (x *Extraction) Decide(approve bool, by User, comment string, now time.Time) error {
	if x.Status != ExtractionPending {
		return Errorf(EConflict, "err.extract.not_pending", x.ID, Msg("extract.status."+string(x.Status)))
	}
	if by.ID == x.RequesterID {
		return Errorf(EForbidden, "err.extract.own_request")
	}
	if !approve && utf8.RuneCountInString(comment) < 2 {
		return Errorf(EInvalid, "err.access.reject_comment")
	}
	x.Status = ExtractionRejected
	if approve {
		x.Status = ExtractionApproved
	}
	x.DecidedBy, x.DecidedAt, x.Comment = by.Name, &now, comment
	return nil
}

// The findings about extractions (issue 10). They are raised by an event or
// a sweep, not by the rules over an activity or a recording's own signs.
const (
	// RuleExtractionCorrupt: a recording's blob failed its hash when it
	// was to be packaged; it was not packaged (R-STORE-2, X-EVD-1).
	RuleExtractionCorrupt = "extraction_corrupt"
	// RuleExtractionUnproduced: an approved extraction whose package was
	// not made in time.
	RuleExtractionUnproduced = "extraction_unproduced"
	// RuleExtractionUnapproved: a package made for an extraction that the
	// custody log shows no leader approved (the tables were edited).
	RuleExtractionUnapproved = "extraction_unapproved"
)

// EventRules are the rules whose findings a re-check of a recording's signs
// or a re-evaluation of an activity leaves alone: raised by an event or a
// person (a spot check's reviewer), not by the rules over the data.
var EventRules = []string{RuleExtractionCorrupt, RuleExtractionUnproduced, RuleExtractionUnapproved, RuleSpotCheck}
