package web

// Messages of officer identity (R-ACT-3) on the accounts page and of the
// notice to the party (Art. 8, X-ACT-2) on the activity page.
func init() {
	addMessages(map[string]map[string]string{
		"zh": {
			"adm.display_name":    "姓名",
			"adm.display_name_ph": "如：张伟（告知用语中宣读的姓名）",
			"adm.officer_no":      "执法证号",
			"adm.officer_no_ph":   "如：000123",
			"adm.officer_hint":    "执法证号与执法记录仪文件名、执法活动中的执法人员编号一致；每个号码只能属于一个账号。",

			"notice.title":          "执法告知",
			"notice.given":          "已告知",
			"notice.not_given":      "未确认告知",
			"notice.read_out":       "到达现场开始执法时，执法人员应当事先告知当事人，宣读以下规范用语（第八条）：",
			"notice.officers":       "执法人员：",
			"notice.no_account":     "（无对应账号，以执法证号代替姓名）",
			"notice.preamble":       "开场陈述",
			"notice.preamble_hint":  "录音录像开始时口述以下事项，已陈述的请勾选；未陈述的事项可以不勾选，提交后在此显示。",
			"notice.item.time":      "时间",
			"notice.item.place":     "地点",
			"notice.item.officers":  "执法人员",
			"notice.item.party":     "当事人",
			"notice.item.step":      "执法环节",
			"notice.not_recorded":   "书面记录中未填写",
			"notice.confirmed_by":   "%s 于 %s 确认已告知当事人全程录音录像。",
			"notice.confirmed_feed": "告知情况随执法活动记录导入，未在本系统中确认。",
			"notice.confirm":        "已告知",
			"notice.update":         "更新开场陈述",
			"notice.officers_only":  "仅本次执法活动的执法人员可以确认告知。",
			"js.notice_saved":       "已记录告知情况",
		},
		"en": {
			"adm.display_name":    "Full name",
			"adm.display_name_ph": "e.g. 张伟 (the name read out in the notice)",
			"adm.officer_no":      "Officer no.",
			"adm.officer_no_ph":   "e.g. 000123",
			"adm.officer_hint":    "The officer number as camera file names and activities carry it; each number belongs to one account.",

			"notice.title":          "Notice to the party",
			"notice.given":          "Notice given",
			"notice.not_given":      "Notice not confirmed",
			"notice.read_out":       "On arrival, before the work starts, tell the party that recording is on by reading out the standard notice (Art. 8, in Chinese):",
			"notice.officers":       "Officers: ",
			"notice.no_account":     "(no account carries this number; the number stands for the name)",
			"notice.preamble":       "Spoken preamble",
			"notice.preamble_hint":  "State these items when recording starts and tick those stated; unticked items may be left and are shown here.",
			"notice.item.time":      "Time",
			"notice.item.place":     "Place",
			"notice.item.officers":  "Officers",
			"notice.item.party":     "Party",
			"notice.item.step":      "Step",
			"notice.not_recorded":   "not in the written record",
			"notice.confirmed_by":   "%s confirmed at %s that the party was told recording is on.",
			"notice.confirmed_feed": "The notice came with the activity record; it was not confirmed here.",
			"notice.confirm":        "Notice given",
			"notice.update":         "Update the preamble",
			"notice.officers_only":  "Only the activity's officers confirm the notice.",
			"js.notice_saved":       "Notice recorded",
		},
	})
}
