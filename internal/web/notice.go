package web

// noticeRoutes are the notice to the party (Art. 8; R-ACT-3, X-ACT-2).
var noticeRoutes = []route{}
