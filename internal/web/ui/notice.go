package ui

import (
	"shilu/internal/app"
)

// noticePanel is what templates/_notice.html renders: the notice and the
// page it is on, for the messages in the page's language and for whether
// the signed-in user may confirm it. The activity page builds it in the
// template with ($.NoticePanel .Notice).
type noticePanel struct {
	*page
	N          app.Notice
	CanConfirm bool
}

// NoticePanel puts notice v on page p.
func (p *page) NoticePanel(v app.Notice) noticePanel {
	return noticePanel{page: p, N: v, CanConfirm: app.MayConfirmNotice(p.User, v)}
}
