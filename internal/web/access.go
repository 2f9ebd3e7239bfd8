package web

// accessRoutes are access requests, grants and the register of viewings
// (Art. 16-17; R-VIEW-1, R-VIEW-2).
var accessRoutes = []route{}
