"""While the channel layer's Redis is away, a socket's handshake is refused cleanly (close 4503 before it is
accepted, so the page's script retries), never a 500; once Redis is back the same socket opens."""

import pytest
from asgiref.sync import sync_to_async

from tests.live import redis_server
from tests.test_sockets import close_layer_pools, connect, token_headers  # noqa: F401

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def redis_layer(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "notifications.layer.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1}]},
        }
    }


async def test_sockets_are_refused_cleanly_during_a_redis_outage_and_open_after_it(
    committed_people, settings
):
    with redis_server() as (url, stop, start):
        settings.CHANNEL_LAYERS = redis_layer(url)
        stop()
        for path, user in (("/ws/notifications/", "lawyer"), ("/ws/board/", "supervisor")):
            headers = await sync_to_async(token_headers)(committed_people[user])
            socket, connected, code = await connect(path, headers)
            assert (connected, code) == (False, 4503), path
        start()
        for path, user in (("/ws/notifications/", "lawyer"), ("/ws/board/", "supervisor")):
            headers = await sync_to_async(token_headers)(committed_people[user])
            socket, connected, _code = await connect(path, headers)
            assert connected, path
            await socket.disconnect()
