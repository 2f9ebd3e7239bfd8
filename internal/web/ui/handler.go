// Package ui is Shilu's web workbench: the pages, their templates, scripts
// and styles (all embedded), charts drawn on the server and the CSV and
// PDF downloads. Text comes from the message catalogue in the reader's
// language; times are shown in Asia/Shanghai. Who may open each page is
// the route table's (internal/web); actions on a page call the JSON API
// from the browser, so the same checks decide them.
package ui

import (
	"log/slog"

	"golang.org/x/mod/sumdb/note"

	"shilu/internal/app"
	"shilu/internal/evidence"
	"shilu/internal/store"
)

// Handler serves the workbench's pages.
type Handler struct {
	App      *app.App
	DB       *store.DB
	Verifier note.Verifier // the custody log's checkpoint key, shown with exports
	Origin   string
	Logger   *slog.Logger
	// ViewWithoutApproval lists the roles that may play without a grant
	// (the player is shown to them).
	ViewWithoutApproval []evidence.Role
}
