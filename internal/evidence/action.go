package evidence

import "slices"

// Action names a kind of custody-log entry (R-AUD-1): what was done. The
// text is a dotted verb stored in every entry; its name for people is the
// catalogue's "action.<text>" (TestActionsNamed).
type Action string

// The custody actions. Every state change of the archive writes one of
// these in the same transaction; reads of evidence and refusals do too.
const (
	ActionServerStart Action = "server.start"

	ActionRecordingIngest  Action = "recording.ingest"
	ActionRecordingRead    Action = "recording.read"
	ActionRecordingContent Action = "recording.content" // playback or download (R-SEC-2)
	ActionRecordingUpdate  Action = "recording.update"  // a correction of descriptive metadata

	ActionAccessDenied   Action = "access.denied" // a refused attempt (R-ACC-1)
	ActionAccessRequest  Action = "access.request"
	ActionAccessApprove  Action = "access.approve"
	ActionAccessReject   Action = "access.reject"
	ActionAccessWithdraw Action = "access.withdraw"
	ActionGrantRevoke    Action = "grant.revoke"

	ActionActivityCreate       Action = "activity.create"
	ActionActivityUpdate       Action = "activity.update"
	ActionActivityLink         Action = "activity.link"
	ActionActivityUnlink       Action = "activity.unlink"
	ActionActivityNotice       Action = "activity.notice"
	ActionActivityVoid         Action = "activity.void" // 作废: entered by mistake, with a reason
	ActionDeviceCheck          Action = "device.check"
	ActionInterruptionExplain  Action = "interruption.explain"
	ActionExemptionSubmit      Action = "exemption.submit"
	ActionExemptionAcknowledge Action = "exemption.acknowledge"
	ActionFindingAccept        Action = "finding.accept"
	ActionBookmarkAdd          Action = "bookmark.add"
	ActionBookmarkRemove       Action = "bookmark.remove"

	ActionDeviceRegister       Action = "device.register"        // X-DEV-1: into the registry
	ActionDeviceUpdate         Action = "device.update"          // kind, model, unit, status, with before and after
	ActionDeviceAssign         Action = "device.assign"          // 配发 to an officer, or back to store
	ActionDeviceAssignmentEdit Action = "device.assignment_edit" // a correction of who had it when, with a reason

	ActionCaseCreate Action = "case.create"
	ActionCaseUpdate Action = "case.update" // fields, with before and after
	ActionCaseStatus Action = "case.status" // one step forward
	ActionCaseAttach Action = "case.attach" // 附卷: a recording or activity into the case file
	ActionCaseDetach Action = "case.detach" // out of the file again, with a reason

	ActionCustodyExport    Action = "custody.export"
	ActionRegisterExport   Action = "register.export"
	ActionFindingsExport   Action = "findings.export"
	ActionComplianceExport Action = "compliance.export"

	ActionUserCreate         Action = "user.create"
	ActionUserUpdate         Action = "user.update"
	ActionUserRoleChange     Action = "user.role_change"
	ActionUserLogin          Action = "user.login"
	ActionUserLoginFailed    Action = "user.login_failed"
	ActionUserLockout        Action = "user.lockout"
	ActionUserLogout         Action = "user.logout"
	ActionUserPasswordChange Action = "user.password_change"
	ActionUserTOTPEnable     Action = "user.totp_enable"
	// ActionUserResetSeen: a person acknowledged the notice that someone
	// else reset their password or second factor (issue 9 point 2).
	ActionUserResetSeen    Action = "user.reset_seen"
	ActionTokenCreate      Action = "token.create"
	ActionDepartmentCreate Action = "department.create"
	ActionDepartmentRename Action = "department.rename"
)

// Actions lists every custody action, for the catalogue's check and the
// custody log's filter.
var Actions = []Action{
	ActionServerStart,
	ActionRecordingIngest, ActionRecordingRead, ActionRecordingContent, ActionRecordingUpdate,
	ActionAccessDenied, ActionAccessRequest, ActionAccessApprove, ActionAccessReject, ActionAccessWithdraw, ActionGrantRevoke,
	ActionActivityCreate, ActionActivityUpdate, ActionActivityLink, ActionActivityUnlink, ActionActivityNotice, ActionActivityVoid,
	ActionDeviceCheck, ActionInterruptionExplain, ActionExemptionSubmit, ActionExemptionAcknowledge, ActionFindingAccept,
	ActionBookmarkAdd, ActionBookmarkRemove,
	ActionCaseCreate, ActionCaseUpdate, ActionCaseStatus, ActionCaseAttach, ActionCaseDetach,
	ActionDeviceRegister, ActionDeviceUpdate, ActionDeviceAssign, ActionDeviceAssignmentEdit,
	ActionCustodyExport, ActionRegisterExport, ActionFindingsExport, ActionComplianceExport,
	ActionUserCreate, ActionUserUpdate, ActionUserRoleChange, ActionUserLogin, ActionUserLoginFailed, ActionUserLockout,
	ActionUserLogout, ActionUserPasswordChange, ActionUserTOTPEnable, ActionUserResetSeen, ActionTokenCreate, ActionDepartmentCreate,
	ActionDepartmentRename,
}

// Known reports whether a is one of Actions.
func (a Action) Known() bool { return slices.Contains(Actions, a) }

// ExportActions are the custody-log actions that hand data out of the
// archive, which the compliance dashboard counts as exports (R-RPT-1). Each is written
// before the first byte leaves, with the exporter as actor:
//   - custody.export: the custody log as CSV or PDF, a recording's custody
//     trail as PDF;
//   - register.export: the register of viewings as CSV;
//   - compliance.export: the compliance dashboard as CSV;
//   - findings.export: the list of findings as CSV.
//
// recording.content is not one, although it hands out a recording's bytes
// (playing and downloading are the same request): every content request is
// entered in the register and counted under views, and counting it here as
// well would count one handing-out twice. Access requests, grants, sign-ins
// and changes hand nothing out.
var ExportActions = []Action{
	ActionCustodyExport,
	ActionRegisterExport,
	ActionComplianceExport,
	ActionFindingsExport,
	// R-EXP-1: the evidence package written to disc joins here under its
	// action when it exists.
}
