// Package web is Shilu's HTTP interface: the JSON API, the upload endpoint
// and the operational endpoints. The route table below is also the access
// table: each route names the permission it needs, checked on the server
// for every request.
package web

import (
	"net/http"
	"slices"

	"shilu/internal/evidence"
)

// route is one entry of the route table.
type route struct {
	method, pattern string
	// perm is what the caller's role must hold; "" means the route is open
	// to anyone (health, metrics, the API description, sign-in).
	perm    evidence.Permission
	handler func(*Server, http.ResponseWriter, *http.Request) error
}

// routes is the whole surface of the server: the core below, the people
// and sign-in routes (people.go), the access-request routes (access.go) and
// the activities and findings of recording compliance (activities.go) and
// the workbench pages (ui.go).
var routes = slices.Concat(coreRoutes, peopleRoutes, accessRoutes, activityRoutes, noticeRoutes, dashboardRoutes, bookmarkRoutes, uiRoutes, activityUIRoutes)

var coreRoutes = []route{
	{"GET", "/healthz", "", (*Server).health},
	{"GET", "/metrics", "", (*Server).metrics},
	{"GET", "/api/v1/openapi.yaml", "", (*Server).openAPI},

	// tus resumable uploads (R-STORE-3). OPTIONS is tus discovery.
	{"OPTIONS", "/api/v1/uploads/", "", (*Server).upload},
	{"POST", "/api/v1/uploads/", evidence.PermUpload, (*Server).upload},
	{"HEAD", "/api/v1/uploads/{id}", evidence.PermUpload, (*Server).upload},
	{"PATCH", "/api/v1/uploads/{id}", evidence.PermUpload, (*Server).upload},
	{"DELETE", "/api/v1/uploads/{id}", evidence.PermUpload, (*Server).upload},

	{"GET", "/api/v1/recordings", evidence.PermRecordingsList, (*Server).listRecordings},
	{"GET", "/api/v1/recordings/{id}", evidence.PermRecordingsRead, (*Server).getRecording},
	{"PATCH", "/api/v1/recordings/{id}", evidence.PermRecordingsEdit, (*Server).updateRecording},
	{"GET", "/api/v1/recordings/{id}/content", evidence.PermContentRead, (*Server).recordingContent},
	{"GET", "/api/v1/recordings/{id}/custody", evidence.PermRecordingsRead, (*Server).recordingCustody},

	// The custody log (R-AUD-1): checkpoints and inclusion proofs let
	// anyone holding an entry verify it against a signed tree head.
	{"GET", "/api/v1/audit/checkpoint", evidence.PermAuthenticated, (*Server).auditCheckpoint},
	{"GET", "/api/v1/audit/entries/{index}", evidence.PermAuditRead, (*Server).auditEntry},
}
