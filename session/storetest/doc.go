// Package storetest is the contract test suite of session.Store. Every
// store calls Run from its own tests:
//
//	func TestStoreContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) session.Store { return memory.New(-1) })
//	}
//
// Run checks each clause of the contract documented on session.Store:
// create and duplicate IDs, missing records, compare-and-set updates,
// idempotent deletes, the expiry listing (order, limit, inclusive
// deadline, idle deadlines that move) — or, for a session.SelfExpiring
// store, that records are gone once their deadline passed, idle deadlines
// moving with updates, and nothing is listed — Count, HealthCheck, Close,
// context cancellation and concurrent use. What a generic suite cannot do — damage
// a stored record, fail the backend — each store tests itself.
package storetest
