package web

// dashboardRoutes are the compliance dashboard: page, CSV and JSON (R-RPT-1).
var dashboardRoutes = []route{}
