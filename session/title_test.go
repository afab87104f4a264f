package session

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPageTitle(t *testing.T) {
	for _, tc := range []struct{ name, page, want string }{
		{"plain", `<html><head><title>Inbox</title></head><body></body>`, "Inbox"},
		{"references decoded and spaces collapsed", "<TITLE lang=en>\n (3)  Tom &amp; Jerry\n</TITLE>", "(3) Tom & Jerry"},
		{"none", `<html><body><p>x</p></body>`, ""},
		{"a title in the body is not the document's", `<body><svg><title>icon</title></svg></body>`, ""},
		{"unterminated", `<title>Inbox`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, PageTitle([]byte(tc.page)))
		})
	}
}
