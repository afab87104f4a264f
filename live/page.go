package live

import (
	"html"
	"strings"
)

// ScriptTag returns the <script> element that loads the client for the
// tab reference ref. Tab.ScriptTag also tells the client that a page
// resumed its tab's session.
func ScriptTag(ref, scriptPath, socketPath string) string {
	return scriptTag(ref, scriptPath, socketPath, "", "")
}

// scriptTag writes the client's data attributes: the tab reference, the
// socket path, the nonce of a resumed page and the resume cookie's name
// (the client defaults it to st_browser_resume).
func scriptTag(ref, scriptPath, socketPath, resumed, resumeCookie string) string {
	var b strings.Builder
	b.WriteString(`<script src="` + html.EscapeString(scriptPath) + `" data-ref="` + html.EscapeString(ref) +
		`" data-url="` + html.EscapeString(socketPath) + `"`)
	if resumed != "" {
		b.WriteString(` data-resumed="` + html.EscapeString(resumed) + `"`)
	}
	if resumeCookie != "" && resumeCookie != defaultCookieName+"_resume" {
		b.WriteString(` data-rc="` + html.EscapeString(resumeCookie) + `"`)
	}
	b.WriteString(` defer></script>`)
	return b.String()
}

// InjectScript inserts tag into page: before the first </head>, else
// before the last </body>, else at the end. Inside <head> it stays out of
// the fragments, which all live in <body>.
func InjectScript(page, tag string) string {
	lower := asciiLower(page)
	if i := strings.Index(lower, "</head>"); i >= 0 {
		return page[:i] + tag + page[i:]
	}
	if i := strings.LastIndex(lower, "</body>"); i >= 0 {
		return page[:i] + tag + page[i:]
	}
	return page + tag
}

// asciiLower lower-cases ASCII letters only, so that every index into the
// result is one into s: strings.ToLower changes byte lengths (İ, the
// Kelvin sign, invalid UTF-8), and the page holds session data.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
