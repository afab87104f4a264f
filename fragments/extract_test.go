package fragments

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHasAttr(t *testing.T) {
	cases := []struct {
		raw  string
		want bool
	}{
		{`<div id="a">`, true},
		{`<div ID=a>`, true},
		{`<div class="x"id="a">`, true},
		{`<div/id=a>`, true},
		{"<div\nid\n=\na>", true},
		{`<input id>`, true},
		{`<div data-cache="false">`, true},
		{`<div DATA-CACHE=false>`, true},
		{`<div data-id="a" hidden width=3>`, false},
		{`<div ids="a">`, false},
		{`<id>`, false},
		{`<div grid="1" valid>`, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, hasAttr([]byte(tc.raw)), tc.raw)
	}
}
