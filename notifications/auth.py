"""Who is on a websocket: the API token in ``Authorization: Token <key>`` for programs, or the session cookie
for pages, accepted only from an allowed Origin (a page of another site must not ride on the cookie).

An allowed Origin is the socket's own site, scheme and port included (as Django's CSRF check takes a form
post's Origin: ``http`` for ``ws``, ``https`` for ``wss``, and the Host header, which must be an allowed host),
or one of ``CSRF_TRUSTED_ORIGINS``. Anything else, a missing Origin included, is refused before the socket is
accepted."""

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host


@database_sync_to_async
def _user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenOrSessionAuth:
    def __init__(self, inner):
        self.inner = inner
        self.session_app = SameSiteOrigin(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        authorization = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin1")
        if authorization.startswith("Token "):
            user = await _user_for_token(authorization.removeprefix("Token ").strip())
            return await self.inner({**scope, "user": user}, receive, send)
        return await self.session_app(scope, receive, send)


def allowed_origin(scope: dict) -> bool:
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin1")
    host = headers.get(b"host", b"").decode("latin1")
    if not origin:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    domain, _port = split_domain_port(host)
    return bool(host) and validate_host(domain, settings.ALLOWED_HOSTS) and origin == f"{scheme}://{host}"


class SameSiteOrigin:
    """Lets a session-cookie socket through only from an allowed Origin (see the module's docstring)."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if allowed_origin(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)
