package web

import (
	"net/http"

	"shilu/internal/app"
	"shilu/internal/store"
)

func (s *Server) getNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	var v app.Notice
	err = s.cfg.DB.View(ctx, func(tx *store.Tx) error {
		a, err := tx.Activity(ctx, id)
		if err != nil {
			return err
		}
		v, err = app.LoadNotice(ctx, tx, a)
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// confirmNotice records the notice to the party (app.ConfirmNotice).
func (s *Server) confirmNotice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var b struct {
		Stated []string `json:"stated"`
	}
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	v, err := s.app.ConfirmNotice(r.Context(), actor(r), id, b.Stated)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

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
