--[[
  Many SETs in one call: a chunk's leases, sent marks or dedupe claims on a single
  Redis. One command instead of one per key: the client's cost is per command
  (docs/benchmarks.md, "Round 11 (issue 19): a chunk's Redis writes in one call").
  Only used where every key is on the one node (not on a Cluster: redis-client.ts).

  KEYS[i]        the keys
  ARGV[1]        'NX': set only keys that do not exist; '' : set every key
  ARGV[2i]       key i's value
  ARGV[2i + 1]   key i's time to live, ms

  Returns, per key, 1 when it was set, 0 when NX found it already there.
]]
local nx = ARGV[1] == 'NX'
local out = {}
for i = 1, #KEYS do
  local set
  if nx then
    set = redis.call('SET', KEYS[i], ARGV[2 * i], 'PX', ARGV[2 * i + 1], 'NX')
  else
    set = redis.call('SET', KEYS[i], ARGV[2 * i], 'PX', ARGV[2 * i + 1])
  end
  out[i] = set and 1 or 0
end
return out
