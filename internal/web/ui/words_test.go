package ui

import "testing"

// Users read Chinese: articles as 第十一条, the server's own actors and the
// objects of custody entries in words.
func TestWordsForCodes(t *testing.T) {
	zh, en := &page{Lang: "zh-CN"}, &page{Lang: "en"}
	for _, tc := range []struct {
		name, got, want string
	}{
		{"ArticleFive", zh.Article("Art. 5"), "第五条"},
		{"ArticleEleven", zh.Article("Art. 11"), "第十一条"},
		{"ArticleTwenty", zh.Article("Art. 20"), "第二十条"},
		{"ArticleTwentyOne", zh.Article("Art. 21"), "第二十一条"},
		{"ArticleCodeKept", zh.Article("X-ACT-1"), "X-ACT-1"},
		{"ArticleEnglish", en.Article("Art. 11"), "Art. 11"},
		{"ActorSystem", zh.Actor("system"), "系统"},
		{"ActorCLI", zh.Actor("cli:root"), "命令行（root）"},
		{"ActorPerson", zh.Actor("zhangwei"), "zhangwei"},
		{"ObjectActivity", zh.Object("activity:3"), "执法活动 3"},
		{"ObjectUnknownKind", zh.Object("widget:7"), "widget:7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}
