package evidence

import "time"

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
)

// Roles lists every role.
var Roles = []Role{RoleOfficer, RoleCustodian, RoleLeader, RoleDeptHead, RoleLegal, RoleSysAdmin, RoleSecAdmin, RoleAuditor, RoleStation}

// Valid reports whether r is a known role.
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
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// Permission names what a route needs. The route table maps each route to
// one permission; Can decides it per role.
type Permission string

// The permissions. Each route of the server names one.
const (
	PermRecordingsList Permission = "recordings.list"
	PermRecordingsRead Permission = "recordings.read"    // metadata
	PermContentRead    Permission = "recordings.content" // bytes: playback, download (also needs a live grant)
	PermRecordingsEdit Permission = "recordings.edit"    // correct descriptive metadata
	PermUpload         Permission = "recordings.upload"
	PermAuditRead      Permission = "audit.read"
	// PermAccessRequest asks to view recordings (Art. 16-17).
	PermAccessRequest Permission = "access.request"
	// PermAccessApprove decides the requests of one's department (主管领导).
	PermAccessApprove Permission = "access.approve"
	// PermRegisterRead reads the register of viewings (查阅登记).
	PermRegisterRead Permission = "access.register"
	// PermGrantRevoke ends a live grant early.
	PermGrantRevoke Permission = "access.revoke"
	// PermUsersManage manages accounts, departments and station tokens
	// (system administrator).
	PermUsersManage Permission = "users.manage"
	// PermPolicyManage manages roles and security policies (security
	// administrator).
	PermPolicyManage  Permission = "policy.manage"
	PermAuthenticated Permission = "authenticated"
)

var rolePerms = map[Role][]Permission{
	RoleOfficer:   {PermRecordingsList, PermRecordingsRead, PermContentRead, PermUpload, PermAccessRequest},
	RoleCustodian: {PermRecordingsList, PermRecordingsRead, PermContentRead, PermUpload, PermRecordingsEdit, PermAuditRead, PermAccessRequest, PermRegisterRead, PermGrantRevoke},
	RoleLeader:    {PermRecordingsList, PermRecordingsRead, PermContentRead, PermAccessRequest, PermAccessApprove, PermRegisterRead, PermGrantRevoke},
	RoleDeptHead:  {PermRecordingsList, PermRecordingsRead, PermContentRead, PermAccessRequest},
	RoleLegal:     {PermRecordingsList, PermRecordingsRead, PermContentRead, PermAccessRequest},
	RoleSysAdmin:  {PermUsersManage},
	RoleSecAdmin:  {PermPolicyManage, PermGrantRevoke},
	RoleAuditor:   {PermAuditRead},
	RoleStation:   {PermRecordingsList, PermRecordingsRead, PermUpload},
}

// Can reports whether role r holds permission p. Every authenticated user
// holds PermAuthenticated. Grants (approval before viewing, R-VIEW-1) narrow
// PermContentRead further once the workbench issue lands.
func (r Role) Can(p Permission) bool {
	if p == PermAuthenticated {
		return r.Valid()
	}
	for _, x := range rolePerms[r] {
		if x == p {
			return true
		}
	}
	return false
}
