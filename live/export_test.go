package live

// OpenReference opens a tab reference with the browser cookie's value, as
// the WebSocket handshake does, so that tests can check its session.
func OpenReference(cookie, ref string) (string, error) {
	secret, err := b64.DecodeString(cookie)
	if err != nil {
		return "", err
	}
	return openRef(secret, ref)
}

// FuzzUpdate is fuzzUpdate, for the external tests' fuzzers.
var FuzzUpdate = fuzzUpdate
