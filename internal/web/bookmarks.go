package web

// bookmarkRoutes are the key moments (重点摄录) marked inside recordings
// (Art. 10; R-ACT-5).
var bookmarkRoutes = []route{}
