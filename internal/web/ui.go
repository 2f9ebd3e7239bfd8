package web

// uiRoutes are the pages of the web workbench.
var uiRoutes = []route{}
