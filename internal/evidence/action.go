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
	// ActionGrantRegister: a custodian registered a grant before its first
	// playback, or the bureau's policy did when it was approved (Art. 16:
	// 经保管人登记后方可查阅).
	ActionGrantRegister Action = "grant.register"
	// ActionViewingSettings: the bureau's viewing policy changed (whether
	// grants are registered automatically).
	ActionViewingSettings Action = "viewing.settings"
	// ActionRecordingCopy: a watermarked copy (下载副本) made from the
	// original and handed to a grant holder (R-SEC-2); the original is not
	// touched.
	ActionRecordingCopy Action = "recording.copy"

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

	// Extraction (提取) of evidence for a case file, a court or another
	// authority (Art. 15, 18; issue 10): each is logged on the custody
	// trail of every recording it names.
	ActionExtractionRequest  Action = "extraction.request"
	ActionExtractionApprove  Action = "extraction.approve"
	ActionExtractionReject   Action = "extraction.reject"
	ActionExtractionPackage  Action = "extraction.package"  // the package made; its MANIFEST's digest
	ActionExtractionClip     Action = "extraction.clip"     // a span cut from an original, with its lineage
	ActionExtractionFail     Action = "extraction.fail"     // the package could not be made (a blob failed its hash)
	ActionExtractionDownload Action = "extraction.download" // the package's image handed out
	ActionExtractionReceipt  Action = "extraction.receipt"  // the recipient's acknowledgement (签收)
	ActionDiscBurn           Action = "disc.burn"           // written to disc and read back

	// Retention (issue 11; Art. 14, 18; R-RET-1/2/3). The entries about one
	// recording name it, so they are in its custody trail.
	ActionRetentionClass    Action = "retention.class"    // a class created or changed
	ActionRetentionSettings Action = "retention.settings" // default class, important class, grace period
	ActionRecordingClassify Action = "recording.classify" // a recording given a class, with a reason
	ActionHoldPlace         Action = "hold.place"         // 诉讼保全/复议/信访, with a reason
	ActionHoldLift          Action = "hold.lift"          // with a reason
	ActionDisposalPropose   Action = "disposal.propose"   // by the custodian
	ActionDisposalApprove   Action = "disposal.approve"   // by a leader, never the proposer; the grace period starts
	ActionDisposalCancel    Action = "disposal.cancel"    // before it is carried out, with a reason
	ActionRecordingDispose  Action = "recording.dispose"  // the tombstone: committed before the blob is removed
	ActionRecordingErase    Action = "recording.erase"    // the blob removed
	// A fixity check found an original missing or changed (outcome failed,
	// Art. 20(七)) or intact again (ok); a pass over all ends with
	// fixity.pass and its counts.
	ActionRecordingFixity Action = "recording.fixity"
	ActionFixityPass      Action = "fixity.pass"

	// Backup and restore (X-SEC-4, issue 11 point 5): made by the operator
	// at the server's console (shilu backup, shilu restore), with the
	// counts; a restored archive's log says where it came from.
	ActionBackupMade     Action = "backup.made"
	ActionBackupRestored Action = "backup.restored"

	// Accountability (Art. 20–21) and spot checks (X-RPT-2; issue 14).
	ActionAccountabilityOpen      Action = "accountability.open"      // a leader opens a case from a finding
	ActionAccountabilityStatement Action = "accountability.statement" // the officer's own statement
	ActionAccountabilityDecide    Action = "accountability.decide"    // the decision of Art. 21, its date, the leader
	ActionAccountabilityClose     Action = "accountability.close"
	ActionSpotCheckDraw           Action = "spotcheck.draw"   // a month's sample, with its seed
	ActionSpotCheckReview         Action = "spotcheck.review" // one item's form; each "no" a finding

	ActionCustodyExport    Action = "custody.export"
	ActionRegisterExport   Action = "register.export"
	ActionFindingsExport   Action = "findings.export"
	ActionComplianceExport Action = "compliance.export"
	ActionDisposalsExport  Action = "disposals.export"
	ActionFiguresExport    Action = "figures.export"   // the annual figures for 法治政府建设考评 (X-RPT-1)
	ActionSpotCheckExport  Action = "spotcheck.export" // a month's spot-check report

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
	ActionGrantRegister, ActionViewingSettings, ActionRecordingCopy,
	ActionActivityCreate, ActionActivityUpdate, ActionActivityLink, ActionActivityUnlink, ActionActivityNotice, ActionActivityVoid,
	ActionDeviceCheck, ActionInterruptionExplain, ActionExemptionSubmit, ActionExemptionAcknowledge, ActionFindingAccept,
	ActionBookmarkAdd, ActionBookmarkRemove,
	ActionCaseCreate, ActionCaseUpdate, ActionCaseStatus, ActionCaseAttach, ActionCaseDetach,
	ActionExtractionRequest, ActionExtractionApprove, ActionExtractionReject, ActionExtractionPackage, ActionExtractionClip,
	ActionExtractionFail, ActionExtractionDownload, ActionExtractionReceipt, ActionDiscBurn,
	ActionRetentionClass, ActionRetentionSettings, ActionRecordingClassify, ActionHoldPlace, ActionHoldLift,
	ActionDisposalPropose, ActionDisposalApprove, ActionDisposalCancel, ActionRecordingDispose, ActionRecordingErase,
	ActionRecordingFixity, ActionFixityPass, ActionBackupMade, ActionBackupRestored,
	ActionAccountabilityOpen, ActionAccountabilityStatement, ActionAccountabilityDecide, ActionAccountabilityClose,
	ActionSpotCheckDraw, ActionSpotCheckReview,
	ActionCustodyExport, ActionRegisterExport, ActionFindingsExport, ActionComplianceExport, ActionDisposalsExport, ActionFiguresExport,
	ActionSpotCheckExport,
	ActionDeviceRegister, ActionDeviceUpdate, ActionDeviceAssign, ActionDeviceAssignmentEdit,
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
//   - findings.export: the list of findings as CSV;
//   - disposals.export: the disposals and tombstones as CSV;
//   - figures.export: the annual figures for 法治政府建设考评 as CSV or XLSX;
//   - spotcheck.export: a month's spot-check report as CSV.
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
	ActionDisposalsExport,
	ActionFiguresExport,
	ActionSpotCheckExport,
	// R-EXP-1: the evidence package handed out (its image downloaded or
	// burned to disc).
	ActionExtractionDownload,
	ActionDiscBurn,
	// R-SEC-2: a watermarked copy of a recording downloaded; it has its
	// row in the register (下载) but is not counted under views.
	ActionRecordingCopy,
}
