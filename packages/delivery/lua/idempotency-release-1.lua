--[[
  Gives the send lease back after a send that did not happen or failed, so a retry or
  replay can take it at once. Only the owner's lease is removed.

  KEYS[1]  the notification's mark, herald:idem:{<notification id>}
  ARGV[1]  owner, as given to acquire

  Returns 1 when the lease was removed, 0 when the mark is someone else's or a sent mark
]]
if redis.call('GET', KEYS[1]) == 'lease:' .. ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
