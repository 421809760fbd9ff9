--[[
  Marks one notification as sent, whoever holds the lease (a send that happened is a
  fact, even if the lease ran out meanwhile).

  KEYS[1]  the notification's mark, herald:idem:{<notification id>}
  ARGV[1]  summary: JSON of the provider response, re-published on redelivery
  ARGV[2]  ttl, ms: well beyond the longest retry horizon

  Returns 1
]]
redis.call('SET', KEYS[1], 'sent:' .. ARGV[1], 'PX', ARGV[2])
return 1
