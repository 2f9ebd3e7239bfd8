package web

// activityRoutes are enforcement activities, their coverage, interruptions,
// exemptions and device checks, and the findings of compliance (Art. 4-13).
var activityRoutes = []route{}
