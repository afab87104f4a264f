package redis

import goredis "github.com/redis/go-redis/v9"

// The write scripts run atomically in Redis, so a record and its expiry
// never disagree. Each touches one key, the session's own (KEYS[1]), so
// that under Redis Cluster it runs on the master of that session's slot.
// They compare deadlines with Redis's own clock (TIME), the clock
// PEXPIREAT uses: a record already due is deleted, never stored, because a
// key without an expiry would live forever.
//
// The session hash has two fields: v, the record (see value.go), and r, its
// revision in decimal, which Lua compares as a string (exact for any
// uint64, where Lua numbers are doubles).

// nowMillis is the Lua prologue reading Redis's clock in milliseconds.
const nowMillis = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// createScript: ARGV = value, rev, expiry ms.
// Returns 0 when the key exists, 1 when stored, 2 when already due.
var createScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
` + nowMillis + `
if tonumber(ARGV[3]) <= now then return 2 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`)

// updateScript: ARGV = value, rev, expected stored rev, expiry ms.
// Returns {0} when missing, {-1, stored rev} on a revision mismatch, {1}
// when stored and {2} when the new record was already due and so deleted.
var updateScript = goredis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'r')
if not cur then return {0} end
if cur ~= ARGV[3] then return {-1, cur} end
` + nowMillis + `
if tonumber(ARGV[4]) <= now then
	redis.call('DEL', KEYS[1])
	return {2}
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'r', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return {1}
`)
