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
	handler func(http.ResponseWriter, *http.Request) error
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
	grantRegister   = evidence.PermGrantRegister
	usersManage     = evidence.PermUsersManage
	policyManage    = evidence.PermPolicyManage
	retentionManage = evidence.PermRetentionManage
	retentionStop   = evidence.PermRetentionStop
	disposalApprove = evidence.PermDisposalApprove
	disposalRead    = evidence.PermDisposalRead
	fixityRead      = evidence.PermFixityRead
	devicesManage   = evidence.PermDevicesManage
	stationReport   = evidence.PermStationReport
	accRead         = evidence.PermAccountabilityRead
	accAnswer       = evidence.PermAccountabilityAnswer
	accDecide       = evidence.PermAccountabilityDecide
	spotRead        = evidence.PermSpotCheckRead
	spotDraw        = evidence.PermSpotCheckDraw
	spotReview      = evidence.PermSpotCheckReview
)

// routes is the whole surface of the server: its own routes (sign-in,
// operations, uploads), the JSON API (web/api) and the workbench's pages
// (web/ui).
func (s *Server) routes() []route {
	return []route{
		// Operations.
		{"GET", "/healthz", open, s.health},
		{"GET", "/api/v1/openapi.yaml", open, s.api.OpenAPI},

		// Sign-in and one's own account (X-SEC-1).
		{"POST", "/api/v1/login", open, s.login},
		{"POST", "/api/v1/logout", signedIn, s.logout},
		{"GET", "/api/v1/session", signedIn, s.session},
		{"POST", "/api/v1/password", signedIn, s.changePassword},
		{"POST", "/api/v1/totp/setup", signedIn, s.totpSetup},
		{"POST", "/api/v1/totp/enable", signedIn, s.totpEnable},
		// Someone else's reset of one's password or second factor, told at
		// the next sign-in (issue 9 point 2).
		{"GET", "/api/v1/reset-notice", signedIn, s.api.ResetNotice},
		{"POST", "/api/v1/reset-notice/acknowledge", signedIn, s.api.AcknowledgeResetNotice},

		// Accounts (made without rights), departments and station tokens
		// are the system administrator's; an account's role and department
		// the security administrator's alone (等保 三员分立, X-SEC-2).
		{"GET", "/api/v1/users", usersManage, s.api.ListUsers},
		{"POST", "/api/v1/users", usersManage, s.api.CreateUser},
		{"PATCH", "/api/v1/users/{id}", usersManage, s.api.UpdateUser},
		{"PUT", "/api/v1/users/{id}/role", policyManage, s.api.SetRole},
		{"POST", "/api/v1/users/{id}/tokens", usersManage, s.api.CreateStationToken},
		{"GET", "/api/v1/departments", usersManage, s.api.ListDepartments},
		{"POST", "/api/v1/departments", usersManage, s.api.CreateDepartment},
		{"PATCH", "/api/v1/departments/{id}", usersManage, s.api.RenameDepartment},

		// tus resumable uploads (R-STORE-3). OPTIONS is tus discovery.
		{"OPTIONS", "/api/v1/uploads/", open, s.upload},
		{"POST", "/api/v1/uploads/", upload, s.upload},
		{"HEAD", "/api/v1/uploads/{id}", upload, s.upload},
		{"PATCH", "/api/v1/uploads/{id}", upload, s.upload},
		{"DELETE", "/api/v1/uploads/{id}", upload, s.upload},

		// Recordings (R-STORE-1/2). Content needs a live grant on top
		// (R-VIEW-1) at every range; each playback is registered and logged.
		{"GET", "/api/v1/recordings", recordingsList, s.api.ListRecordings},
		{"GET", "/api/v1/recordings/orphans", activitiesRead, s.api.OrphanRecordings},
		{"GET", "/api/v1/recordings/{id}", recordingsRead, s.api.GetRecording},
		{"PATCH", "/api/v1/recordings/{id}", recordingsEdit, s.api.UpdateRecording},
		{"DELETE", "/api/v1/recordings/{id}", recordingsRead, s.api.DeleteRecording},
		{"GET", "/api/v1/recordings/{id}/content", contentRead, s.api.RecordingContent},
		// A watermarked copy (下载副本, R-SEC-2): a grant that allows download
		// on top (app.StartCopy); never the original.
		{"GET", "/api/v1/recordings/{id}/copy", contentRead, s.api.RecordingCopy},
		{"GET", "/api/v1/recordings/{id}/custody", recordingsRead, s.api.RecordingCustody},
		// Key moments (重点摄录, Art. 10; R-ACT-5): marking needs one's own
		// recording or a live grant on top (app.AddBookmark).
		{"GET", "/api/v1/recordings/{id}/bookmarks", recordingsRead, s.api.ListBookmarks},
		{"POST", "/api/v1/recordings/{id}/bookmarks", bookmark, s.api.AddBookmark},
		{"DELETE", "/api/v1/recordings/{id}/bookmarks/{bookmark}", bookmark, s.api.RemoveBookmark},

		// The custody log (R-AUD-1): checkpoints and inclusion proofs let
		// anyone holding an entry verify it against a signed tree head.
		{"GET", "/api/v1/audit/checkpoint", signedIn, s.api.AuditCheckpoint},
		{"GET", "/api/v1/audit/entries/{index}", auditRead, s.api.AuditEntry},

		// Viewing with approval (Art. 16-17; R-VIEW-1, R-VIEW-2): a leader
		// decides only for the people they lead (app.Decide).
		{"POST", "/api/v1/access-requests", accessRequest, s.api.CreateAccessRequest},
		{"GET", "/api/v1/access-requests", accessRequest, s.api.ListAccessRequests},
		{"GET", "/api/v1/access-requests/{id}", accessRequest, s.api.GetAccessRequest},
		{"POST", "/api/v1/access-requests/{id}/approve", accessApprove, s.api.ApproveAccessRequest},
		{"POST", "/api/v1/access-requests/{id}/reject", accessApprove, s.api.RejectAccessRequest},
		{"POST", "/api/v1/access-requests/{id}/withdraw", accessRequest, s.api.WithdrawAccessRequest},
		{"GET", "/api/v1/grants", accessRequest, s.api.ListGrants},
		{"POST", "/api/v1/grants/{id}/revoke", grantRevoke, s.api.RevokeGrant},
		// The custodian's registration before the first playback (Art. 16:
		// 经保管人登记后方可查阅), scoped to the recordings' departments
		// (app.RegisterGrant), or by the bureau's policy, which the security
		// administrator sets.
		{"GET", "/api/v1/grants/unregistered", grantRegister, s.api.UnregisteredGrants},
		{"POST", "/api/v1/grants/{id}/register", grantRegister, s.api.RegisterGrant},
		{"GET", "/api/v1/viewing-settings", policyManage, s.api.ViewingSettings},
		{"PUT", "/api/v1/viewing-settings", policyManage, s.api.SetViewingSettings},
		{"GET", "/api/v1/register", registerRead, s.api.Register},

		// Extraction of evidence as a package (Art. 15, 18; R-EXP-1,
		// R-VIEW-3): asked by an officer of the case, decided by the
		// requester's leader alone (app.DecideExtraction); the register and
		// the image to those who may see the extraction (app.MaySeeExtraction).
		{"POST", "/api/v1/extractions", accessRequest, s.api.CreateExtraction},
		{"GET", "/api/v1/extractions", accessRequest, s.api.ListExtractions},
		{"GET", "/api/v1/extractions/{id}", accessRequest, s.api.GetExtraction},
		{"POST", "/api/v1/extractions/{id}/approve", accessApprove, s.api.ApproveExtraction},
		{"POST", "/api/v1/extractions/{id}/reject", accessApprove, s.api.RejectExtraction},
		{"POST", "/api/v1/extractions/{id}/receipt", accessRequest, s.api.ExtractionReceipt},
		{"GET", "/api/v1/extractions/{id}/package.iso", accessRequest, s.api.ExtractionImage},

		// Activities and the compliance of recording (Art. 4-13).
		{"POST", "/api/v1/activities", activitiesWrite, s.api.CreateActivity},
		{"GET", "/api/v1/activities", activitiesRead, s.api.ListActivities},
		{"GET", "/api/v1/activities/{id}", activitiesRead, s.api.GetActivity},
		{"PATCH", "/api/v1/activities/{id}", activitiesWrite, s.api.UpdateActivity},
		{"GET", "/api/v1/activities/{id}/proposals", activitiesRead, s.api.ActivityProposals},
		{"POST", "/api/v1/activities/{id}/recordings", activitiesWrite, s.api.LinkRecordings},
		{"DELETE", "/api/v1/activities/{id}/recordings/{recording}", activitiesWrite, s.api.UnlinkRecording},
		{"POST", "/api/v1/activities/{id}/device-checks", activitiesWrite, s.api.AddDeviceCheck},
		{"POST", "/api/v1/activities/{id}/interruptions", activitiesWrite, s.api.ExplainInterruption},
		{"POST", "/api/v1/activities/{id}/exemptions", activitiesWrite, s.api.SubmitExemption},
		// 作废: the activity's own officers or their leader (app.VoidActivity).
		{"POST", "/api/v1/activities/{id}/void", activitiesWrite, s.api.VoidActivity},
		// The notice to the party (Art. 8): confirmed by the activity's own
		// officers (app.ConfirmNotice).
		{"GET", "/api/v1/activities/{id}/notice", activitiesRead, s.api.GetNotice},
		{"POST", "/api/v1/activities/{id}/notice", activitiesWrite, s.api.ConfirmNotice},
		{"POST", "/api/v1/exemptions/{id}/acknowledge", activitiesCheck, s.api.AcknowledgeExemption},
		// The device registry (X-DEV-1): everyone who records the work
		// reads it (a device check names a registered device, Art. 5); the
		// custodian keeps it.
		{"GET", "/api/v1/devices", activitiesRead, s.api.ListDevices},
		{"POST", "/api/v1/devices", devicesManage, s.api.RegisterDevice},
		{"GET", "/api/v1/devices/{id}", activitiesRead, s.api.GetDevice},
		{"PATCH", "/api/v1/devices/{id}", devicesManage, s.api.UpdateDevice},
		{"POST", "/api/v1/devices/{id}/assignments", devicesManage, s.api.AssignDevice},
		{"PATCH", "/api/v1/device-assignments/{id}", devicesManage, s.api.EditAssignment},

		// Collection stations report to the server (Art. 12); the system
		// administrator, who issues their tokens, watches them.
		{"POST", "/api/v1/stations/heartbeat", stationReport, s.api.StationHeartbeat},
		{"GET", "/api/v1/stations", usersManage, s.api.ListStations},

		{"GET", "/api/v1/cases", activitiesRead, s.api.ListCases},
		{"POST", "/api/v1/cases", activitiesWrite, s.api.CreateCase},
		{"GET", "/api/v1/cases/{id}", activitiesRead, s.api.GetCase},
		{"PATCH", "/api/v1/cases/{id}", activitiesWrite, s.api.UpdateCase},
		{"POST", "/api/v1/cases/{id}/status", activitiesWrite, s.api.AdvanceCase},
		{"POST", "/api/v1/cases/{id}/items", activitiesWrite, s.api.AttachToCase},
		{"POST", "/api/v1/cases/{id}/detach", activitiesWrite, s.api.DetachFromCase},
		// Retention, holds and disposal (Art. 14, 18; R-RET-1/2/3): the
		// custodian sets the classes and proposes, a leader for the people
		// they lead approves (never the proposer, app.ApproveDisposal);
		// both hold and cancel.
		{"GET", "/api/v1/retention/classes", disposalRead, s.api.RetentionClasses},
		{"POST", "/api/v1/retention/classes", retentionManage, s.api.PutRetentionClass},
		{"PUT", "/api/v1/retention/classes/{id}", retentionManage, s.api.PutRetentionClass},
		{"PUT", "/api/v1/retention/settings", retentionManage, s.api.SetRetentionSettings},
		{"GET", "/api/v1/retention/due", disposalRead, s.api.DueForDisposal},
		{"PUT", "/api/v1/recordings/{id}/class", retentionManage, s.api.ClassifyRecording},
		{"GET", "/api/v1/recordings/{id}/holds", recordingsRead, s.api.RecordingHolds},
		{"POST", "/api/v1/recordings/{id}/holds", retentionStop, s.api.PlaceHold},
		{"GET", "/api/v1/holds", disposalRead, s.api.ListHolds},
		{"POST", "/api/v1/holds/{id}/lift", retentionStop, s.api.LiftHold},
		{"GET", "/api/v1/disposals", disposalRead, s.api.ListDisposals},
		{"POST", "/api/v1/disposals", retentionManage, s.api.ProposeDisposal},
		{"GET", "/api/v1/disposals/{id}", disposalRead, s.api.GetDisposal},
		{"POST", "/api/v1/disposals/{id}/approve", disposalApprove, s.api.ApproveDisposal},
		{"POST", "/api/v1/disposals/{id}/cancel", retentionStop, s.api.CancelDisposal},

		{"GET", "/api/v1/findings", activitiesRead, s.api.ListFindings},
		{"POST", "/api/v1/findings/{id}/accept", activitiesCheck, s.api.AcceptFinding},
		{"GET", "/api/v1/compliance/summary", activitiesRead, s.ui.ComplianceSummaryAPI},

		// Accountability (Art. 20-21; R-ACC-1, R-ACC-2): a leader opens a
		// case from a finding and decides it for the people they lead, the
		// officer writes their own statement (app.OpenAccountability …);
		// officers read their own, leaders their people's, the legal office
		// and the auditor all (app.SeeAccountability).
		{"GET", "/api/v1/accountability", accRead, s.api.ListAccountability},
		{"POST", "/api/v1/accountability", accDecide, s.api.OpenAccountability},
		{"GET", "/api/v1/accountability/{id}", accRead, s.api.GetAccountability},
		{"POST", "/api/v1/accountability/{id}/statement", accAnswer, s.api.AccountabilityStatement},
		{"POST", "/api/v1/accountability/{id}/decision", accDecide, s.api.AccountabilityDecision},
		{"POST", "/api/v1/accountability/{id}/close", accDecide, s.api.CloseAccountability},
		// The year's figures per officer and department (R-RPT-1, X-RPT-1),
		// over the officers whose cases the reader may read.
		{"GET", "/api/v1/figures", accRead, s.ui.FiguresAPI},
		// Monthly spot checks (X-RPT-2): drawn by the legal office or the
		// security administrator, each item reviewed by its assigned
		// reviewer alone (app.ReviewSpotItem).
		{"GET", "/api/v1/spot-checks", spotRead, s.api.ListSpotChecks},
		{"POST", "/api/v1/spot-checks", spotDraw, s.api.DrawSpotCheck},
		{"GET", "/api/v1/spot-checks/{id}", spotRead, s.api.GetSpotCheck},
		{"POST", "/api/v1/spot-check-items/{id}/review", spotReview, s.api.ReviewSpotItem},

		// The workbench. Each page needs the permission of the API routes whose
		// data it shows; actions on a page call those routes from the browser,
		// so the same checks decide them.
		{"GET", "/{$}", open, s.home},
		{"GET", "/static/{name}", open, s.ui.Static},
		{"GET", "/login", open, s.ui.LoginPage},
		{"GET", "/logout", open, s.logoutPage},
		{"GET", "/recordings", recordingsList, s.ui.RecordingsPage},
		{"GET", "/recordings/{id}", recordingsRead, s.ui.RecordingPage},
		{"GET", "/recordings/{id}/custody.pdf", recordingsRead, s.ui.RecordingCustodyPDF},
		{"GET", "/upload", upload, s.ui.UploadPage},
		{"GET", "/requests", accessRequest, s.ui.RequestsPage},
		{"GET", "/approvals", accessApprove, s.ui.ApprovalsPage},
		{"GET", "/grants", accessRequest, s.ui.GrantsPage},
		{"GET", "/grants/all", grantRevoke, s.ui.GrantsAdminPage},
		{"GET", "/grants/register", grantRegister, s.ui.GrantRegisterPage},
		{"GET", "/register", registerRead, s.ui.RegisterPage},
		{"GET", "/register.csv", registerRead, s.ui.RegisterCSV},
		{"GET", "/extractions", accessRequest, s.ui.ExtractionsPage},
		{"GET", "/disposals", disposalRead, s.ui.DisposalsPage},
		{"GET", "/disposals.csv", disposalRead, s.ui.DisposalsCSV},
		{"GET", "/custody", auditRead, s.ui.CustodyPage},
		{"GET", "/custody.csv", auditRead, s.ui.CustodyCSV},
		{"GET", "/custody.pdf", auditRead, s.ui.CustodyPDF},
		{"GET", "/activities", activitiesRead, s.ui.ActivitiesPage},
		{"GET", "/activities/{id}", activitiesRead, s.ui.ActivityPage},
		{"GET", "/findings", activitiesRead, s.ui.FindingsPage},
		{"GET", "/devices", activitiesRead, s.ui.DevicesPage},
		{"GET", "/devices/{id}", activitiesRead, s.ui.DevicePage},
		{"GET", "/admin/stations", usersManage, s.ui.StationsPage},
		{"GET", "/cases", activitiesRead, s.ui.CasesPage},
		{"GET", "/cases/{id}", activitiesRead, s.ui.CasePage},
		{"GET", "/findings.csv", activitiesRead, s.ui.FindingsCSV},
		{"GET", "/dashboard", activitiesRead, s.ui.DashboardPage},
		{"GET", "/dashboard.csv", activitiesRead, s.ui.DashboardCSV},
		{"GET", "/admin/users", usersManage, s.ui.AdminUsersPage},
		{"GET", "/admin/departments", usersManage, s.ui.AdminDepartmentsPage},
		{"GET", "/admin/roles", policyManage, s.ui.AdminRolesPage},
		{"GET", "/fixity", fixityRead, s.ui.FixityPage},
		{"GET", "/accountability", accRead, s.ui.AccountabilityListPage},
		{"GET", "/accountability/{id}", accRead, s.ui.AccountabilityPage},
		{"GET", "/figures.csv", accRead, s.ui.FiguresCSV},
		{"GET", "/figures.xlsx", accRead, s.ui.FiguresXLSX},
		{"GET", "/spotchecks", spotRead, s.ui.SpotChecksPage},
		{"GET", "/spotchecks/{id}", spotRead, s.ui.SpotCheckPage},
		{"GET", "/spotchecks/{id}/report.csv", spotRead, s.ui.SpotCheckCSV},
	}
}
