/**
 * The Lua scripts of the shared limiter. Each runs atomically in Redis, so a check and the
 * count it guards can never interleave with another instance's.
 * Counters: rpm is a sorted set of admission times; rpd, tpm (per minute) and spend (per
 * budget period, in integer nano-dollars) are plain integer strings.
 */

/**
 * The gate, before a request is parsed: counts it against rpm and rpd, and refuses early
 * when the minute's tokens or the budget are already used up (nothing could be reserved).
 * KEYS: rpm set, rpd counter, tpm counter, spend counter.
 * ARGV: now, rpm, rpd, tpm, budget (nano-USD), member, ms to next day, ms to next period.
 * Returns {admitted, limit, retryAfterMs, minuteCount, dayCount, minuteTokens}.
 */
export const ADMIT_LUA = `
local now = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local rpd = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local minuteCount = 0
if rpm >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
  minuteCount = redis.call('ZCARD', KEYS[1])
  if minuteCount >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = 1000
    if oldest[2] then wait = tonumber(oldest[2]) + 60000 - now end
    return {0, 'rpm', wait, minuteCount, 0, 0}
  end
end
local dayCount = tonumber(redis.call('GET', KEYS[2]) or '0')
if rpd >= 0 and dayCount >= rpd then return {0, 'rpd', tonumber(ARGV[7]), minuteCount, dayCount, 0} end
local tokens = 0
if tpm >= 0 then
  tokens = tonumber(redis.call('GET', KEYS[3]) or '0')
  if tokens >= tpm then return {0, 'tpm', 60000 - (now % 60000), minuteCount, dayCount, tokens} end
end
if budget >= 0 and tonumber(redis.call('GET', KEYS[4]) or '0') >= budget then
  return {0, 'budget', tonumber(ARGV[8]), minuteCount, dayCount, tokens}
end
if rpm >= 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], 60000)
  minuteCount = minuteCount + 1
end
if rpd >= 0 then
  dayCount = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]) + 60000)
end
return {1, '', 0, minuteCount, dayCount, tokens}
`;

/**
 * One reservation: holds the request's worst case against tpm and the budget, or refuses.
 * Refuses to act (status -1) while the epoch key is missing: Redis lost its data and the
 * spend counters must be re-seeded from the database first.
 * KEYS: epoch, tpm counter, spend counter.
 * ARGV: tpm (-1 = none), tokens wanted, budget nano-USD (-1 = none), nano-USD wanted,
 *       tpm counter ttl ms, spend counter ttl ms.
 * Returns {status (1 held, 0 tpm refused, 2 budget refused, -1 no epoch), minute tokens after}.
 */
export const RESERVE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0} end
local tpm = tonumber(ARGV[1])
local wantT = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local wantU = tonumber(ARGV[4])
local tokens = 0
if tpm >= 0 then
  tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
  if tokens + wantT > tpm then return {0, tokens} end
end
if budget >= 0 then
  local spent = tonumber(redis.call('GET', KEYS[3]) or '0')
  if spent + wantU > budget then return {2, tokens} end
  if wantU > 0 then
    redis.call('INCRBY', KEYS[3], wantU)
    redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]))
  end
end
if tpm >= 0 and wantT > 0 then
  tokens = redis.call('INCRBY', KEYS[2], wantT)
  redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]))
end
return {1, tokens}
`;

/**
 * Settles many reservations in one call: adds each counter's summed difference between what
 * was used and what was held. A counter that no longer exists (its minute or period is over,
 * or Redis lost it and the seed from the database already counts the request) is left alone.
 * KEYS: counters; ARGV: one delta per key.
 */
export const SETTLE_LUA = `
for i = 1, #KEYS do
  local d = tonumber(ARGV[i])
  if d ~= 0 and redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], d) end
end
return #KEYS
`;

/**
 * Raises spend counters to at least the database's totals and, with ARGV[1] set, writes the
 * epoch key that says the counters are complete. KEYS: epoch, then spend counters.
 * ARGV: epoch value ('' = leave it), then for each counter its nano-USD floor and its ttl ms.
 */
export const SEED_LUA = `
for i = 2, #KEYS do
  local floor = tonumber(ARGV[2 * i - 2])
  local cur = tonumber(redis.call('GET', KEYS[i]) or '-1')
  if cur < floor then redis.call('SET', KEYS[i], floor, 'PX', tonumber(ARGV[2 * i - 1])) end
end
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1], 'NX') end
return 1
`;
