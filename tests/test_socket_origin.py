"""A page's socket rides on the session cookie only from the site itself: its scheme, host and port, or one of
``CSRF_TRUSTED_ORIGINS``. The policy lets pages open sockets to this site only."""

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from tests.test_sockets import close_layer_pools, connect, session_headers  # noqa: F401

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def opens(user, origin: bytes, host: bytes | None = None) -> bool:
    headers = await sync_to_async(session_headers)(user, origin=(b"origin", origin))
    if host is not None:
        headers.append((b"host", host))
    socket, connected, _code = await connect("/ws/notifications/", headers)
    if connected:
        await socket.disconnect()
    return connected


@pytest.mark.parametrize(
    ("origin", "host", "accepted"),
    [
        (b"http://127.0.0.1:8000", None, True),  # a trusted origin
        (b"http://127.0.0.1:5555", b"127.0.0.1:5555", True),  # the site itself, on its own port
        (b"http://localhost:9999", None, False),  # the right host, another port
        (b"http://localhost:9999", b"localhost:8000", False),  # another port than the site's
        (b"https://127.0.0.1:8000", None, False),  # another scheme
        (b"http://evil.example:5555", b"evil.example:5555", False),  # a host the site does not serve
        (b"null", None, False),
    ],
)
async def test_only_the_sites_own_origin_opens_a_session_socket(committed_people, origin, host, accepted):
    assert await opens(committed_people["mediator"], origin, host) is accepted


async def test_no_origin_no_session_socket(committed_people):
    headers = await sync_to_async(session_headers)(committed_people["mediator"])
    socket, connected, _code = await connect("/ws/notifications/", headers[1:])  # the cookie alone
    assert connected is False


@pytest.mark.django_db
@pytest.mark.asyncio(loop_scope="function")
async def test_the_policy_allows_sockets_to_this_site_only(committed_people):
    from django.test import AsyncClient

    client = AsyncClient()
    await sync_to_async(client.force_login)(committed_people["mediator"])
    response = await client.get(reverse("inbox"))
    connect_src = next(
        part.split()[1:] for part in response["Content-Security-Policy"].split(";") if "connect-src" in part
    )
    assert connect_src == ["'self'", "ws://127.0.0.1:8000", "ws://localhost:8000"]
