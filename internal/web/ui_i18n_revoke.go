package web

// Messages of withdrawing an access request (我的申请) and of the grants
// overview where grants are revoked (授权管理), Art. 16-17; R-VIEW-1.
func init() {
	addMessages(map[string]map[string]string{
		"zh": {
			"rv.menu":                "授权管理",
			"rv.grantee_ph":          "用户名",
			"rv.recording":           "记录编号",
			"rv.recording_ph":        "如 12",
			"rv.state_active":        "有效（含未开始）",
			"rv.state_ended":         "已结束",
			"rv.approver":            "批准人",
			"rv.status_live":         "生效中",
			"rv.status_upcoming":     "未开始",
			"rv.rule":                "收回后，被授权人正在进行的播放在下一次读取时即停止",
			"rv.empty":               "没有符合条件的授权",
			"rv.revoke":              "收回授权",
			"rv.reason":              "收回理由（必填）",
			"rv.reason_ph":           "如：案件已移送，无需继续查阅",
			"rv.effect":              "收回立即生效，不可恢复；收回人和理由记入所涉各记录的保管链。",
			"rv.withdraw":            "撤回",
			"rv.withdraw_title":      "撤回查阅申请",
			"rv.withdraw_text":       "撤回后领导不再审批该申请；如仍需查阅，须重新申请。撤回记入所涉各记录的保管链。",
			"action.access.withdraw": "撤回申请",

			"js.rv_withdrawn":        "已撤回",
			"js.rv_withdraw_done":    "申请已撤回",
			"js.rv_withdraw_summary": "确定撤回申请 #%s（%s）？",
			"js.rv_revoke_summary":   "收回授权 #%s（被授权人 %s）",
			"js.rv_need_reason":      "请填写收回理由（至少 2 个字）",
			"js.rv_revoked":          "授权已收回",
		},
		"en": {
			"rv.menu":                "Grant management",
			"rv.grantee_ph":          "User name",
			"rv.recording":           "Recording no.",
			"rv.recording_ph":        "e.g. 12",
			"rv.state_active":        "In force (incl. not yet started)",
			"rv.state_ended":         "Ended",
			"rv.approver":            "Approved by",
			"rv.status_live":         "Live",
			"rv.status_upcoming":     "Not yet started",
			"rv.rule":                "Once revoked, the grantee's open playback stops at its next read",
			"rv.empty":               "No grants match",
			"rv.revoke":              "Revoke grant",
			"rv.reason":              "Reason (required)",
			"rv.reason_ph":           "e.g. the case was handed over; no further viewing needed",
			"rv.effect":              "Takes effect at once and cannot be undone; who revoked and why go on the custody trail of every recording concerned.",
			"rv.withdraw":            "Withdraw",
			"rv.withdraw_title":      "Withdraw access request",
			"rv.withdraw_text":       "A withdrawn request is no longer decided; to view, file a new one. The withdrawal goes on the custody trail of every recording concerned.",
			"action.access.withdraw": "Request withdrawn",

			"js.rv_withdrawn":        "Withdrawn",
			"js.rv_withdraw_done":    "Request withdrawn",
			"js.rv_withdraw_summary": "Withdraw request #%s (%s)?",
			"js.rv_revoke_summary":   "Revoke grant #%s (grantee %s)",
			"js.rv_need_reason":      "Give a reason (at least 2 characters)",
			"js.rv_revoked":          "Grant revoked",
		},
	})
}
