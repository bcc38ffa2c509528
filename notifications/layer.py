"""The Redis channel layer, with the sends of one commit in two round trips (``group_send_all``).

channels-redis's ``group_send`` takes two round trips for a group nobody is in and four for one with members
(expire, read the members, expire the receiving keys, send), and a commit sends to several groups: the board
group of its case's unit and of every unit above it, and the personal group of each person it notifies. Sent
one ``group_send`` each, side by side, those commands compete on the server's event loop with the sockets the
loop also serves. ``group_send_all`` reads the members of every group in one pipeline and sends every message
in one script: what reaches a receiving key is what ``group_send`` would put there, in the order given.

Only for one Redis server: with several (sharded by consistent hashing), it sends group by group, one after the
other.
"""

import time

from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer

# Per receiving key, in order: drop expired messages; add the message if the key is under its capacity, its
# score a microsecond after the one before it (one receiver pops the lowest first, so several messages of one
# call to one key arrive in the order given; ``group_send`` gives them all the same time). KEYS: receiving keys
# (one may come more than once). ARGV: their messages, their capacities, the time, the expiry.
SEND_ALL = """
local count = #KEYS
local now = tonumber(ARGV[2 * count + 1])
local expiry = tonumber(ARGV[2 * count + 2])
local over_capacity = 0
for i = 1, count do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], 0, math.floor(now) - expiry)
    if redis.call('ZCOUNT', KEYS[i], '-inf', '+inf') < tonumber(ARGV[count + i]) then
        redis.call('ZADD', KEYS[i], now + i * 0.000001, ARGV[i])
        redis.call('EXPIRE', KEYS[i], expiry)
    else
        over_capacity = over_capacity + 1
    end
end
return over_capacity
"""


class RedisChannelLayer(ChannelsRedisLayer):
    async def group_send_all(self, messages: list[tuple[str, dict]]) -> int:
        """Send each (group, message) as ``group_send`` would; return how many were dropped because a
        receiving key was full (``group_send`` drops those too, and only logs them)."""
        if not messages:
            return 0
        if len(self.hosts) > 1:
            # one after the other: a batch of hundreds side by side would open as many connections
            for group, message in messages:
                await self.group_send(group, message)
            return 0
        for group, _ in messages:
            assert self.require_valid_group_name(group), "Group name not valid"
        connection = self.connection(0)
        now = time.time()
        members = connection.pipeline(transaction=False)
        for group, _ in messages:
            key = self._group_key(group)
            members.zremrangebyscore(key, min=0, max=int(now) - self.group_expiry)
            members.zrange(key, 0, -1)
        replies = await members.execute()
        keys: list[str] = []
        payloads: list[bytes] = []
        capacities: list[int] = []
        for (_, message), names in zip(messages, replies[1::2], strict=True):
            if not names:
                continue
            _, key_to_message, key_to_capacity = self._map_channel_keys_to_connection(
                [name.decode("utf8") for name in names], message
            )
            keys += key_to_message
            payloads += key_to_message.values()
            capacities += key_to_capacity.values()
        if not keys:
            return 0
        return await connection.eval(SEND_ALL, len(keys), *keys, *payloads, *capacities, now, self.expiry)
