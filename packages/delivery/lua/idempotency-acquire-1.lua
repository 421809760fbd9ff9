--[[
  Takes the send lease of one notification, unless it was already sent.

  KEYS[1]  the notification's mark, herald:idem:{<notification id>}
  ARGV[1]  owner: the worker instance and the record being handled
  ARGV[2]  lease, ms: how long the mark protects an in-flight send if the worker dies

  Returns
    {'acquired'}           no mark, or our own lease (a retried chunk): lease (re)set
    {'sent', summary}      the notification was sent; summary is what complete stored
    {'busy', pttl}         another owner holds the lease for pttl more ms
]]
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], 'lease:' .. ARGV[1], 'PX', ARGV[2])
  return {'acquired'}
end
if string.sub(value, 1, 5) == 'sent:' then
  return {'sent', string.sub(value, 6)}
end
if value == 'lease:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'acquired'}
end
return {'busy', redis.call('PTTL', KEYS[1])}
