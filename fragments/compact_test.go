package fragments

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompactHTML(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"whitespace between attributes collapses", "<div\n   id=\"a\"\n   class=\"b c\"\n>x</div>", `<div id="a" class="b c">x</div>`},
		{"quoted values keep their spaces", `<p title="  a  >  b ">x</p>`, `<p title="  a  >  b ">x</p>`},
		{"space before /> stays so an unquoted value keeps its end", "<input value=x\n />", "<input value=x />"},
		{"end tags lose their whitespace", "<b>x</b\n  >", "<b>x</b>"},
		{"whitespace-only text shrinks to one character", "<ul>\n    <li>a</li>   <li>b</li>\n</ul>", "<ul>\n<li>a</li> <li>b</li>\n</ul>"},
		{"text with content is untouched", "<p>\n  hello   world\n</p>", "<p>\n  hello   world\n</p>"},
		{"pre keeps whitespace-only text", "<pre><b>a</b>   <i>b</i></pre>", "<pre><b>a</b>   <i>b</i></pre>"},
		{"textarea and script keep their text", "<textarea>   </textarea><script>  </script>", "<textarea>   </textarea><script>  </script>"},
		{"unquoted value with a quote inside", `<a href=x"y title='z'>t</a>`, `<a href=x"y title='z'>t</a>`},
		{"spaces around equals", `<a href = "x">t</a>`, `<a href ="x">t</a>`},
	}
	t.Run("inside pre nothing but tags is compacted", func(t *testing.T) {
		assert.Equal(t, "<b class=x>\n  </b>", compactHTML([]byte("<b\n class=x>\n  </b>"), true))
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, compactHTML([]byte(tc.in), false))
		})
	}
}
