--[[
  GCRA (generic cell rate algorithm) over N limits at once, all or nothing: the
  request is admitted only if every limit admits it, and only then does any state move.
  Time is Redis server time (TIME), so workers' clocks do not matter.

  KEYS[1..N]   one state key per (policy, subject): the theoretical arrival time (TAT),
               ms since epoch, as a string. All keys share one hash tag (Cluster slot).
  ARGV[i]      emission interval of key i, ms: period / limit (may be fractional)
  ARGV[N+i]    tolerance of key i, ms: (burst - 1) * emission interval

  Returns
    {1, 0, 0, now, ahead}  admitted: each key's TAT = max(TAT, now) + interval; ahead = the
                           largest new TAT - now, ms (how far the budget is spent: the API
                           turns it into RateLimit-Remaining / -Reset)
    {0, waitMs, i, now}    refused: key i is the one that waits longest, waitMs until
                           every key would admit; no key changed
  (numbers are integers: ms, rounded up for waits)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local n = #KEYS
local next_tat = {}
local wait = 0
local denied = 0
for i = 1, n do
  local interval = tonumber(ARGV[i])
  local tolerance = tonumber(ARGV[n + i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local allow_at = tat - tolerance
  if allow_at > now then
    if allow_at - now > wait then
      wait = allow_at - now
      denied = i
    end
  else
    next_tat[i] = tat + interval
  end
end
if denied > 0 then
  return {0, math.ceil(wait), denied, math.floor(now)}
end
local ahead = 0
for i = 1, n do
  redis.call('SET', KEYS[i], string.format('%.3f', next_tat[i]), 'PX', math.ceil(next_tat[i] - now) + 1000)
  if next_tat[i] - now > ahead then ahead = next_tat[i] - now end
end
return {1, 0, 0, math.floor(now), math.ceil(ahead)}
