package serialize

// Body and Inner are body and inner, for the external tests.
var (
	Body  = body
	Inner = inner
)
