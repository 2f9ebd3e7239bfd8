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
		},
		"en": {
			"adm.display_name":    "Full name",
			"adm.display_name_ph": "e.g. 张伟 (the name read out in the notice)",
			"adm.officer_no":      "Officer no.",
			"adm.officer_no_ph":   "e.g. 000123",
			"adm.officer_hint":    "The officer number as camera file names and activities carry it; each number belongs to one account.",
		},
	})
}
