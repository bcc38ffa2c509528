"""Which forwarded headers a worker believes (``config/proxy.py``), for HTTP and websockets alike; the whole path
through nginx is ``tests/test_cluster.py``."""

import pytest

from config.proxy import ProxyHeaders


async def seen_scope(scope, proxies=("127.0.0.1",)):
    got = {}

    async def app(scope, receive, send):
        got.update(scope)

    await ProxyHeaders(app, proxies=proxies)(scope, None, None)
    return got


def scope(kind="http", peer="127.0.0.1", **headers):
    return {
        "type": kind,
        "scheme": "http" if kind == "http" else "ws",
        "client": (peer, 40000),
        "headers": [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()],
    }


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("given", "client", "scheme"),
    [
        # from the proxy: its headers are believed
        (scope(x_forwarded_for="198.51.100.7", x_forwarded_proto="https"), ("198.51.100.7", 0), "https"),
        (
            scope("websocket", x_forwarded_for="198.51.100.7", x_forwarded_proto="https"),
            ("198.51.100.7", 0),
            "wss",
        ),
        # a chain: the rightmost hop that is not a trusted proxy, never what the client wrote on the left
        (scope(x_forwarded_for="10.0.0.1, 198.51.100.7, 127.0.0.1"), ("198.51.100.7", 0), "http"),
        # a malformed chain keeps the peer
        (scope(x_forwarded_for="not-an-address"), ("127.0.0.1", 40000), "http"),
        # from anyone else: ignored
        (
            scope(peer="198.51.100.9", x_forwarded_for="10.0.0.1", x_forwarded_proto="https"),
            ("198.51.100.9", 40000),
            "http",
        ),
    ],
)
async def test_forwarded_headers_are_believed_from_the_proxy_only(given, client, scheme):
    got = await seen_scope(given)
    assert (got["client"], got["scheme"]) == (client, scheme)


@pytest.mark.asyncio
async def test_without_trusted_proxies_nothing_is_believed():
    got = await seen_scope(scope(x_forwarded_for="198.51.100.7", x_forwarded_proto="https"), proxies=())
    assert (got["client"], got["scheme"]) == (("127.0.0.1", 40000), "http")


@pytest.mark.asyncio
async def test_a_network_of_proxies_is_trusted_by_its_prefix():
    got = await seen_scope(scope(peer="10.1.2.3", x_forwarded_for="198.51.100.7"), proxies=("10.0.0.0/8",))
    assert got["client"] == ("198.51.100.7", 0)
