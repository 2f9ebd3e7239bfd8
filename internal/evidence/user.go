package evidence

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is a user's role. Identifiers are those of the CLI and the API.
type Role string

// The roles. The three administrators are separated (三员分立, X-SEC-2):
// the system administrator cannot view recordings, the security
// administrator manages roles and grants, the auditor reads the log only.
const (
	RoleOfficer   Role = "officer"
	RoleCustodian Role = "custodian"
	RoleLeader    Role = "leader"
	RoleDeptHead  Role = "dept_head"
	RoleLegal     Role = "legal"
	RoleSysAdmin  Role = "sysadmin"
	RoleSecAdmin  Role = "secadmin"
	RoleAuditor   Role = "auditor"
	// RoleStation is a collection station's account (采集站): it uploads
	// and reads back what it uploaded, nothing else.
	RoleStation Role = "station"
	// RoleNone is the state of a person's account that the security
	// administrator has not yet given a role (待分配角色): it holds no
	// permission but signing in and its own password and second factor.
	// The system administrator makes accounts in this state, so that making
	// an account gives no rights (等保 三员分立, X-SEC-2). It is not one of
	// Roles: nobody assigns it.
	RoleNone Role = "none"
)

// Roles lists every role.
var Roles = []Role{RoleOfficer, RoleCustodian, RoleLeader, RoleDeptHead, RoleLegal, RoleSysAdmin, RoleSecAdmin, RoleAuditor, RoleStation}

// Valid reports whether r is a known role, one that can be assigned.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// User is a person or a station account.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// DisplayName is the person's name as the notice of Art. 8 reads it
	// out (张伟); the sign-in name is often a romanization.
	DisplayName string `json:"display_name"`
	// OfficerNo is the officer number (执法证号) by which activities and
	// recordings name the officer; "" for accounts that are not officers.
	// Unique when set.
	OfficerNo string    `json:"officer_no"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// Limits of the identity fields. A display name is counted in characters:
// Chinese names are short, but a name in Latin script may be long.
const (
	MaxDisplayName = 64
	MaxOfficerNo   = 32
)

// ValidateDisplayName checks a display name: plain text on one line, no
// surrounding spaces, at most MaxDisplayName characters. It ends up in the
// notice, reports and the custody log. "" is allowed: the account name
// stands in.
func ValidateDisplayName(s string) error {
	field := Msg("field.display_name")
	switch {
	case !utf8.ValidString(s):
		return Errorf(EInvalid, "err.text_not_utf8", field)
	case utf8.RuneCountInString(s) > MaxDisplayName:
		return Errorf(EInvalid, "err.text_too_long", field, MaxDisplayName)
	case strings.TrimSpace(s) != s:
		return Errorf(EInvalid, "err.text_spaces", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return Errorf(EInvalid, "err.text_one_line", field)
		}
	}
	return nil
}

// ValidateOfficerNo checks an officer number: letters, digits and '-', at
// most MaxOfficerNo. Numbers come from device file names and other systems
// (e.g. 000123, FN-0042), so nothing stricter is assumed. "" means none.
func ValidateOfficerNo(s string) error {
	if utf8.RuneCountInString(s) > MaxOfficerNo {
		return Errorf(EInvalid, "err.text_too_long", Msg("field.officer_no"), MaxOfficerNo)
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return Errorf(EInvalid, "err.officer_no_chars")
		}
	}
	return nil
}

// Label is how people are named to other people: the display name, or the
// account name when there is none.
func (u User) Label() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Name
}

// Permission names what a route needs. The route table maps each route to
// one permission; Can decides it per role.
type Permission string

// The permissions, each named for what it allows. Each route of the
// server names one (the route table in internal/web is also the access
// table); what depends on the data (whose leader, whose recording, which
// grant) the use cases check on top.
const (
	PermRecordingsList Permission = "recordings.list"
	PermRecordingsRead Permission = "recordings.read"    // metadata
	PermContentRead    Permission = "recordings.content" // bytes: playback, download (also needs a live grant)
	PermRecordingsEdit Permission = "recordings.edit"    // correct descriptive metadata
	PermUpload         Permission = "recordings.upload"
	// PermBookmark marks key moments inside a recording (Art. 10; one's own
	// or one granted).
	PermBookmark Permission = "recordings.bookmark"
	// PermActivitiesRead reads activities, their coverage, proposals and
	// findings, and the compliance dashboard (Art. 4-13, R-RPT-1).
	PermActivitiesRead Permission = "activities.read"
	// PermActivitiesRecord records the work: creates and corrects
	// activities, links recordings, files device checks, explains
	// interruptions, submits exemptions, confirms the notice.
	PermActivitiesRecord Permission = "activities.record"
	// PermActivitiesReview is the leader's review of the work of the people
	// they lead: acknowledging exemptions (Art. 7), accepting findings.
	PermActivitiesReview Permission = "activities.review"
	PermAuditRead        Permission = "audit.read"
	// PermAccessRequest asks to view recordings (Art. 16-17).
	PermAccessRequest Permission = "access.request"
	// PermAccessApprove decides the requests of the people one leads
	// (主管领导).
	PermAccessApprove Permission = "access.approve"
	// PermRegisterRead reads the register of viewings (查阅登记).
	PermRegisterRead Permission = "access.register"
	// PermGrantRevoke ends a live grant early.
	PermGrantRevoke Permission = "access.revoke"
	// PermGrantRegister registers a grant before its first playback (the
	// custodian, for the recordings of their department; Art. 16).
	PermGrantRegister Permission = "access.register_grant"
	// PermUsersManage manages accounts, departments and station tokens
	// (system administrator).
	PermUsersManage Permission = "users.manage"
	// PermPolicyManage manages roles and security policies (security
	// administrator).
	PermPolicyManage Permission = "policy.manage"
	// PermRetentionManage configures the bureau's retention classes and
	// settings, gives recordings a class and proposes disposals (the
	// custodian, who keeps the archive; issue 11).
	PermRetentionManage Permission = "retention.manage"
	// PermRetentionStop places and lifts holds and cancels a disposal
	// before it is carried out: what keeps evidence (the custodian, and
	// leaders for the people they lead).
	PermRetentionStop Permission = "retention.stop"
	// PermDisposalApprove approves a disposal the custodian proposed
	// (a leader, never the proposer; Art. 18).
	PermDisposalApprove Permission = "disposal.approve"
	// PermDisposalRead reads the disposals and their tombstones, the holds
	// and what is due.
	PermDisposalRead Permission = "disposal.read"
	// PermFixityRead reads the fixity scrub's progress and what it found
	// (the system administrator, who keeps the storage; the custodian; the
	// auditor).
	PermFixityRead Permission = "fixity.read"
	// PermDevicesManage keeps the device registry (X-DEV-1): registers
	// recorders, assigns them to officers and corrects the history, sets
	// their status (the custodian, who keeps the equipment).
	PermDevicesManage Permission = "devices.manage"
	// PermStationReport is a collection station's heartbeat (Art. 12).
	PermStationReport Permission = "stations.report"
	// PermAccountabilityRead reads accountability cases (Art. 20–21): one's
	// own, a leader those of the people they lead, the legal office and the
	// auditor all (app.SeeAccountability).
	PermAccountabilityRead Permission = "accountability.read"
	// PermAccountabilityAnswer writes one's own statement in a case about
	// oneself (app.AnswerAccountability checks that it is one's own).
	PermAccountabilityAnswer Permission = "accountability.answer"
	// PermAccountabilityDecide opens accountability cases from findings and
	// records the decisions of Art. 21, for the people one leads.
	PermAccountabilityDecide Permission = "accountability.decide"
	// PermSpotCheckRead reads the monthly spot checks and their reports
	// (X-RPT-2).
	PermSpotCheckRead Permission = "spotchecks.read"
	// PermSpotCheckDraw draws a month's sample and assigns its reviewers
	// (the legal office, or whoever holds the bureau's policy).
	PermSpotCheckDraw Permission = "spotchecks.draw"
	// PermSpotCheckReview reviews the items one is assigned with the form
	// (the legal office, a department head).
	PermSpotCheckReview Permission = "spotchecks.review"
	PermAuthenticated   Permission = "authenticated"
)

// readers are the permissions of everyone who handles evidence at work:
// they see recordings and activities, mark moments and ask to view.
var readers = []Permission{PermRecordingsList, PermRecordingsRead, PermContentRead, PermBookmark, PermActivitiesRead, PermAccessRequest}

// people are the readers who also record the work on site.
var people = append(readers[:len(readers):len(readers)], PermActivitiesRecord, PermAccountabilityRead, PermAccountabilityAnswer)

var rolePerms = map[Role][]Permission{
	RoleOfficer: append(people[:len(people):len(people)], PermUpload),
	RoleCustodian: append(people[:len(people):len(people)], PermUpload, PermRecordingsEdit, PermAuditRead, PermRegisterRead, PermGrantRevoke, PermGrantRegister,
		PermRetentionManage, PermRetentionStop, PermDisposalRead, PermFixityRead, PermDevicesManage),
	RoleLeader: append(people[:len(people):len(people)], PermAccessApprove, PermActivitiesReview, PermRegisterRead, PermGrantRevoke,
		PermRetentionStop, PermDisposalApprove, PermDisposalRead, PermAccountabilityDecide, PermSpotCheckRead),
	RoleDeptHead: append(people[:len(people):len(people)], PermSpotCheckRead, PermSpotCheckReview),
	// 法制/监督 reviews the work, it does not record it.
	RoleLegal: append(readers[:len(readers):len(readers)], PermDisposalRead, PermAccountabilityRead, PermSpotCheckRead,
		PermSpotCheckDraw, PermSpotCheckReview),
	RoleSysAdmin: {PermUsersManage, PermFixityRead},
	RoleSecAdmin: {PermPolicyManage, PermGrantRevoke, PermSpotCheckRead, PermSpotCheckDraw},
	RoleAuditor:  {PermAuditRead, PermDisposalRead, PermFixityRead, PermAccountabilityRead, PermSpotCheckRead},
	RoleStation:  {PermRecordingsList, PermRecordingsRead, PermUpload, PermStationReport},
}

// Can reports whether role r holds permission p. Every authenticated user
// holds PermAuthenticated, an account awaiting its role (RoleNone) that
// alone. A live grant (approval before viewing, R-VIEW-1) is needed on top
// of PermContentRead.
func (r Role) Can(p Permission) bool {
	if p == PermAuthenticated {
		return r.Valid() || r == RoleNone
	}
	for _, x := range rolePerms[r] {
		if x == p {
			return true
		}
	}
	return false
}

// IsAdministrator reports whether r is one of the three administrators
// (三员: system, security, audit; X-SEC-2).
func IsAdministrator(r Role) bool {
	return r == RoleSysAdmin || r == RoleSecAdmin || r == RoleAuditor
}
