// Package web is Shilu's HTTP interface: the JSON API, the upload endpoint,
// the workbench pages and the operational endpoints. The route table below
// is also the access table: each route names the permission it needs,
// checked on the server for every request (wrap) before the handler runs;
// what depends on the data — whose leader, whose recording, which grant —
// the use cases (internal/app) check on top.
package web

import (
	"net/http"

	"shilu/internal/evidence"
)

// route is one entry of the route table.
type route struct {
	method, pattern string
	// perm is what the caller's role must hold; "" means the route is open
	// to anyone (health, metrics, the API description, sign-in, the
	// sign-in page and static files).
	perm    evidence.Permission
	handler func(*Server, http.ResponseWriter, *http.Request) error
}

// Short names for the table.
const (
	open            = evidence.Permission("")
	signedIn        = evidence.PermAuthenticated
	recordingsList  = evidence.PermRecordingsList
	recordingsRead  = evidence.PermRecordingsRead
	contentRead     = evidence.PermContentRead
	recordingsEdit  = evidence.PermRecordingsEdit
	upload          = evidence.PermUpload
	bookmark        = evidence.PermBookmark
	activitiesRead  = evidence.PermActivitiesRead
	activitiesWrite = evidence.PermActivitiesRecord
	activitiesCheck = evidence.PermActivitiesReview
	auditRead       = evidence.PermAuditRead
	accessRequest   = evidence.PermAccessRequest
	accessApprove   = evidence.PermAccessApprove
	registerRead    = evidence.PermRegisterRead
	grantRevoke     = evidence.PermGrantRevoke
	usersManage     = evidence.PermUsersManage
	policyManage    = evidence.PermPolicyManage
)

// routes is the whole surface of the server.
var routes = []route{
	// Operations.
	{"GET", "/healthz", open, (*Server).health},
	{"GET", "/metrics", open, (*Server).metrics},
	{"GET", "/api/v1/openapi.yaml", open, (*Server).openAPI},

	// Sign-in and one's own account (X-SEC-1).
	{"POST", "/api/v1/login", open, (*Server).login},
	{"POST", "/api/v1/logout", signedIn, (*Server).logout},
	{"GET", "/api/v1/session", signedIn, (*Server).session},
	{"POST", "/api/v1/password", signedIn, (*Server).changePassword},
	{"POST", "/api/v1/totp/setup", signedIn, (*Server).totpSetup},
	{"POST", "/api/v1/totp/enable", signedIn, (*Server).totpEnable},

	// Accounts, departments and tokens are the system administrator's;
	// roles the security administrator's alone (三员分立, X-SEC-2).
	{"GET", "/api/v1/users", usersManage, (*Server).listUsers},
	{"POST", "/api/v1/users", usersManage, (*Server).createUser},
	{"PATCH", "/api/v1/users/{id}", usersManage, (*Server).updateUser},
	{"PUT", "/api/v1/users/{id}/role", policyManage, (*Server).setRole},
	{"POST", "/api/v1/users/{id}/tokens", usersManage, (*Server).createStationToken},
	{"GET", "/api/v1/departments", usersManage, (*Server).listDepartments},
	{"POST", "/api/v1/departments", usersManage, (*Server).createDepartment},

	// tus resumable uploads (R-STORE-3). OPTIONS is tus discovery.
	{"OPTIONS", "/api/v1/uploads/", open, (*Server).upload},
	{"POST", "/api/v1/uploads/", upload, (*Server).upload},
	{"HEAD", "/api/v1/uploads/{id}", upload, (*Server).upload},
	{"PATCH", "/api/v1/uploads/{id}", upload, (*Server).upload},
	{"DELETE", "/api/v1/uploads/{id}", upload, (*Server).upload},

	// Recordings (R-STORE-1/2). Content needs a live grant on top
	// (R-VIEW-1), and every range is registered and logged.
	{"GET", "/api/v1/recordings", recordingsList, (*Server).listRecordings},
	{"GET", "/api/v1/recordings/orphans", activitiesRead, (*Server).orphanRecordings},
	{"GET", "/api/v1/recordings/{id}", recordingsRead, (*Server).getRecording},
	{"PATCH", "/api/v1/recordings/{id}", recordingsEdit, (*Server).updateRecording},
	{"GET", "/api/v1/recordings/{id}/content", contentRead, (*Server).recordingContent},
	{"GET", "/api/v1/recordings/{id}/custody", recordingsRead, (*Server).recordingCustody},
	// Key moments (重点摄录, Art. 10; R-ACT-5): marking needs one's own
	// recording or a live grant on top (app.AddBookmark).
	{"GET", "/api/v1/recordings/{id}/bookmarks", recordingsRead, (*Server).listBookmarks},
	{"POST", "/api/v1/recordings/{id}/bookmarks", bookmark, (*Server).addBookmark},
	{"DELETE", "/api/v1/recordings/{id}/bookmarks/{bookmark}", bookmark, (*Server).removeBookmark},

	// The custody log (R-AUD-1): checkpoints and inclusion proofs let
	// anyone holding an entry verify it against a signed tree head.
	{"GET", "/api/v1/audit/checkpoint", signedIn, (*Server).auditCheckpoint},
	{"GET", "/api/v1/audit/entries/{index}", auditRead, (*Server).auditEntry},

	// Viewing with approval (Art. 16-17; R-VIEW-1, R-VIEW-2): a leader
	// decides only for the people they lead (app.Decide).
	{"POST", "/api/v1/access-requests", accessRequest, (*Server).createAccessRequest},
	{"GET", "/api/v1/access-requests", accessRequest, (*Server).listAccessRequests},
	{"GET", "/api/v1/access-requests/{id}", accessRequest, (*Server).getAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/approve", accessApprove, (*Server).approveAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/reject", accessApprove, (*Server).rejectAccessRequest},
	{"POST", "/api/v1/access-requests/{id}/withdraw", accessRequest, (*Server).withdrawAccessRequest},
	{"GET", "/api/v1/grants", accessRequest, (*Server).listGrants},
	{"POST", "/api/v1/grants/{id}/revoke", grantRevoke, (*Server).revokeGrant},
	{"GET", "/api/v1/register", registerRead, (*Server).register},

	// Activities and the compliance of recording (Art. 4-13).
	{"POST", "/api/v1/activities", activitiesWrite, (*Server).createActivity},
	{"GET", "/api/v1/activities", activitiesRead, (*Server).listActivities},
	{"GET", "/api/v1/activities/{id}", activitiesRead, (*Server).getActivity},
	{"PATCH", "/api/v1/activities/{id}", activitiesWrite, (*Server).updateActivity},
	{"GET", "/api/v1/activities/{id}/proposals", activitiesRead, (*Server).activityProposals},
	{"POST", "/api/v1/activities/{id}/recordings", activitiesWrite, (*Server).linkRecordings},
	{"DELETE", "/api/v1/activities/{id}/recordings/{recording}", activitiesWrite, (*Server).unlinkRecording},
	{"POST", "/api/v1/activities/{id}/device-checks", activitiesWrite, (*Server).addDeviceCheck},
	{"POST", "/api/v1/activities/{id}/interruptions", activitiesWrite, (*Server).explainInterruption},
	{"POST", "/api/v1/activities/{id}/exemptions", activitiesWrite, (*Server).submitExemption},
	// The notice to the party (Art. 8): confirmed by the activity's own
	// officers (app.ConfirmNotice).
	{"GET", "/api/v1/activities/{id}/notice", activitiesRead, (*Server).getNotice},
	{"POST", "/api/v1/activities/{id}/notice", activitiesWrite, (*Server).confirmNotice},
	{"POST", "/api/v1/exemptions/{id}/acknowledge", activitiesCheck, (*Server).acknowledgeExemption},
	{"GET", "/api/v1/findings", activitiesRead, (*Server).listFindings},
	{"POST", "/api/v1/findings/{id}/accept", activitiesCheck, (*Server).acceptFinding},
	{"GET", "/api/v1/compliance/summary", activitiesRead, (*Server).complianceSummaryAPI},

	// The workbench. Each page needs the permission of the API routes whose
	// data it shows; actions on a page call those routes from the browser,
	// so the same checks decide them.
	{"GET", "/{$}", open, (*Server).home},
	{"GET", "/static/{name}", open, (*Server).static},
	{"GET", "/login", open, (*Server).loginPage},
	{"GET", "/logout", open, (*Server).logoutPage},
	{"GET", "/recordings", recordingsList, (*Server).recordingsPage},
	{"GET", "/recordings/{id}", recordingsRead, (*Server).recordingPage},
	{"GET", "/recordings/{id}/custody.pdf", recordingsRead, (*Server).recordingCustodyPDF},
	{"GET", "/upload", upload, (*Server).uploadPage},
	{"GET", "/requests", accessRequest, (*Server).requestsPage},
	{"GET", "/approvals", accessApprove, (*Server).approvalsPage},
	{"GET", "/grants", accessRequest, (*Server).grantsPage},
	{"GET", "/grants/all", grantRevoke, (*Server).grantsAdminPage},
	{"GET", "/register", registerRead, (*Server).registerPage},
	{"GET", "/register.csv", registerRead, (*Server).registerCSV},
	{"GET", "/custody", auditRead, (*Server).custodyPage},
	{"GET", "/custody.csv", auditRead, (*Server).custodyCSV},
	{"GET", "/custody.pdf", auditRead, (*Server).custodyPDF},
	{"GET", "/activities", activitiesRead, (*Server).activitiesPage},
	{"GET", "/activities/{id}", activitiesRead, (*Server).activityPage},
	{"GET", "/findings", activitiesRead, (*Server).findingsPage},
	{"GET", "/findings.csv", activitiesRead, (*Server).findingsCSV},
	{"GET", "/dashboard", activitiesRead, (*Server).dashboardPage},
	{"GET", "/dashboard.csv", activitiesRead, (*Server).dashboardCSV},
	{"GET", "/admin/users", usersManage, (*Server).adminUsersPage},
	{"GET", "/admin/departments", usersManage, (*Server).adminDepartmentsPage},
	{"GET", "/admin/roles", policyManage, (*Server).adminRolesPage},
}
