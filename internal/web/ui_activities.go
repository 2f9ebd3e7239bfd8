package web

// activityUIRoutes are the workbench pages of activities and findings.
var activityUIRoutes = []route{}
