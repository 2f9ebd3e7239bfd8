package web

import "shilu/internal/evidence"

// peopleRoutes are sign-in, accounts, departments and tokens.
var peopleRoutes = []route{
	{"POST", "/api/v1/login", "", (*Server).login},
}

var _ = evidence.PermUsersManage
