"""Behind a reverse proxy (nginx): believe its forwarded headers, and only its.

A worker sees the proxy's address as the peer of every connection. When that peer is one of
``TRUSTED_PROXIES`` (``DJANGO_TRUSTED_PROXIES``: addresses or networks), the client's address is taken from
``X-Forwarded-For`` (the rightmost address that is not itself a trusted proxy: the one the proxy saw) and the
scheme from ``X-Forwarded-Proto``, for HTTP and websockets alike; Django, the login lockout (django-axes reads
``REMOTE_ADDR``), CSRF and the websocket Origin check then see the real client and the public scheme. From any
other peer (a client that reaches a worker directly) the headers are ignored, whatever they say.

``TONGXIN_WORKER_NAME`` (optional) names the worker in every HTTP answer's ``X-Served-By`` header, so a test or
an operator can tell which worker behind the proxy answered.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

SECURE = {"http": "https", "websocket": "wss"}
PLAIN = {"http": "http", "websocket": "ws"}


def networks(values: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip()]


def trusted(address: str, proxies: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def forwarded_client(header: str, proxies: list[Network]) -> str | None:
    """The client's address in an ``X-Forwarded-For`` chain: the rightmost hop that is not a trusted proxy
    (the leftmost entries are whatever the client wrote)."""
    hops = [hop.strip() for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return None  # a malformed chain: keep the peer
        if not trusted(hop, proxies):
            return hop
    return hops[0] if hops else None


class ProxyHeaders:
    """ASGI middleware: the client and scheme from a trusted proxy's headers; ``X-Served-By`` on answers."""

    def __init__(self, app: Callable, *, proxies: Iterable[str], worker: str = ""):
        self.app = app
        self.proxies = networks(proxies)
        self.worker = worker.encode("latin1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = self.from_proxy(scope)
            if scope["type"] == "http" and self.worker:
                send = self.served_by(send)
        await self.app(scope, receive, send)

    def from_proxy(self, scope: Scope) -> Scope:
        client = scope.get("client")
        if not self.proxies or not client or not trusted(client[0], self.proxies):
            return scope
        headers = dict(scope.get("headers") or [])
        changed: Scope = {}
        forwarded_for = headers.get(b"x-forwarded-for")
        if forwarded_for:
            address = forwarded_client(forwarded_for.decode("latin1"), self.proxies)
            if address:
                changed["client"] = (address, 0)
        proto = headers.get(b"x-forwarded-proto", b"").decode("latin1").strip().lower()
        if proto in ("https", "wss"):
            changed["scheme"] = SECURE[scope["type"]]
        elif proto in ("http", "ws"):
            changed["scheme"] = PLAIN[scope["type"]]
        return {**scope, **changed} if changed else scope

    def served_by(self, send: Send) -> Send:
        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-served-by", self.worker)]}
            await send(message)

        return sending
