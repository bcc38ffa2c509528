"""The Redis layer's ``group_send_all`` (``notifications.layer``) against a real redis-server: it delivers what
``group_send`` would, per group, in the order given, and drops what a full key would not take."""

import asyncio

import pytest

from notifications.layer import RedisChannelLayer
from tests.live import redis_server

pytestmark = pytest.mark.asyncio


@pytest.fixture
def redis_url():
    with redis_server() as (url, _stop, _start):
        yield url


def layer_on(url: str, **config) -> RedisChannelLayer:
    return RedisChannelLayer(hosts=[url], **config)


async def received(layer: RedisChannelLayer, channel: str, count: int) -> list[dict]:
    messages = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]
    return [{k: v for k, v in message.items() if k != "__asgi_channel__"} for message in messages]


async def test_each_group_gets_its_message_and_a_group_nobody_is_in_gets_nothing(redis_url):
    layer = layer_on(redis_url)
    worker, other_worker = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("board.0001", worker)
    await layer.group_add("board.0001", other_worker)
    await layer.group_add("notify.7", worker)

    dropped = await layer.group_send_all(
        [
            ("board.0001", {"type": "board.event", "seq": 1}),
            ("board.00010002", {"type": "board.event", "seq": 1}),  # nobody's
            ("notify.7", {"type": "notification", "id": 5}),
        ]
    )

    assert dropped == 0
    assert await received(layer, worker, 2) == [
        {"type": "board.event", "seq": 1},
        {"type": "notification", "id": 5},
    ]
    assert await received(layer, other_worker, 1) == [{"type": "board.event", "seq": 1}]
    connection = layer.connection(0)
    assert await connection.zcard(layer.prefix + layer.non_local_name(worker)) == 0  # nothing more waits
    await layer.flush()
    await layer.close_pools()


async def test_messages_to_one_receiver_arrive_in_the_order_given(redis_url):
    layer = layer_on(redis_url)
    channel = await layer.new_channel()
    for group in ("board.0001", "notify.1", "notify.2"):
        await layer.group_add(group, channel)
    # one time for all of them would leave their order to their random prefixes (as ``group_send``'s does)
    sends = [(("board.0001", "notify.1", "notify.2")[n % 3], {"type": "t", "n": n}) for n in range(30)]

    assert await layer.group_send_all(sends) == 0

    assert await received(layer, channel, 30) == [{"type": "t", "n": n} for n in range(30)]
    await layer.flush()
    await layer.close_pools()


async def test_a_full_receiver_takes_what_fits_and_the_rest_are_counted_as_dropped(redis_url):
    layer = layer_on(redis_url, capacity=2)
    channel = await layer.new_channel()
    await layer.group_add("notify.1", channel)

    dropped = await layer.group_send_all([("notify.1", {"type": "t", "n": n}) for n in range(3)])

    assert dropped == 1
    assert await received(layer, channel, 2) == [{"type": "t", "n": 0}, {"type": "t", "n": 1}]
    assert await layer.connection(0).zcard(layer.prefix + layer.non_local_name(channel)) == 0
    await layer.flush()
    await layer.close_pools()


async def test_a_member_past_the_group_expiry_is_left_out_as_group_send_leaves_it(redis_url):
    layer = layer_on(redis_url, group_expiry=60)
    stale, fresh = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("notify.1", fresh)
    # a membership last renewed at the epoch
    await layer.connection(0).zadd(layer._group_key("notify.1"), {stale: 0})

    assert await layer.group_send_all([("notify.1", {"type": "t"})]) == 0

    assert await received(layer, fresh, 1) == [{"type": "t"}]
    assert await layer.connection(0).zrange(layer._group_key("notify.1"), 0, -1) == [fresh.encode()]
    await layer.flush()
    await layer.close_pools()


async def test_on_two_redis_servers_each_group_still_gets_its_message_in_order():
    with redis_server() as (first, _stop, _start), redis_server() as (second, _stop2, _start2):
        layer = RedisChannelLayer(hosts=[first, second])
        channel = await layer.new_channel()
        names = [f"notify.{n}" for n in range(40)]
        # three groups on each server (by their hash), alternating
        on = [[name for name in names if layer.consistent_hash(name) == index][:3] for index in (0, 1)]
        groups = [group for pair in zip(*on, strict=True) for group in pair]
        for group in groups:
            await layer.group_add(group, channel)

        assert await layer.group_send_all([(group, {"type": "t", "group": group}) for group in groups]) == 0

        assert await received(layer, channel, 6) == [{"type": "t", "group": group} for group in groups]
        await layer.flush()
        await layer.close_pools()
