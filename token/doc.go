// Package token seals and opens session tokens.
//
// A token is an AES-256-GCM sealed box holding a session ID, a token
// generation, the issue time and the expiry time. Its layout, before
// URL-safe unpadded base64, is:
//
//	version (1) | key id (4) | nonce (12) | ciphertext (36) | tag (16)
//
// 69 bytes, 92 characters: small enough for a cookie. The version and key
// id travel in the clear and are authenticated as additional data, so that
// opening a token tries exactly one key. Key ids are derived from the key
// material; the AES key is derived from the configured secret with
// HKDF-SHA-256, so a secret of any length ≥ MinKeyLen is used in full.
//
// Tokens are opaque to the browser: it cannot read the session ID or forge
// a token without the key. A tampered, truncated, foreign or garbage token
// yields ErrInvalid; an expired one ErrExpired. Opening never panics.
//
// A Keyring is immutable and safe for concurrent use.
package token
